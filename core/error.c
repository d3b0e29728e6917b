/*
 * error.c - the thread-local last error message (see error.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static _Thread_local char msg[1024];

/* Format beside msg, then copy: callers add context to the last message
 * with bt_error_set(c, "'%s': %s", path, bt_error_msg()), and vsnprintf
 * into a buffer it reads from garbles it. */
int bt_error_set(int code, const char *fmt, ...)
{
	char buf[sizeof(msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	memcpy(msg, buf, sizeof(msg));
	return code;
}

int bt_error_set_os(int code, const char *fmt, ...)
{
	char buf[sizeof(msg)];
	int saved = errno;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	n = strlen(buf);
	snprintf(buf + n, sizeof(buf) - n, ": %s", strerror(saved));
	memcpy(msg, buf, sizeof(msg));
	errno = saved;
	return code;
}

const char *bt_error_msg(void)
{
	return msg[0] ? msg : "unknown error";
}

const char *bt_error_name(int code)
{
	switch (code) {
	case BT_OK: return "ok";
	case BT_ENOTFOUND: return "not found";
	case BT_ECORRUPT: return "corrupt";
	case BT_EVERSION: return "unsupported version";
	case BT_EIO: return "i/o error";
	case BT_ENOMEM: return "out of memory";
	case BT_EINVAL: return "invalid argument";
	case BT_ELIMIT: return "limit reached";
	}
	return "unknown error";
}
