/*
 * check_jsonl.c - the JSONL importer (capture/jsonl.h): every op, both time
 * forms, every class of bad line with its message and line number, blank
 * and over-long lines, --keep-going counting, and hostile input (deep
 * nesting, huge numbers, invalid UTF-8, NUL bytes).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../capture/jsonl.h"
#include "../core/error.h"
#include "../core/ingest.h"
#include "../core/log.h"
#include "testutil.h"

static struct bt_jsonl_line *L;
static struct bt_obs O;

static void setup(void)
{
	ck_assert_int_eq(bt_jsonl_line_new(&L), 0);
}

static void teardown(void)
{
	bt_jsonl_line_free(L);
	L = NULL;
}

static int parse(const char *line)
{
	return bt_jsonl_parse(L, line, strlen(line), &O);
}

static void good(const char *line)
{
	int r = parse(line);

	ck_assert_msg(r == 0, "rejected %s: %s", line, bt_error_msg());
}

/* A bad line whose message contains `msg`. */
static void bad(const char *line, const char *msg)
{
	int r = parse(line);

	ck_assert_msg(r == BT_ECORRUPT, "accepted %s", line);
	ck_assert_msg(strstr(bt_error_msg(), msg), "%s: message '%s' lacks "
		      "'%s'", line, bt_error_msg(), msg);
}

START_TEST(every_op)
{
	good("{\"time\":5,\"op\":\"fork\",\"pid\":100,\"child\":101}");
	ck_assert_uint_eq(O.op, BT_RAW_FORK);
	ck_assert_uint_eq(O.pid, 100);
	ck_assert_uint_eq(O.child, 101);
	ck_assert_uint_eq(O.time, 5);
	ck_assert_uint_eq(O.uid, UINT32_MAX);   /* unknown */

	good("{\"time\":5,\"op\":\"exec\",\"pid\":1,\"path\":\"/bin/sh\","
	     "\"argv\":[\"sh\",\"-c\",\"x\"]}");
	ck_assert_uint_eq(O.op, BT_RAW_EXEC);
	ck_assert_str_eq(O.path, "/bin/sh");
	ck_assert_uint_eq(O.argc, 3);
	ck_assert_str_eq(O.argv[0], "sh");
	ck_assert_str_eq(O.argv[2], "x");

	good("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\","
	     "\"bytes\":77}");
	ck_assert_uint_eq(O.op, BT_RAW_READ);
	ck_assert_uint_eq(O.bytes, 77);
	good("{\"time\":5,\"op\":\"write\",\"pid\":1,\"path\":\"/a\"}");
	ck_assert_uint_eq(O.op, BT_RAW_WRITE);
	good("{\"time\":5,\"op\":\"create\",\"pid\":1,\"path\":\"/a\"}");
	ck_assert_uint_eq(O.op, BT_RAW_CREATE);
	good("{\"time\":5,\"op\":\"unlink\",\"pid\":1,\"path\":\"/a\"}");
	ck_assert_uint_eq(O.op, BT_RAW_UNLINK);
	good("{\"time\":5,\"op\":\"truncate\",\"pid\":1,\"path\":\"/a\"}");
	ck_assert_uint_eq(O.op, BT_RAW_TRUNCATE);
	ck_assert(!O.empties);          /* no length: unknown, no cut */
	good("{\"time\":5,\"op\":\"truncate\",\"pid\":1,\"path\":\"/a\","
	     "\"length\":0}");
	ck_assert(O.empties);
	good("{\"time\":5,\"op\":\"truncate\",\"pid\":1,\"path\":\"/a\","
	     "\"length\":5}");
	ck_assert(!O.empties);
	good("{\"time\":5,\"op\":\"open\",\"pid\":1,\"path\":\"/a\"}");
	ck_assert_uint_eq(O.op, BT_RAW_OPEN);

	good("{\"time\":5,\"op\":\"rename\",\"pid\":1,\"path\":\"/a\","
	     "\"new_path\":\"/b\"}");
	ck_assert_uint_eq(O.op, BT_RAW_RENAME);
	ck_assert_str_eq(O.new_path, "/b");
	good("{\"time\":5,\"op\":\"link\",\"pid\":1,\"path\":\"/a\","
	     "\"new_path\":\"/c\"}");
	ck_assert_uint_eq(O.op, BT_RAW_LINK);
	ck_assert(!O.exchange);
	good("{\"time\":5,\"op\":\"rename\",\"pid\":1,\"path\":\"/a\","
	     "\"new_path\":\"/b\",\"exchange\":true}");
	ck_assert(O.exchange);
	/* through a descriptor: the file it was opened on, named or not */
	good("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\","
	     "\"inode\":7,\"via_fd\":true}");
	ck_assert(O.via_fd && O.has_ino);
	good("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\"}");
	ck_assert(!O.via_fd);

	good("{\"time\":5,\"op\":\"mmap\",\"pid\":1,\"path\":\"/dev/shm/s\","
	     "\"shared\":true,\"prot\":\"rw\",\"offset\":8192,"
	     "\"length\":4097}");
	ck_assert_uint_eq(O.op, BT_RAW_MMAP);
	ck_assert(O.shared);
	ck_assert_uint_eq(O.prot, BT_PROT_READ | BT_PROT_WRITE);
	ck_assert_uint_eq(O.map_first, 2);
	ck_assert_uint_eq(O.map_count, 2);    /* 4097 bytes: two pages */
	good("{\"time\":5,\"op\":\"mmap\",\"pid\":1,\"path\":\"/lib/a.so\"}");
	ck_assert(!O.shared);
	ck_assert_uint_eq(O.prot, BT_PROT_READ);
	ck_assert_uint_eq(O.map_count, 0);
	good("{\"time\":5,\"op\":\"mmap\",\"pid\":1,\"path\":\"/lib/a.so\","
	     "\"prot\":\"x\"}");
	ck_assert_uint_eq(O.prot, BT_PROT_READ);
	good("{\"time\":5,\"op\":\"mmap\",\"pid\":1,\"path\":\"/lib/a.so\","
	     "\"prot\":\"-w-\"}");
	ck_assert_uint_eq(O.prot, BT_PROT_WRITE);
	good("{\"time\":5,\"op\":\"munmap\",\"pid\":1,\"path\":\"/lib/a.so\"}");
	ck_assert_uint_eq(O.op, BT_RAW_MUNMAP);

	good("{\"time\":5,\"op\":\"page_read\",\"pid\":1,\"path\":\"/s\","
	     "\"page\":3}");
	ck_assert_uint_eq(O.op, BT_RAW_PAGE_READ);
	ck_assert_uint_eq(O.page, 3);
	good("{\"time\":5,\"op\":\"page_write\",\"pid\":1,\"path\":\"/s\","
	     "\"page\":0}");
	ck_assert_uint_eq(O.op, BT_RAW_PAGE_WRITE);

	good("{\"time\":5,\"op\":\"connect\",\"pid\":1,"
	     "\"remote\":\"203.0.113.9:4444\"}");
	ck_assert_uint_eq(O.op, BT_RAW_CONNECT);
	ck_assert_str_eq(O.remote, "203.0.113.9:4444");
	good("{\"time\":5,\"op\":\"accept\",\"pid\":1,\"remote\":\"h:1\"}");
	ck_assert_uint_eq(O.op, BT_RAW_ACCEPT);
	good("{\"time\":5,\"op\":\"recv\",\"pid\":1,\"remote\":\"h:1\","
	     "\"bytes\":9}");
	ck_assert_uint_eq(O.op, BT_RAW_RECV);
	ck_assert_uint_eq(O.bytes, 9);
	good("{\"time\":5,\"op\":\"send\",\"pid\":1,\"remote\":\"h:1\"}");
	ck_assert_uint_eq(O.op, BT_RAW_SEND);
	good("{\"time\":5,\"op\":\"exit\",\"pid\":1}");
	ck_assert_uint_eq(O.op, BT_RAW_EXIT);
}
END_TEST

/* The ops and fields of issue 8: symlinks, attributes, credentials,
 * channels. */
START_TEST(new_ops)
{
	good("{\"time\":5,\"op\":\"symlink\",\"pid\":1,\"path\":\"/t/l\","
	     "\"target\":\"s.txt\"}");
	ck_assert_uint_eq(O.op, BT_RAW_SYMLINK);
	ck_assert_str_eq(O.path, "/t/l");
	ck_assert_str_eq(O.target, "s.txt");
	good("{\"time\":5,\"op\":\"chmod\",\"pid\":1,\"path\":\"/t/c\","
	     "\"mode\":384}");
	ck_assert_uint_eq(O.op, BT_RAW_CHMOD);
	ck_assert_uint_eq(O.mode, 0600);
	good("{\"time\":5,\"op\":\"chmod\",\"pid\":1,\"path\":\"/t/c\","
	     "\"mode\":\"4755\"}");
	ck_assert_uint_eq(O.mode, 04755);
	good("{\"time\":5,\"op\":\"chmod\",\"pid\":1,\"path\":\"/t/c\"}");
	ck_assert_uint_eq(O.mode, UINT32_MAX);          /* unknown */
	good("{\"time\":5,\"op\":\"chown\",\"pid\":1,\"path\":\"/t/c\","
	     "\"owner\":0,\"group\":50}");
	ck_assert_uint_eq(O.op, BT_RAW_CHOWN);
	ck_assert_uint_eq(O.owner, 0);
	ck_assert_uint_eq(O.group, 50);
	good("{\"time\":5,\"op\":\"setid\",\"pid\":1,\"uid\":1000,"
	     "\"euid\":0,\"gid\":100,\"egid\":0}");
	ck_assert_uint_eq(O.op, BT_RAW_SETID);
	ck_assert_uint_eq(O.uid, 1000);
	ck_assert_uint_eq(O.euid, 0);
	ck_assert_uint_eq(O.gid, 100);
	ck_assert_uint_eq(O.egid, 0);
	good("{\"time\":5,\"op\":\"pipe\",\"pid\":1,\"dev\":12,"
	     "\"inode\":5001}");
	ck_assert_uint_eq(O.op, BT_RAW_PIPE);
	ck_assert_uint_eq(O.file_flags, BT_FILEF_PIPE);
	ck_assert_ptr_null(O.path);
	good("{\"time\":5,\"op\":\"pipe\",\"pid\":1,\"path\":\"pipe:[7]\"}");
	ck_assert_str_eq(O.path, "pipe:[7]");
	/* A channel is read and written by inode, or by its name. */
	good("{\"time\":5,\"op\":\"write\",\"pid\":1,\"inode\":5001,"
	     "\"dev\":12,\"kind\":\"pipe\"}");
	ck_assert_uint_eq(O.file_flags, BT_FILEF_PIPE);
	ck_assert_ptr_null(O.path);
	good("{\"time\":5,\"op\":\"read\",\"pid\":1,\"inode\":5001}");
	good("{\"time\":5,\"op\":\"create\",\"pid\":1,"
	     "\"path\":\"memfd:x\",\"kind\":\"memfd\"}");
	ck_assert_uint_eq(O.file_flags, BT_FILEF_ANON);
	good("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\","
	     "\"kind\":\"socketpair\"}");
	ck_assert_uint_eq(O.file_flags, BT_FILEF_PIPE);
	good("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\","
	     "\"kind\":\"file\"}");
	ck_assert_uint_eq(O.file_flags, 0);
}
END_TEST

START_TEST(new_ops_hostile)
{
	bad("{\"time\":5,\"op\":\"symlink\",\"pid\":1,\"path\":\"/l\"}",
	    "field 'target' is missing");
	bad("{\"time\":5,\"op\":\"symlink\",\"pid\":1,\"path\":\"/l\","
	    "\"target\":\"\"}", "field 'target' must not be empty");
	bad("{\"time\":5,\"op\":\"symlink\",\"pid\":1,\"path\":\"/l\","
	    "\"target\":\"a\\u0000b\"}", "JSON_ALLOW_NUL");
	bad("{\"time\":5,\"op\":\"symlink\",\"pid\":1,\"path\":\"l\","
	    "\"target\":\"x\"}", "field 'path' must be an absolute");
	bad("{\"time\":5,\"op\":\"symlink\",\"pid\":1,\"target\":\"x\"}",
	    "field 'path' is missing");
	bad("{\"time\":5,\"op\":\"chmod\",\"pid\":1,\"path\":\"/c\","
	    "\"mode\":4096}", "field 'mode'");
	bad("{\"time\":5,\"op\":\"chmod\",\"pid\":1,\"path\":\"/c\","
	    "\"mode\":-1}", "field 'mode'");
	bad("{\"time\":5,\"op\":\"chmod\",\"pid\":1,\"path\":\"/c\","
	    "\"mode\":\"0789\"}", "field 'mode'");
	bad("{\"time\":5,\"op\":\"chmod\",\"pid\":1,\"path\":\"/c\","
	    "\"mode\":\"17777\"}", "field 'mode'");
	bad("{\"time\":5,\"op\":\"chmod\",\"pid\":1,\"path\":\"/c\","
	    "\"mode\":\"\"}", "field 'mode'");
	bad("{\"time\":5,\"op\":\"chmod\",\"pid\":1,\"path\":\"/c\","
	    "\"mode\":7.5}", "field 'mode'");
	bad("{\"time\":5,\"op\":\"chmod\",\"pid\":1}",
	    "field 'path' is missing");
	bad("{\"time\":5,\"op\":\"chown\",\"pid\":1,\"path\":\"/c\","
	    "\"owner\":4294967295}", "field 'owner' is out of range");
	bad("{\"time\":5,\"op\":\"chown\",\"pid\":1,\"path\":\"/c\","
	    "\"group\":\"wheel\"}", "field 'group'");
	bad("{\"time\":5,\"op\":\"setid\",\"pid\":1}", "setid needs");
	bad("{\"time\":5,\"op\":\"setid\",\"pid\":1,\"euid\":4294967295}",
	    "field 'euid' is out of range");
	bad("{\"time\":5,\"op\":\"setid\",\"pid\":1,\"egid\":-3}",
	    "field 'egid'");
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\","
	    "\"uid\":4294967295}", "field 'uid' is out of range");
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\","
	    "\"kind\":\"fifo\"}", "field 'kind'");
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\","
	    "\"kind\":3}", "field 'kind'");
	/* A name op always needs a path, an inode is not a name. */
	bad("{\"time\":5,\"op\":\"unlink\",\"pid\":1,\"inode\":3}",
	    "field 'path' is missing");
	bad("{\"time\":5,\"op\":\"unlink\",\"pid\":1,\"path\":\"pipe:[3]\","
	    "\"kind\":\"pipe\"}", "field 'path' must be an absolute");
	/* Only a channel or an anonymous file has a name that is not a path. */
	bad("{\"time\":5,\"op\":\"write\",\"pid\":1,\"path\":\"pipe:[3]\"}",
	    "field 'path' must be an absolute");
}
END_TEST

/* Process memory: peer (the target pid), peer_start, bytes. */
START_TEST(mem_ops)
{
	good("{\"time\":5,\"op\":\"mem_write\",\"pid\":1,\"peer\":42}");
	ck_assert_uint_eq(O.op, BT_RAW_MEM_WRITE);
	ck_assert_uint_eq(O.peer, 42);
	ck_assert_uint_eq(O.peer_start, 0);
	ck_assert_uint_eq(O.bytes, 0);
	good("{\"time\":5,\"op\":\"mem_read\",\"pid\":1,\"peer\":4294967295,"
	     "\"peer_start\":1700000000000000000,\"bytes\":8}");
	ck_assert_uint_eq(O.op, BT_RAW_MEM_READ);
	ck_assert_uint_eq(O.peer, UINT32_MAX);
	ck_assert_uint_eq(O.peer_start, 1700000000000000000ull);
	ck_assert_uint_eq(O.bytes, 8);
	/* a path is not what names the target (ignored) */
	good("{\"time\":5,\"op\":\"mem_write\",\"pid\":1,\"peer\":3,"
	     "\"path\":\"/proc/3/mem\"}");
	ck_assert_ptr_null(O.path);
}
END_TEST

START_TEST(mem_ops_hostile)
{
	bad("{\"time\":5,\"op\":\"mem_write\",\"pid\":1}",
	    "field 'peer' is missing");
	bad("{\"time\":5,\"op\":\"mem_write\",\"pid\":1,\"peer\":0}",
	    "field 'peer' must be a pid above 0");
	bad("{\"time\":5,\"op\":\"mem_read\",\"pid\":1,\"peer\":-1}",
	    "field 'peer'");
	bad("{\"time\":5,\"op\":\"mem_read\",\"pid\":1,\"peer\":4294967296}",
	    "field 'peer' is out of range");
	bad("{\"time\":5,\"op\":\"mem_read\",\"pid\":1,\"peer\":\"7\"}",
	    "field 'peer'");
	bad("{\"time\":5,\"op\":\"mem_read\",\"pid\":1,\"peer\":7.5}",
	    "field 'peer'");
	bad("{\"time\":5,\"op\":\"mem_read\",\"pid\":1,\"peer\":null}",
	    "field 'peer'");
	bad("{\"time\":5,\"op\":\"mem_write\",\"pid\":1,\"peer\":7,"
	    "\"peer_start\":-5}", "field 'peer_start'");
	bad("{\"time\":5,\"op\":\"mem_write\",\"pid\":1,\"peer\":7,"
	    "\"peer_start\":\"2026-11-21T10:00:00Z\"}", "field 'peer_start'");
	bad("{\"time\":5,\"op\":\"mem_write\",\"pid\":1,\"peer\":7,"
	    "\"bytes\":-1}", "field 'bytes'");
	bad("{\"time\":5,\"op\":\"mem_write\",\"pid\":1,\"peer\":7,"
	    "\"peer\":8}", "column");             /* duplicate key */
	/* and the parser is still usable */
	good("{\"time\":5,\"op\":\"mem_write\",\"pid\":1,\"peer\":7}");
}
END_TEST

START_TEST(optional_fields)
{
	good("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\","
	     "\"inode\":42,\"dev\":8,\"exe\":\"/bin/cat\",\"comm\":\"cat\","
	     "\"uid\":1000,\"ppid\":1,\"unknown\":{\"x\":[1,2]},"
	     "\"other\":null}");
	ck_assert(O.has_ino);
	ck_assert_uint_eq(O.ino, 42);
	ck_assert_uint_eq(O.dev, 8);
	ck_assert_str_eq(O.exe, "/bin/cat");
	ck_assert_str_eq(O.comm, "cat");
	ck_assert_uint_eq(O.uid, 1000);
	ck_assert_uint_eq(O.ppid, 1);
	good("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\"}");
	ck_assert(!O.has_ino);
	ck_assert_ptr_null(O.exe);
	ck_assert_uint_eq(O.uid, UINT32_MAX);
	/* Largest u32 pid. */
	good("{\"time\":5,\"op\":\"exit\",\"pid\":4294967295}");
	ck_assert_uint_eq(O.pid, UINT32_MAX);
}
END_TEST

START_TEST(time_forms)
{
	good("{\"time\":1700000000123456789,\"op\":\"exit\",\"pid\":1}");
	ck_assert_uint_eq(O.time, 1700000000123456789ULL);
	good("{\"time\":\"2026-11-21T10:00:01.5Z\",\"op\":\"exit\",\"pid\":1}");
	ck_assert_uint_eq(O.time, 1795255201500000000ULL);
	good("{\"time\":\"2026-11-21T12:00:01.5+02:00\",\"op\":\"exit\","
	     "\"pid\":1}");
	ck_assert_uint_eq(O.time, 1795255201500000000ULL);
	bad("{\"time\":\"1700000000\",\"op\":\"exit\",\"pid\":1}",
	    "field 'time'");
	bad("{\"time\":\"2026-13-01T00:00:00Z\",\"op\":\"exit\",\"pid\":1}",
	    "field 'time'");
	bad("{\"time\":1.5,\"op\":\"exit\",\"pid\":1}", "field 'time'");
	bad("{\"time\":-1,\"op\":\"exit\",\"pid\":1}", "field 'time'");
	bad("{\"time\":true,\"op\":\"exit\",\"pid\":1}", "field 'time'");
	bad("{\"op\":\"exit\",\"pid\":1}", "field 'time' is missing");
}
END_TEST

START_TEST(bad_types_and_ranges)
{
	/* a truncate's length: a non-negative integer that fits off_t;
	 * anything else is refused, never taken as 0 */
	bad("{\"time\":5,\"op\":\"truncate\",\"pid\":1,\"path\":\"/a\","
	    "\"length\":-1}", "field 'length' must be a non-negative integer");
	bad("{\"time\":5,\"op\":\"truncate\",\"pid\":1,\"path\":\"/a\","
	    "\"length\":\"0\"}",
	    "field 'length' must be a non-negative integer");
	bad("{\"time\":5,\"op\":\"truncate\",\"pid\":1,\"path\":\"/a\","
	    "\"length\":0.0}", "field 'length' must be a non-negative integer");
	bad("{\"time\":5,\"op\":\"truncate\",\"pid\":1,\"path\":\"/a\","
	    "\"length\":null}", "field 'length'");
	bad("{\"time\":5,\"op\":\"truncate\",\"pid\":1,\"path\":\"/a\","
	    "\"length\":false}", "field 'length'");
	good("{\"time\":5,\"op\":\"truncate\",\"pid\":1,\"path\":\"/a\","
	     "\"length\":9223372036854775807}");
	ck_assert(!O.empties);
	bad("{\"time\":5,\"op\":\"exit\",\"pid\":\"1\"}",
	    "field 'pid' must be a non-negative integer");
	bad("{\"time\":5,\"op\":\"exit\",\"pid\":-1}",
	    "field 'pid' must be a non-negative integer");
	bad("{\"time\":5,\"op\":\"exit\",\"pid\":1.0}",
	    "field 'pid' must be a non-negative integer");
	bad("{\"time\":5,\"op\":\"exit\",\"pid\":4294967296}",
	    "field 'pid' is out of range");
	bad("{\"time\":5,\"op\":\"exit\",\"pid\":null}", "field 'pid'");
	bad("{\"time\":5,\"op\":\"exit\"}", "field 'pid' is missing");
	bad("{\"time\":5,\"pid\":1}", "field 'op' is missing");
	bad("{\"time\":5,\"op\":7,\"pid\":1}", "field 'op' must be a string");
	bad("{\"time\":5,\"op\":\"chown2\",\"pid\":1}", "unknown op 'chown2'");
	bad("{\"time\":5,\"op\":\"fork\",\"pid\":1}", "field 'child'");
	bad("{\"time\":5,\"op\":\"fork\",\"pid\":1,\"child\":-5}",
	    "field 'child'");
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1}",
	    "field 'path' is missing");
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"\"}",
	    "field 'path' must not be empty");
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"tmp/a\"}",
	    "field 'path' must be an absolute path");
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":[\"/a\"]}",
	    "field 'path' must be a string");
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\","
	    "\"bytes\":-1}", "field 'bytes'");
	bad("{\"time\":5,\"op\":\"rename\",\"pid\":1,\"path\":\"/a\"}",
	    "field 'new_path' is missing");
	bad("{\"time\":5,\"op\":\"rename\",\"pid\":1,\"path\":\"/a\","
	    "\"new_path\":\"/b\",\"exchange\":1}", "field 'exchange'");
	bad("{\"time\":5,\"op\":\"link\",\"pid\":1,\"path\":\"/a\","
	    "\"new_path\":\"/b\",\"exchange\":true}", "field 'exchange'");
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\","
	    "\"inode\":7,\"via_fd\":1}", "field 'via_fd'");
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\","
	    "\"via_fd\":true}", "field 'via_fd' needs 'inode'");
	bad("{\"time\":5,\"op\":\"unlink\",\"pid\":1,\"path\":\"/a\","
	    "\"inode\":7,\"via_fd\":true}", "field 'via_fd' is for");
	bad("{\"time\":5,\"op\":\"link\",\"pid\":1,\"path\":\"/a\","
	    "\"new_path\":\"b\"}", "field 'new_path' must be an absolute");
	bad("{\"time\":5,\"op\":\"page_read\",\"pid\":1,\"path\":\"/a\"}",
	    "field 'page' is missing");
	bad("{\"time\":5,\"op\":\"page_read\",\"pid\":1,\"path\":\"/a\","
	    "\"page\":\"3\"}", "field 'page'");
	bad("{\"time\":5,\"op\":\"recv\",\"pid\":1}",
	    "field 'remote' is missing");
	bad("{\"time\":5,\"op\":\"send\",\"pid\":1,\"remote\":\"\"}",
	    "field 'remote' must not be empty");
	bad("{\"time\":5,\"op\":\"exec\",\"pid\":1,\"path\":\"/a\","
	    "\"argv\":\"sh\"}", "field 'argv'");
	bad("{\"time\":5,\"op\":\"exec\",\"pid\":1,\"path\":\"/a\","
	    "\"argv\":[\"sh\",1]}", "field 'argv'");
	bad("{\"time\":5,\"op\":\"mmap\",\"pid\":1,\"path\":\"/a\","
	    "\"shared\":1}", "field 'shared'");
	bad("{\"time\":5,\"op\":\"mmap\",\"pid\":1,\"path\":\"/a\","
	    "\"prot\":\"rwz\"}", "field 'prot'");
	bad("{\"time\":5,\"op\":\"mmap\",\"pid\":1,\"path\":\"/a\","
	    "\"offset\":100}", "field 'offset'");
	bad("{\"time\":5,\"op\":\"mmap\",\"pid\":1,\"path\":\"/a\","
	    "\"length\":0}", "field 'length'");
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\","
	    "\"dev\":3}", "field 'dev'");
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\","
	    "\"uid\":-1}", "field 'uid'");
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\","
	    "\"exe\":\"cat\"}", "field 'exe'");
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\","
	    "\"comm\":5}", "field 'comm'");
}
END_TEST

START_TEST(not_an_object)
{
	bad("[1,2]", "not a JSON object");
	bad("42", "column");
	bad("\"x\"", "column");
	bad("{\"time\":5,\"op\":\"exit\",\"pid\":1", "column");
	bad("{\"time\":5,\"op\":\"exit\",\"pid\":1} {}", "column");
	bad("{\"time\":5,\"op\":\"exit\",\"pid\":1,\"pid\":2}", "duplicate");
	bad("{'time':5}", "column");
	bad("", "column");
}
END_TEST

START_TEST(hostile_input)
{
	char *deep;
	size_t i, n = 100000;

	/* NUL bytes: as an escape, and raw inside the line. */
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\\u0000b\"}",
	    "column");
	ck_assert_int_eq(bt_jsonl_parse(L, "{\"time\":5,\"op\":\"exit\","
					"\"pid\":1}\0junk", 34, &O),
			 BT_ECORRUPT);
	/* Invalid UTF-8 in a path. */
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\xff\xfe\"}",
	    "column");
	bad("{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/\xc0\xaf\"}",
	    "column");
	/* Numbers jansson cannot hold as integers. */
	bad("{\"time\":5,\"op\":\"exit\",\"pid\":99999999999999999999999}",
	    "column");
	bad("{\"time\":5,\"op\":\"exit\",\"pid\":1e400}", "column");
	bad("{\"time\":5,\"op\":\"exit\",\"pid\":1e3}", "field 'pid'");
	bad("{\"time\":18446744073709551615,\"op\":\"exit\",\"pid\":1}",
	    "column");
	/* Deep nesting, in an ignored field and as the whole line. */
	deep = malloc(2 * n + 64);
	ck_assert_ptr_nonnull(deep);
	for (i = 0; i < n; i++)
		deep[i] = '[';
	for (i = 0; i < n; i++)
		deep[n + i] = ']';
	ck_assert_int_eq(bt_jsonl_parse(L, deep, 2 * n, &O), BT_ECORRUPT);
	i = (size_t)sprintf(deep, "{\"time\":5,\"op\":\"exit\",\"pid\":1,"
			    "\"x\":");
	memset(deep + i, '[', n);
	memset(deep + i + n, ']', n);
	deep[i + 2 * n] = '}';
	ck_assert_int_eq(bt_jsonl_parse(L, deep, i + 2 * n + 1, &O),
			 BT_ECORRUPT);
	free(deep);
	/* The parser stays usable after all that. */
	good("{\"time\":5,\"op\":\"exit\",\"pid\":1}");
}
END_TEST

/* ---- the import loop -------------------------------------------------- */

struct run {
	int r;
	struct bt_jsonl_stats st;
	struct bt_ingest_stats ist;
	char msg[1024];
};

static struct run import(const char *text, size_t len, bool keep_going)
{
	struct bt_log_writer *w = NULL;
	struct bt_ingest *ing = NULL;
	struct bt_obs_sink sink;
	struct run run;
	FILE *in;

	memset(&run, 0, sizeof(run));
	in = fmemopen((void *)text, len, "r");
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(bt_log_writer_open(&w, tu_path("j.btl"),
					    BT_LOGW_CREATE | BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_ingest_new(&ing, w), 0);
	sink = bt_ingest_sink(ing);
	run.r = bt_jsonl_import_sink(&sink, in, "ev.jsonl", keep_going,
				     &run.st);
	snprintf(run.msg, sizeof(run.msg), "%s", bt_error_msg());
	bt_ingest_stats(ing, &run.ist);
	bt_ingest_free(ing);
	bt_log_writer_abort(w);
	fclose(in);
	return run;
}

#define GOOD1 "{\"time\":5,\"op\":\"read\",\"pid\":1,\"path\":\"/a\"}\n"

START_TEST(bad_line_stops_with_line_number)
{
	const char *t = GOOD1 "\n" GOOD1
		"{\"time\":5,\"op\":\"exit\",\"pid\":\"x\"}\n" GOOD1;
	struct run run = import(t, strlen(t), false);

	ck_assert_int_eq(run.r, BT_ECORRUPT);
	ck_assert_str_eq(run.msg, "ev.jsonl:4: field 'pid' must be a "
			 "non-negative integer");
	ck_assert_uint_eq(run.st.first_bad, 4);
	ck_assert_uint_eq(run.st.events, 2);
}
END_TEST

START_TEST(keep_going_counts)
{
	const char *t = GOOD1 "garbage\n" GOOD1 "\n   \t\r\n"
		"{\"time\":0,\"op\":\"exit\",\"pid\":1}\n" GOOD1 "[]";
	struct run run = import(t, strlen(t), true);

	ck_assert_int_eq(run.r, 0);
	ck_assert_uint_eq(run.st.lines, 8);
	ck_assert_uint_eq(run.st.events, 3);
	ck_assert_uint_eq(run.st.bad, 3);    /* garbage, time 0, [] */
	ck_assert_uint_eq(run.st.first_bad, 2);
	ck_assert_uint_eq(run.ist.observations, 3);
	ck_assert_uint_eq(run.ist.events, 3);
}
END_TEST

START_TEST(time_zero_is_a_bad_line)
{
	const char *t = "{\"time\":0,\"op\":\"read\",\"pid\":1,\"path\":\"/a\"}";
	struct run run = import(t, strlen(t), false);

	ck_assert_int_eq(run.r, BT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(run.msg, "ev.jsonl:1: "));
	ck_assert_ptr_nonnull(strstr(run.msg, "time"));
}
END_TEST

START_TEST(blank_lines_and_no_final_newline)
{
	const char *t = "\n\n" GOOD1 "\r\n" "{\"time\":6,\"op\":\"read\","
		"\"pid\":1,\"path\":\"/a\"}";
	struct run run = import(t, strlen(t), false);

	ck_assert_int_eq(run.r, 0);
	ck_assert_uint_eq(run.st.lines, 5);
	ck_assert_uint_eq(run.st.events, 2);
	run = import("", 0, false);
	ck_assert_int_eq(run.r, 0);
	ck_assert_uint_eq(run.st.lines, 0);
}
END_TEST

START_TEST(long_line_is_bad)
{
	size_t n = (1u << 20) + 100, g = strlen(GOOD1);
	char *t = malloc(n + 2 * g + 2);
	struct run run;

	ck_assert_ptr_nonnull(t);
	memcpy(t, GOOD1, g);
	/* A valid JSON object padded with spaces past 1 MiB. */
	memset(t + g, ' ', n);
	memcpy(t + g, "{\"time\":5,\"op\":\"exit\",\"pid\":1}", 30);
	t[g + n] = '\n';
	memcpy(t + g + n + 1, GOOD1, g);
	run = import(t, g + n + 1 + g, false);
	ck_assert_int_eq(run.r, BT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(run.msg, "ev.jsonl:2: line longer"));
	run = import(t, g + n + 1 + g, true);
	ck_assert_int_eq(run.r, 0);
	ck_assert_uint_eq(run.st.bad, 1);
	ck_assert_uint_eq(run.st.events, 2);
	/* Exactly 1 MiB is still a line. */
	memset(t, ' ', 1u << 20);
	memcpy(t, "{\"time\":5,\"op\":\"exit\",\"pid\":1}", 30);
	t[1u << 20] = '\n';
	run = import(t, (1u << 20) + 1, false);
	ck_assert_msg(run.r == 0, "%s", run.msg);
	free(t);
}
END_TEST

START_TEST(ingest_rejection_is_a_bad_line)
{
	/* A shape jsonl accepts that ingest has an opinion on is reported
	 * with the line number too (here through the log's reserved time). */
	const char *t = GOOD1 "{\"time\":0,\"op\":\"exit\",\"pid\":1}\n";
	struct run run = import(t, strlen(t), false);

	ck_assert_int_eq(run.r, BT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(run.msg, "ev.jsonl:2:"));
}
END_TEST

START_TEST(tu_helper_round_trip)
{
	struct bt_log *log;
	struct bt_log_stats st;

	ck_assert_int_eq(tu_log_from_jsonl(tu_path("r.btl"),
		"{\"time\":\"2026-11-21T10:00:01Z\",\"op\":\"fork\",\"pid\":1,"
		"\"child\":2}\n{\"time\":\"2026-11-21T10:00:02Z\","
		"\"op\":\"read\",\"pid\":2,\"path\":\"/a\"}\n"), 0);
	ck_assert_int_eq(bt_log_open(&log, tu_path("r.btl")), 0);
	ck_assert_int_eq(bt_log_stats(log, &st), 0);
	ck_assert_uint_eq(st.events, 2);
	ck_assert_uint_eq(st.by_op[BT_OP_FORK], 1);
	ck_assert_uint_eq(st.by_op[BT_OP_READ], 1);
	ck_assert_uint_eq(st.first_time, 1795255201000000000ULL);
	ck_assert_uint_eq(st.last_time, 1795255202000000000ULL);
	bt_log_close(log);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jsonl");
	SRunner *sr;
	TCase *tc;
	int failed;

#define T(fn) do { tc = tcase_create(#fn); \
		   tcase_add_checked_fixture(tc, setup, teardown); \
		   tcase_add_test(tc, fn); tcase_set_timeout(tc, 60); \
		   suite_add_tcase(s, tc); } while (0)
	T(every_op);
	T(new_ops);
	T(new_ops_hostile);
	T(mem_ops);
	T(mem_ops_hostile);
	T(optional_fields);
	T(time_forms);
	T(bad_types_and_ranges);
	T(not_an_object);
	T(hostile_input);
	T(bad_line_stops_with_line_number);
	T(keep_going_counts);
	T(time_zero_is_a_bad_line);
	T(blank_lines_and_no_final_newline);
	T(long_line_is_bad);
	T(ingest_rejection_is_a_bad_line);
	T(tu_helper_round_trip);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
