/*
 * jsonl.c - the JSON Lines importer (see jsonl.h; format in
 * man/btrack-import.1).
 *
 * Each line is one JSON object, parsed with jansson's json_loadb() and
 * checked field by field into a struct bt_obs, which core/ingest.c turns
 * into objects and events.  This module decides only what a line says; the
 * dependency rules live in ingest.  Lines are untrusted: every field's type
 * and range is checked, and a bad line is reported with its number, never
 * asserted.  Lines are read into one buffer reused for the whole import and
 * bounded by BT_JSONL_MAX_LINE, so a hostile file cannot make us hold more
 * than that in memory for one line.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/timefmt.h"
#include "../core/util.h"
#include "jsonl.h"

#define MAX_LINE (1u << 20)  /* bytes, without the newline */
#define PAGE_SIZE_B 4096u

struct bt_jsonl_line {
	json_t *root;           /* the last line's object; strings borrow it */
	const char **argv;      /* reused between lines */
	size_t argv_cap;
};

int bt_jsonl_line_new(struct bt_jsonl_line **out)
{
	struct bt_jsonl_line *l = calloc(1, sizeof(*l));

	if (!l)
		return bt_error_set(BT_ENOMEM, "out of memory");
	*out = l;
	return 0;
}

void bt_jsonl_line_free(struct bt_jsonl_line *l)
{
	if (!l)
		return;
	json_decref(l->root);
	free(l->argv);
	free(l);
}

/* ---- fields ----------------------------------------------------------- */

/* Set the message to "PREFIX: <the current message>"; returns code.  The
 * current message is copied first: it lives in the buffer being written. */
static int prefix_error(int code, const char *prefix)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s", bt_error_msg());
	return bt_error_set(code, "%s: %s", prefix, msg);
}

static int bad_field(const char *name, const char *what)
{
	return bt_error_set(BT_ECORRUPT, "field '%s' %s", name, what);
}

/* A non-negative integer no larger than max.  Absent: 1 if required, else
 * 0 with *out unchanged (and *present false if given). */
static int get_uint(json_t *root, const char *name, uint64_t max,
		    bool required, uint64_t *out, bool *present)
{
	json_t *v = json_object_get(root, name);
	json_int_t i;

	if (present)
		*present = false;
	if (!v) {
		if (required)
			return bt_error_set(BT_ECORRUPT,
					    "field '%s' is missing", name);
		return 0;
	}
	if (!json_is_integer(v))
		return bad_field(name, "must be a non-negative integer");
	i = json_integer_value(v);
	if (i < 0)
		return bad_field(name, "must be a non-negative integer");
	if ((uint64_t)i > max)
		return bt_error_set(BT_ECORRUPT,
				    "field '%s' is out of range (at most %llu)",
				    name, (unsigned long long)max);
	*out = (uint64_t)i;
	if (present)
		*present = true;
	return 0;
}

static int get_u32(json_t *root, const char *name, bool required,
		   uint32_t *out)
{
	uint64_t v = *out;
	int r = get_uint(root, name, UINT32_MAX, required, &v, NULL);

	*out = (uint32_t)v;
	return r;
}

/* A string; jansson already rejects invalid UTF-8 and "\u0000". */
static int get_str(json_t *root, const char *name, bool required,
		   bool path, const char **out)
{
	json_t *v = json_object_get(root, name);
	const char *s;

	if (!v) {
		if (required)
			return bt_error_set(BT_ECORRUPT,
					    "field '%s' is missing", name);
		return 0;
	}
	if (!json_is_string(v))
		return bad_field(name, "must be a string");
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return bad_field(name, "must not contain NUL bytes");
	if (!*s)
		return bad_field(name, "must not be empty");
	if (path && *s != '/')
		return bad_field(name, "must be an absolute path");
	*out = s;
	return 0;
}

/* A uid or gid: 0 .. 2^32-2 ((uid_t)-1 means "unchanged" to the kernel and
 * "unknown" to ingest, so it is never a value). */
static int get_id(json_t *root, const char *name, uint32_t *out)
{
	uint64_t v = 0;
	bool present;
	int r = get_uint(root, name, UINT32_MAX - 1, false, &v, &present);

	if (!r && present)
		*out = (uint32_t)v;
	return r;
}

/* A file mode: an integer or a string of octal digits, at most 07777 (the
 * permission bits chmod sets). */
static int get_mode(json_t *root, uint32_t *out)
{
	json_t *v = json_object_get(root, "mode");
	const char *s;
	uint32_t m = 0;

	if (!v)
		return 0;
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < 0 || i > 07777)
			return bad_field("mode", "must be at most 07777");
		*out = (uint32_t)i;
		return 0;
	}
	if (!json_is_string(v))
		return bad_field("mode", "must be an integer or a string of "
				 "octal digits");
	s = json_string_value(v);
	if (!*s || strlen(s) > 5)
		return bad_field("mode", "must be at most 07777");
	for (; *s; s++) {
		if (*s < '0' || *s > '7')
			return bad_field("mode", "must be an integer or a "
					 "string of octal digits");
		m = m * 8 + (uint32_t)(*s - '0');
	}
	if (m > 07777)
		return bad_field("mode", "must be at most 07777");
	*out = m;
	return 0;
}

/* "kind": what a file is when this line makes it. */
static int get_kind(json_t *root, uint32_t *out)
{
	static const struct { const char *name; uint32_t flags; } kinds[] = {
		{ "file", 0 }, { "pipe", BT_FILEF_PIPE },
		{ "socketpair", BT_FILEF_PIPE }, { "anon", BT_FILEF_ANON },
		{ "memfd", BT_FILEF_ANON },
	};
	json_t *v = json_object_get(root, "kind");
	size_t i;

	if (!v)
		return 0;
	if (json_is_string(v))
		for (i = 0; i < BT_ARRAY_SIZE(kinds); i++)
			if (!strcmp(json_string_value(v), kinds[i].name)) {
				*out = kinds[i].flags;
				return 0;
			}
	return bad_field("kind", "must be one of 'file', 'pipe', "
			 "'socketpair', 'anon', 'memfd'");
}

static int get_time(json_t *root, uint64_t *out)
{
	json_t *v = json_object_get(root, "time");
	json_int_t i;

	if (!v)
		return bt_error_set(BT_ECORRUPT, "field 'time' is missing");
	if (json_is_integer(v)) {
		i = json_integer_value(v);
		if (i < 0)
			return bad_field("time", "must be a non-negative "
					 "integer (ns since the epoch) or an "
					 "RFC 3339 string");
		*out = (uint64_t)i;
		return 0;
	}
	if (json_is_string(v)) {
		if (bt_time_parse_rfc3339(out, json_string_value(v)))
			return prefix_error(BT_ECORRUPT, "field 'time'");
		return 0;
	}
	return bad_field("time", "must be a non-negative integer (ns since "
			 "the epoch) or an RFC 3339 string");
}

static int get_argv(struct bt_jsonl_line *l, json_t *root, struct bt_obs *o)
{
	json_t *v = json_object_get(root, "argv"), *e;
	size_t n, i;

	if (!v)
		return 0;
	if (!json_is_array(v))
		return bad_field("argv", "must be an array of strings");
	n = json_array_size(v);
	if (n > l->argv_cap && bt_grow(&l->argv, &l->argv_cap, n,
				       sizeof(*l->argv)))
		return BT_ENOMEM;
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			return bad_field("argv", "must be an array of strings");
		if (strlen(json_string_value(e)) != json_string_length(e))
			return bad_field("argv", "must not contain NUL bytes");
		l->argv[i] = json_string_value(e);
	}
	o->argv = l->argv;
	o->argc = n;
	return 0;
}

static int get_prot(json_t *root, unsigned *out)
{
	json_t *v = json_object_get(root, "prot");
	const char *s;
	unsigned p = 0;

	if (!v) {
		*out = BT_PROT_READ;
		return 0;
	}
	if (!json_is_string(v))
		return bad_field("prot", "must be a string of 'r', 'w', 'x'");
	for (s = json_string_value(v); *s; s++) {
		/* An executable mapping is readable (x86 and arm64 have
		 * no execute-only user mappings by default): code read. */
		if (*s == 'r' || *s == 'x')
			p |= BT_PROT_READ;
		else if (*s == 'w')
			p |= BT_PROT_WRITE;
		else if (*s != '-')
			return bad_field("prot",
					 "must be a string of 'r', 'w', 'x'");
	}
	*out = p;
	return 0;
}

static int get_mmap(json_t *root, struct bt_obs *o)
{
	json_t *v = json_object_get(root, "shared");
	uint64_t off = 0, len = 0, end;
	bool has_len;
	int r;

	if (v) {
		if (!json_is_boolean(v))
			return bad_field("shared", "must be true or false");
		o->shared = json_is_true(v);
	}
	if ((r = get_prot(root, &o->prot)))
		return r;
	if ((r = get_uint(root, "offset", INT64_MAX, false, &off, NULL)))
		return r;
	if ((r = get_uint(root, "length", INT64_MAX, false, &len, &has_len)))
		return r;
	if (off % PAGE_SIZE_B)
		return bad_field("offset", "must be a multiple of 4096");
	o->map_first = off / PAGE_SIZE_B;
	if (has_len) {
		if (len == 0)
			return bad_field("length", "must not be 0");
		/* Both are below 2^63, so the sum cannot wrap. */
		end = (off + len + PAGE_SIZE_B - 1) / PAGE_SIZE_B;
		o->map_count = end - o->map_first;
	}
	return 0;
}

/* "via_fd": true when the operation on a file's content went through a
 * descriptor or a mapping, not a name: the file it was opened on, even
 * after its last name went (needs "inode"). */
static int get_via_fd(json_t *root, struct bt_obs *o)
{
	json_t *v = json_object_get(root, "via_fd");

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return bad_field("via_fd", "must be true or false");
	switch (o->op) {
	case BT_RAW_READ: case BT_RAW_WRITE: case BT_RAW_TRUNCATE:
	case BT_RAW_MMAP: case BT_RAW_MUNMAP: case BT_RAW_PAGE_READ:
	case BT_RAW_PAGE_WRITE: case BT_RAW_CHMOD: case BT_RAW_CHOWN:
		break;
	default:
		return bad_field("via_fd", "is for an operation on a file "
				 "through a descriptor or mapping");
	}
	if (json_is_true(v) && !o->has_ino)
		return bad_field("via_fd", "needs 'inode' too");
	o->via_fd = json_is_true(v);
	return 0;
}

/* ---- one line --------------------------------------------------------- */

int bt_jsonl_parse(struct bt_jsonl_line *l, const char *line, size_t len,
		   struct bt_obs *o)
{
	json_error_t jerr;
	json_t *root;
	const char *op = NULL;
	bool has_ino, has_dev, anon, need_path;
	uint64_t dev = 0, ino = 0;
	int r;

	json_decref(l->root);
	l->root = NULL;
	bt_obs_init(o);
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return bt_error_set(BT_ECORRUPT, "column %d: %s", jerr.column,
				    jerr.text);
	l->root = root;
	if (!json_is_object(root))
		return bt_error_set(BT_ECORRUPT, "not a JSON object");

	if ((r = get_str(root, "op", true, false, &op)))
		return r;
	if (bt_raw_op_parse(&o->op, op))
		return bt_error_set(BT_ECORRUPT, "field 'op': unknown op "
				    "'%.40s'", op);
	if ((r = get_time(root, &o->time)) ||
	    (r = get_u32(root, "pid", true, &o->pid)) ||
	    (r = get_u32(root, "ppid", false, &o->ppid)) ||
	    (r = get_id(root, "uid", &o->uid)) ||
	    (r = get_id(root, "euid", &o->euid)) ||
	    (r = get_id(root, "gid", &o->gid)) ||
	    (r = get_id(root, "egid", &o->egid)) ||
	    (r = get_kind(root, &o->file_flags)) ||
	    (r = get_str(root, "exe", false, true, &o->exe)) ||
	    (r = get_str(root, "comm", false, false, &o->comm)) ||
	    (r = get_uint(root, "inode", UINT64_MAX, false, &ino, &has_ino)) ||
	    (r = get_uint(root, "dev", UINT64_MAX, false, &dev, &has_dev)))
		return r;
	if (has_dev && !has_ino)
		return bad_field("dev", "needs 'inode' too");
	o->has_ino = has_ino;
	o->dev = dev;
	o->ino = ino;
	if ((r = get_via_fd(root, o)))
		return r;

	/* A channel or an anonymous file has a name that is not a path
	 * ("pipe:[1234]", "memfd:x"), and may be known by its inode only. */
	anon = o->file_flags != 0 || o->op == BT_RAW_PIPE;
	need_path = !(anon || has_ino);
	if (o->op == BT_RAW_PIPE)
		o->file_flags |= BT_FILEF_PIPE;

	switch (o->op) {
	case BT_RAW_FORK:
		return get_u32(root, "child", true, &o->child);
	case BT_RAW_EXIT:
		return 0;
	case BT_RAW_MEM_WRITE:
	case BT_RAW_MEM_READ:
		/* peer: the process whose memory was written or read;
		 * peer_start: its start time (ns), optional */
		if ((r = get_u32(root, "peer", true, &o->peer)) ||
		    (r = get_uint(root, "peer_start", UINT64_MAX, false,
				  &o->peer_start, NULL)) ||
		    (r = get_uint(root, "bytes", UINT64_MAX, false, &o->bytes,
				  NULL)))
			return r;
		if (!o->peer)
			return bad_field("peer", "must be a pid above 0");
		return 0;
	case BT_RAW_SETID:
		if (o->uid == UINT32_MAX && o->euid == UINT32_MAX &&
		    o->gid == UINT32_MAX && o->egid == UINT32_MAX)
			return bt_error_set(BT_ECORRUPT, "setid needs one of "
					    "'uid', 'euid', 'gid', 'egid'");
		return 0;
	case BT_RAW_EXEC:
		if ((r = get_str(root, "path", need_path, !anon, &o->path)))
			return r;
		return get_argv(l, root, o);
	case BT_RAW_READ:
	case BT_RAW_WRITE:
		if ((r = get_uint(root, "bytes", UINT64_MAX, false, &o->bytes,
				  NULL)))
			return r;
		return get_str(root, "path", need_path, !anon, &o->path);
	case BT_RAW_TRUNCATE: {
		/* The length it was cut to: 0 empties the file (a walk stops
		 * there); absent means unknown, which never cuts. */
		uint64_t cut = 0;
		bool has_len;

		if ((r = get_uint(root, "length", INT64_MAX, false, &cut,
				  &has_len)))
			return r;
		o->empties = has_len && cut == 0;
		return get_str(root, "path", need_path, !anon, &o->path);
	}
	case BT_RAW_OPEN:
	case BT_RAW_MUNMAP:
	case BT_RAW_PIPE:
		return get_str(root, "path", need_path, !anon, &o->path);
	case BT_RAW_CREATE:
		return get_str(root, "path", true, !anon, &o->path);
	case BT_RAW_UNLINK:
		return get_str(root, "path", true, true, &o->path);
	case BT_RAW_CHMOD:
		if ((r = get_mode(root, &o->mode)))
			return r;
		return get_str(root, "path", need_path, !anon, &o->path);
	case BT_RAW_CHOWN:
		if ((r = get_id(root, "owner", &o->owner)) ||
		    (r = get_id(root, "group", &o->group)))
			return r;
		return get_str(root, "path", need_path, !anon, &o->path);
	case BT_RAW_SYMLINK:
		if ((r = get_str(root, "path", true, true, &o->path)) ||
		    (r = get_str(root, "target", true, false, &o->target)))
			return r;
		/* The kernel's bound on a link's content (PATH_MAX - 1). */
		if (strlen(o->target) > 4095)
			return bad_field("target", "is longer than 4095 "
					 "bytes");
		return 0;
	case BT_RAW_RENAME:
	case BT_RAW_LINK: {
		json_t *v = json_object_get(root, "exchange");

		if ((r = get_str(root, "path", true, !anon, &o->path)))
			return r;
		if (v && (o->op != BT_RAW_RENAME || !json_is_boolean(v)))
			return bad_field("exchange", o->op == BT_RAW_RENAME ?
					 "must be true or false" :
					 "is for a rename only");
		o->exchange = v && json_is_true(v);
		return get_str(root, "new_path", true, true, &o->new_path);
	}
	case BT_RAW_MMAP:
		if ((r = get_str(root, "path", need_path, !anon, &o->path)))
			return r;
		return get_mmap(root, o);
	case BT_RAW_PAGE_READ:
	case BT_RAW_PAGE_WRITE:
		if ((r = get_str(root, "path", need_path, !anon, &o->path)))
			return r;
		return get_uint(root, "page", INT64_MAX, true, &o->page, NULL);
	case BT_RAW_RECV:
	case BT_RAW_SEND:
		if ((r = get_uint(root, "bytes", UINT64_MAX, false, &o->bytes,
				  NULL)))
			return r;
		/* fall through */
	case BT_RAW_CONNECT:
	case BT_RAW_ACCEPT:
		/* local: the socket's own address, optional (ingest.h) */
		if ((r = get_str(root, "local", false, false, &o->local)))
			return r;
		return get_str(root, "remote", true, false, &o->remote);
	}
	return bt_error_set(BT_ECORRUPT, "field 'op': unknown op '%.40s'", op);
}

/* ---- the import loop -------------------------------------------------- */

/*
 * Read one line into *buf (grown geometrically up to MAX_LINE + 1 bytes,
 * NUL-terminated, newline removed).  Returns 1 for a line, 0 at the end,
 * 2 for a line longer than MAX_LINE (consumed to its newline, not kept),
 * or a negative bt_error.
 */
static int read_line(FILE *in, char **buf, size_t *cap, size_t *len)
{
	size_t n = 0;
	bool too_long = false;
	int c;

	for (;;) {
		c = getc_unlocked(in);
		if (c == EOF) {
			if (ferror(in))
				return bt_error_set_os(BT_EIO, "cannot read");
			if (n == 0 && !too_long)
				return 0;
			break;
		}
		if (c == '\n')
			break;
		if (too_long)
			continue;
		if (n >= MAX_LINE) {
			too_long = true;
			continue;
		}
		if (n + 2 > *cap && bt_grow(buf, cap, n + 2, 1))
			return BT_ENOMEM;
		(*buf)[n++] = (char)c;
	}
	if (too_long)
		return 2;
	if (n + 1 > *cap && bt_grow(buf, cap, n + 1, 1))
		return BT_ENOMEM;
	(*buf)[n] = '\0';
	*len = n;
	return 1;
}

static bool is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

int bt_jsonl_import_sink(const struct bt_obs_sink *sink, FILE *in,
			 const char *name, bool keep_going,
			 struct bt_jsonl_stats *stats)
{
	struct bt_jsonl_line *l = NULL;
	struct bt_obs o;
	char *buf = NULL;
	size_t cap = 0, len = 0;
	uint64_t lineno = 0;
	char where[300];
	int r;

	memset(stats, 0, sizeof(*stats));
	if ((r = bt_jsonl_line_new(&l)))
		return r;
	for (;;) {
		r = read_line(in, &buf, &cap, &len);
		if (r < 0) {
			snprintf(where, sizeof(where), "cannot read '%s' at "
				 "line %llu", name,
				 (unsigned long long)lineno + 1);
			prefix_error(r, where);
			goto out;
		}
		if (r == 0)
			break;
		lineno++;
		stats->lines++;
		if (r == 2) {
			r = bt_error_set(BT_ECORRUPT, "line longer than %u "
					 "bytes", MAX_LINE);
		} else {
			if (is_blank(buf, len))
				continue;
			r = bt_jsonl_parse(l, buf, len, &o);
			if (!r) {
				r = sink->add(sink->arg, &o);
				/* An observation that cannot be meaningful
				 * is a bad line; writer errors stop. */
				if (r == BT_EINVAL)
					r = BT_ECORRUPT;
				else if (r)
					goto out;
				else
					stats->events++;
			} else if (r != BT_ECORRUPT) {
				goto out;
			}
		}
		if (r) {
			snprintf(where, sizeof(where), "%s:%llu", name,
				 (unsigned long long)lineno);
			prefix_error(BT_ECORRUPT, where);
			if (!stats->first_bad)
				stats->first_bad = lineno;
			if (!keep_going)
				goto out;
			stats->bad++;
			r = 0;
		}
	}
	r = 0;
out:
	free(buf);
	bt_jsonl_line_free(l);
	return r;
}
