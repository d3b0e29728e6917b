/*
 * error.h - error codes and the last error message, for core/, graph/ and
 * capture/.
 *
 * Library functions return 0 or a negative enum bt_error and set a message
 * with bt_error_set(); they never print and never exit.  Callers pass an
 * error up unchanged; only cli/ shows it (bt_error_msg()).  The message is
 * thread-local and valid until the next bt_error_set*() in that thread.
 */
#ifndef BT_ERROR_H
#define BT_ERROR_H

enum bt_error {
	BT_OK        = 0,
	BT_ENOTFOUND = -1,  /* no such object, file, detection point */
	BT_ECORRUPT  = -2,  /* bad bytes in input: the message has the offset
	                       or line number */
	BT_EVERSION  = -3,  /* a format version this build does not read */
	BT_EIO       = -4,  /* a system call failed; errno is in the message */
	BT_ENOMEM    = -5,
	BT_EINVAL    = -6,  /* a bad argument from the caller or the user */
	BT_ELIMIT    = -7   /* a limit was hit (result still usable) */
};

/* Set the message, printf-style.  Returns `code` so callers can write
 * `return bt_error_set(BT_EINVAL, "bad spec '%s'", s);`. */
int bt_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like bt_error_set(), then ": strerror(errno)" with errno as it was. */
int bt_error_set_os(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The last message (borrowed; never NULL). */
const char *bt_error_msg(void);

/* A short name for a code, e.g. "corrupt". */
const char *bt_error_name(int code);

#endif
