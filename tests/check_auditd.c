/*
 * check_auditd.c - the audit log importer: grouping of interleaved records,
 * what each syscall becomes, EXECVE's split and hex arguments, both log
 * formats, and malformed or hostile lines.  The scenarios are written as
 * auditd writes them (the field layout of a real Debian 12 audit.log) and
 * checked by what a user sees: the backtracked graph.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../capture/audit/records.h"
#include "../capture/audit/syscalls.h"
#include "../capture/auditd.h"
#include "../core/error.h"
#include "../graph/graph.h"
#include "../core/ingest.h"
#include "../core/log.h"
#include "../graph/walk.h"
#include "testutil.h"

static struct bt_auditd_stats last_stats;

/* Import `text` (audit.log lines) into a new log at `path`. */
static int import(const char *path, const char *text, int keep_going)
{
	struct bt_log_writer *w = NULL;
	struct bt_ingest *ing = NULL;
	struct bt_auditd *a = NULL;
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	int r;

	ck_assert_ptr_nonnull(in);
	r = bt_log_writer_open(&w, path, BT_LOGW_CREATE | BT_LOGW_TRUNC);
	if (!r)
		r = bt_ingest_new(&ing, w);
	if (!r)
		r = bt_auditd_new(&a, bt_ingest_sink(ing));
	if (!r)
		r = bt_auditd_feed(a, in, "audit.log", keep_going);
	if (!r)
		r = bt_auditd_finish(a);
	if (a)
		bt_auditd_stats(a, &last_stats);
	bt_auditd_free(a);
	bt_ingest_free(ing);
	if (r)
		bt_log_writer_abort(w);
	else
		r = bt_log_writer_close(w);
	fclose(in);
	return r;
}

/* Does the backtrack result hold a node whose label fields match? */
static int has_node(const struct bt_result *res, enum bt_obj_kind kind,
		    const char *path, uint32_t pid)
{
	size_t i;

	for (i = 0; i < res->nnodes; i++) {
		struct bt_object_info info;

		if (res->nodes[i].kind != kind)
			continue;
		ck_assert_int_eq(bt_graph_object(res->g, res->nodes[i].obj,
						 &info), 0);
		if (path && (!info.path || strcmp(info.path, path)))
			continue;
		if (pid && info.pid != pid)
			continue;
		return 1;
	}
	return 0;
}

static struct bt_result *backtrack(struct bt_graph **g, const char *log,
				   const char *spec)
{
	struct bt_result *res = NULL;
	struct bt_walk_opts o;
	uint32_t obj;
	uint64_t t;

	ck_assert_msg(bt_graph_load(g, log, NULL, NULL) == 0, "%s",
		      bt_error_msg());
	ck_assert_msg(bt_spec_resolve(&obj, &t, *g, spec) == 0, "%s",
		      bt_error_msg());
	bt_walk_opts_init(&o);
	ck_assert_int_eq(bt_backtrack(&res, *g, obj, &o), 0);
	return res;
}

/*
 * sh (100) runs cat (101) with its output redirected to /tmp/w/a, then
 * cp (102) copies /tmp/w/a to /tmp/w/b.  Records of the cat and cp events
 * interleave, as they do when two CPUs log at once.  ENRICHED format
 * (fields after \x1d), one line with a node= prefix.
 */
static const char scenario[] =
"type=SYSCALL msg=audit(1700000000.100:10): arch=c000003e syscall=57 success=yes exit=101 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"sh\" exe=\"/usr/bin/dash\" key=\"btrack\"\x1d" "ARCH=x86_64 SYSCALL=fork AUID=\"root\"\n"
"type=EOE msg=audit(1700000000.100:10): \n"
"type=SYSCALL msg=audit(1700000000.200:11): arch=c000003e syscall=59 success=yes exit=0 a0=55 a1=56 a2=57 a3=0 items=2 ppid=100 pid=101 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"btrack\"\n"
"type=EXECVE msg=audit(1700000000.200:11): argc=2 a0=\"cat\" a1=\"/etc/hostname\"\n"
"type=CWD msg=audit(1700000000.200:11): cwd=\"/tmp/w\"\n"
"type=PATH msg=audit(1700000000.200:11): item=0 name=\"/usr/bin/cat\" inode=1000 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0\n"
"type=PATH msg=audit(1700000000.200:11): item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=1001 dev=fe:00 mode=0100755 nametype=NORMAL\n"
"type=PROCTITLE msg=audit(1700000000.200:11): proctitle=636174002F6574632F686F73746E616D65\n"
"type=EOE msg=audit(1700000000.200:11): \n"
/* cat opens its input (relative to cwd) ... */
"type=SYSCALL msg=audit(1700000000.300:12): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 ppid=100 pid=101 auid=0 uid=0 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"btrack\"\n"
"type=CWD msg=audit(1700000000.300:12): cwd=\"/tmp/w\"\n"
/* ... interleaved with sh's open of the redirection target (O_WRONLY|
 * O_CREAT|O_TRUNC = 0x241), a new file */
"node=host1 type=SYSCALL msg=audit(1700000000.300:13): arch=c000003e syscall=257 success=yes exit=1 a0=ffffff9c a1=7ffd a2=241 a3=1b6 items=2 ppid=100 pid=101 auid=0 uid=0 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"btrack\"\n"
"type=PATH msg=audit(1700000000.300:12): item=0 name=\"../../etc/hostname\" inode=2000 dev=fe:00 mode=0100644 nametype=NORMAL\n"
"type=CWD msg=audit(1700000000.300:13): cwd=\"/tmp/w\"\n"
"type=PATH msg=audit(1700000000.300:13): item=0 name=\"/tmp/w/\" inode=3000 dev=fe:00 mode=040755 nametype=PARENT\n"
"type=PATH msg=audit(1700000000.300:13): item=1 name=\"a\" inode=3001 dev=fe:00 mode=0100644 nametype=CREATE\n"
"type=EOE msg=audit(1700000000.300:12): \n"
"type=EOE msg=audit(1700000000.300:13): \n"
/* a failed open makes nothing */
"type=SYSCALL msg=audit(1700000000.350:14): arch=c000003e syscall=257 success=no exit=-2 a0=ffffff9c a1=7ffd a2=0 a3=0 items=1 ppid=100 pid=101 comm=\"cat\" exe=\"/usr/bin/cat\"\n"
"type=PATH msg=audit(1700000000.350:14): item=0 name=\"/etc/secret\" nametype=UNKNOWN\n"
"type=EOE msg=audit(1700000000.350:14): \n"
/* sh forks cp (102) */
"type=SYSCALL msg=audit(1700000000.400:15): arch=c000003e syscall=56 success=yes exit=102 a0=1200011 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"sh\" exe=\"/usr/bin/dash\"\n"
"type=EOE msg=audit(1700000000.400:15): \n"
/* cp's argv is hex-encoded (a space in a name) and split (a1) */
"type=SYSCALL msg=audit(1700000000.500:16): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=0 items=2 ppid=100 pid=102 comm=\"cp\" exe=\"/usr/bin/cp\"\n"
"type=EXECVE msg=audit(1700000000.500:16): argc=3 a0=\"cp\" a1_len=8 a1[0]=2F746D70\n"
"type=EXECVE msg=audit(1700000000.500:16): a1[1]=2F772F61 a2=2F746D702F772F6220632064\n"
"type=PATH msg=audit(1700000000.500:16): item=0 name=\"/usr/bin/cp\" inode=1002 dev=fe:00 nametype=NORMAL\n"
"type=EOE msg=audit(1700000000.500:16): \n"
"type=SYSCALL msg=audit(1700000000.600:17): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=100 pid=102 comm=\"cp\" exe=\"/usr/bin/cp\"\n"
"type=PATH msg=audit(1700000000.600:17): item=0 name=\"/tmp/w/a\" inode=3001 dev=fe:00 nametype=NORMAL\n"
"type=EOE msg=audit(1700000000.600:17): \n"
"type=SYSCALL msg=audit(1700000000.700:18): arch=c000003e syscall=257 success=yes exit=4 a0=ffffff9c a1=1 a2=241 a3=0 items=2 ppid=100 pid=102 comm=\"cp\" exe=\"/usr/bin/cp\"\n"
"type=PATH msg=audit(1700000000.700:18): item=0 name=\"/tmp/w/\" inode=3000 dev=fe:00 nametype=PARENT\n"
"type=PATH msg=audit(1700000000.700:18): item=1 name=2F746D702F772F6220632064 inode=3002 dev=fe:00 nametype=CREATE\n"
"type=EOE msg=audit(1700000000.700:18): \n"
/* a record type btrack does not use */
"type=USER_LOGIN msg=audit(1700000000.800:19): pid=1 uid=0 msg='op=login acct=\"root\" res=success'\n";

START_TEST(scenario_backtracks_through_both_processes)
{
	const char *log = tu_path("s.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;

	ck_assert_msg(import(log, scenario, 0) == 0, "%s", bt_error_msg());
	/* The detection point has a space and came hex-encoded. */
	res = backtrack(&g, log, "file:/tmp/w/b c d");
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 102));
	ck_assert(has_node(res, BT_OBJ_FILE, "/tmp/w/a", 0));
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 101));
	/* "../../etc/hostname" relative to /tmp/w */
	ck_assert(has_node(res, BT_OBJ_FILE, "/etc/hostname", 0));
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 100));
	/* The failed open of /etc/secret made nothing. */
	ck_assert(!has_node(res, BT_OBJ_FILE, "/etc/secret", 0));
	ck_assert_uint_eq(last_stats.failed, 1);
	ck_assert_uint_ge(last_stats.unused, 2);  /* PROCTITLE, USER_LOGIN */
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

START_TEST(split_and_hex_arguments_rebuild_argv)
{
	const char *log = tu_path("s.btl");
	struct bt_graph *g = NULL;
	uint32_t id;
	struct bt_object_info info;
	const char *want = "cp\0/tmp/w/a\0/tmp/w/b c d";

	ck_assert_int_eq(import(log, scenario, 0), 0);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert_int_eq(bt_graph_find_process(g, 102, 0, &id), 0);
	ck_assert_int_eq(bt_graph_object(g, id, &info), 0);
	ck_assert_ptr_nonnull(info.argv);
	/* a1 came in two chunks over two EXECVE records; a2 in hex. */
	ck_assert_uint_ge(info.argv_len, sizeof("cp/tmp/w/a/tmp/w/b c d") + 1);
	ck_assert_mem_eq(info.argv, want, sizeof("cp/tmp/w/a/tmp/w/b c d") + 1);
	bt_graph_free(g);
}
END_TEST

/* The same serial after a reboot is another event (its time differs). */
START_TEST(serials_restart_at_boot)
{
	static const char text[] =
"type=SYSCALL msg=audit(1700000000.000:5): arch=c000003e syscall=57 success=yes exit=201 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"a\" exe=\"/a\"\n"
"type=DAEMON_START msg=audit(1700000500.000:1): op=start ver=3.0.9 format=enriched res=success\n"
"type=SYSCALL msg=audit(1700000600.000:5): arch=c000003e syscall=57 success=yes exit=301 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=300 comm=\"b\" exe=\"/b\"\n"
"type=EOE msg=audit(1700000600.000:5): \n"
"type=EOE msg=audit(1700000000.000:5): \n";
	const char *log = tu_path("r.btl");
	struct bt_graph *g = NULL;
	uint32_t id;

	ck_assert_int_eq(import(log, text, 0), 0);
	ck_assert_uint_eq(last_stats.events, 2);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert_int_eq(bt_graph_find_process(g, 201, 0, &id), 0);
	ck_assert_int_eq(bt_graph_find_process(g, 301, 0, &id), 0);
	bt_graph_free(g);
}
END_TEST

START_TEST(rename_and_unlink)
{
	static const char text[] =
"type=SYSCALL msg=audit(1700000001.000:1): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=0 a2=241 a3=0 items=2 ppid=1 pid=50 comm=\"w\" exe=\"/w\"\n"
"type=PATH msg=audit(1700000001.000:1): item=0 name=\"/d/\" inode=9 dev=08:01 nametype=PARENT\n"
"type=PATH msg=audit(1700000001.000:1): item=1 name=\"/d/tmp\" inode=10 dev=08:01 nametype=CREATE\n"
"type=EOE msg=audit(1700000001.000:1): \n"
"type=SYSCALL msg=audit(1700000002.000:2): arch=c000003e syscall=82 success=yes exit=0 a0=1 a1=2 a2=0 a3=0 items=4 ppid=1 pid=51 comm=\"mv\" exe=\"/mv\"\n"
"type=PATH msg=audit(1700000002.000:2): item=0 name=\"/d/\" inode=9 dev=08:01 nametype=PARENT\n"
"type=PATH msg=audit(1700000002.000:2): item=1 name=\"/d/\" inode=9 dev=08:01 nametype=PARENT\n"
"type=PATH msg=audit(1700000002.000:2): item=2 name=\"/d/tmp\" inode=10 dev=08:01 nametype=DELETE\n"
"type=PATH msg=audit(1700000002.000:2): item=3 name=\"/d/final\" inode=10 dev=08:01 nametype=CREATE\n"
"type=EOE msg=audit(1700000002.000:2): \n";
	const char *log = tu_path("m.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	/* The file written as /d/tmp is found under its new name, and its
	 * writer is a cause. */
	res = backtrack(&g, log, "file:/d/final");
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 50));
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

START_TEST(malformed_lines_name_their_number)
{
	static const char *bad[] = {
		"hello world\n",
		"type=SYSCALL\n",
		"type=SYSCALL msg=audit(abc.100:1): x=1\n",
		"type=SYSCALL msg=audit(1700000000.1:1): x=1\n",
		"type=SYSCALL msg=audit(1700000000.100:): x=1\n",
		"type=SYSCALL msg=audit(1700000000.100:99999999999999999999999): x\n",
		"type=SYSCALL msg=audit(1700000000.100:1 x=1\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[512];
		int r;

		snprintf(text, sizeof(text),
			 "type=EOE msg=audit(1700000000.000:1): \n%s", bad[i]);
		r = import(tu_path("bad.btl"), text, 0);
		ck_assert_msg(r == BT_ECORRUPT, "line '%s' gave %d", bad[i],
			      r);
		ck_assert_msg(strstr(bt_error_msg(), "audit.log:2:"),
			      "message '%s' lacks the line", bt_error_msg());
		r = import(tu_path("bad.btl"), text, 1);
		ck_assert_int_eq(r, 0);
		ck_assert_uint_eq(last_stats.bad, 1);
		ck_assert_uint_eq(last_stats.first_bad, 2);
	}
}
END_TEST

START_TEST(nul_byte_is_a_bad_line)
{
	const char text[] = "type=EOE msg=audit(1.000:1): \nty\0pe=X\n";
	struct bt_auditd *a = NULL;
	struct bt_log_writer *w = NULL;
	struct bt_ingest *ing = NULL;

	ck_assert_int_eq(bt_log_writer_open(&w, tu_path("n.btl"),
					    BT_LOGW_CREATE | BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_ingest_new(&ing, w), 0);
	ck_assert_int_eq(bt_auditd_new(&a, bt_ingest_sink(ing)), 0);
	ck_assert_int_eq(bt_auditd_line(a, text + 30, 7, "x", 2),
			 BT_ECORRUPT);
	bt_auditd_free(a);
	bt_ingest_free(ing);
	bt_log_writer_abort(w);
}
END_TEST

/* Random bytes and mutated real lines: errors at worst, never a crash;
 * what is imported still verifies. */
START_TEST(hostile_lines_never_crash)
{
	const char *log = tu_path("h.btl");
	struct bt_log_writer *w = NULL;
	struct bt_ingest *ing = NULL;
	struct bt_auditd *a = NULL;
	struct bt_log *l = NULL;
	struct bt_log_stats st;
	char buf[2048];
	unsigned seed = 12345;
	size_t n, i, k;
	int round;

	ck_assert_int_eq(bt_log_writer_open(&w, log,
					    BT_LOGW_CREATE | BT_LOGW_TRUNC), 0);
	ck_assert_int_eq(bt_ingest_new(&ing, w), 0);
	ck_assert_int_eq(bt_auditd_new(&a, bt_ingest_sink(ing)), 0);
	for (round = 0; round < 20000; round++) {
		/* Start from a line of the scenario, then mutate bytes. */
		const char *s = scenario;

		k = (size_t)rand_r(&seed) % 30;
		for (i = 0; i < k; i++) {
			const char *nl = strchr(s, '\n');
			if (!nl || !nl[1])
				break;
			s = nl + 1;
		}
		n = (size_t)(strchr(s, '\n') - s);
		if (n > sizeof(buf))
			n = sizeof(buf);
		memcpy(buf, s, n);
		k = (size_t)rand_r(&seed) % 8;
		for (i = 0; i < k && n; i++)
			buf[(size_t)rand_r(&seed) % n] =
				(char)(rand_r(&seed) & 0xff);
		if (rand_r(&seed) % 4 == 0)
			n = (size_t)rand_r(&seed) % (n + 1);
		(void)bt_auditd_line(a, buf, n, "fuzz", (uint64_t)round + 1);
	}
	ck_assert_int_eq(bt_auditd_finish(a), 0);
	bt_auditd_free(a);
	bt_ingest_free(ing);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_log_open(&l, log), 0);
	ck_assert_msg(bt_log_stats(l, &st) == 0, "%s", bt_error_msg());
	bt_log_close(l);
}
END_TEST

/* ---- semantics: what the importer infers from descriptors ---------------
 *
 * These tests look at the observations the importer sends to its sink (a
 * recording sink, so they do not depend on the ingest's rules) and check
 * them the way a user would: a time-respecting backward walk over them
 * (file -> reader, writer -> file, exec'd file -> process, parent ->
 * child) says whether a file's content can come from another file.
 */

#define SEM_MAX 512

struct sem_obs {
	unsigned op;
	uint64_t time, start, child_start;
	uint32_t pid, child, uid, euid, gid, egid, mode, owner, group;
	uint32_t file_flags;
	bool has_ino, empties;
	uint64_t ino;
	uint32_t peer;
	uint64_t peer_start, bytes;
	char path[256], target[256], remote[128], local[128];
};

static struct sem_obs sem[SEM_MAX];
static size_t nsem;
static struct bt_auditd_stats sem_stats;

static int sem_add(void *arg, const struct bt_obs *o)
{
	struct sem_obs *s;

	(void)arg;
	ck_assert_uint_lt(nsem, SEM_MAX);
	s = &sem[nsem++];
	memset(s, 0, sizeof(*s));
	s->op = o->op;
	s->empties = o->empties;
	s->time = o->time;
	s->start = o->start;
	s->child_start = o->child_start;
	s->pid = o->pid;
	s->child = o->child;
	s->uid = o->uid;
	s->euid = o->euid;
	s->gid = o->gid;
	s->egid = o->egid;
	s->mode = o->mode;
	s->owner = o->owner;
	s->group = o->group;
	s->file_flags = o->file_flags;
	s->has_ino = o->has_ino;
	s->ino = o->ino;
	s->peer = o->peer;
	s->peer_start = o->peer_start;
	s->bytes = o->bytes;
	if (o->path)
		snprintf(s->path, sizeof(s->path), "%s", o->path);
	if (o->target)
		snprintf(s->target, sizeof(s->target), "%s", o->target);
	if (o->remote)
		snprintf(s->remote, sizeof(s->remote), "%s", o->remote);
	if (o->local)
		snprintf(s->local, sizeof(s->local), "%s", o->local);
	return 0;
}

/* Import audit.log text into the recording sink. */
static void sem_import(const char *text)
{
	struct bt_obs_sink sink = { sem_add, NULL };
	struct bt_auditd *a = NULL;
	FILE *in = fmemopen((void *)text, strlen(text), "r");

	nsem = 0;
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(bt_auditd_new(&a, sink), 0);
	ck_assert_msg(bt_auditd_feed(a, in, "audit.log", false) == 0, "%s",
		      bt_error_msg());
	ck_assert_int_eq(bt_auditd_finish(a), 0);
	bt_auditd_stats(a, &sem_stats);
	bt_auditd_free(a);
	fclose(in);
}

/* An object's key: "#ino" when the observation gives the inode (through
 * a descriptor it gives only that), else its path. */
static void sem_key(char *out, size_t n, const struct sem_obs *s)
{
	if (s->has_ino)
		snprintf(out, n, "#%llu", (unsigned long long)s->ino);
	else
		snprintf(out, n, "%s", s->path);
}

/*
 * Can data in `from` (a path) reach `to` (a path) by its last write?  A
 * backward walk: node (object or "pid:N") with a deadline; a write into it
 * before the deadline makes the writer a node with that write's time, a
 * read by a process before its deadline makes the object one, an exec
 * likewise, a fork makes the parent one at the fork's time.
 */
static int sem_reaches(const char *to, const char *from)
{
	char node[64][256], key[256];
	uint64_t until[64];
	size_t nn = 0, i, k;
	int changed = 1;

	snprintf(node[nn], sizeof(node[0]), "%s", to);
	until[nn++] = UINT64_MAX;
	while (changed) {
		changed = 0;
		for (k = 0; k < nsem; k++) {
			const struct sem_obs *s = &sem[k];
			char src[256], dst[256];

			sem_key(key, sizeof(key), s);
			switch (s->op) {
			case BT_RAW_WRITE:
				snprintf(src, sizeof(src), "pid:%u", s->pid);
				snprintf(dst, sizeof(dst), "%s", key);
				break;
			case BT_RAW_READ:
			case BT_RAW_EXEC:
				snprintf(src, sizeof(src), "%s", key);
				snprintf(dst, sizeof(dst), "pid:%u", s->pid);
				break;
			case BT_RAW_FORK:
				snprintf(src, sizeof(src), "pid:%u", s->pid);
				snprintf(dst, sizeof(dst), "pid:%u", s->child);
				break;
			default:
				continue;
			}
			for (i = 0; i < nn; i++)
				if (!strcmp(node[i], dst) &&
				    s->time <= until[i])
					break;
			if (i == nn)
				continue;
			for (i = 0; i < nn; i++)
				if (!strcmp(node[i], src))
					break;
			if (i < nn) {
				if (until[i] < s->time) {
					until[i] = s->time;
					changed = 1;
				}
				continue;
			}
			ck_assert_uint_lt(nn, 64);
			snprintf(node[nn], sizeof(node[0]), "%s", src);
			until[nn++] = s->time;
			changed = 1;
		}
	}
	for (i = 0; i < nn; i++)
		if (!strcmp(node[i], from))
			return 1;
	return 0;
}

/* How many observations of op by pid (0 = any) on path (NULL = any). */
static size_t sem_count(unsigned op, uint32_t pid, const char *path)
{
	size_t k, n = 0;

	for (k = 0; k < nsem; k++)
		if (sem[k].op == op && (!pid || sem[k].pid == pid) &&
		    (!path || !strcmp(sem[k].path, path)))
			n++;
	return n;
}

static const struct sem_obs *sem_find(unsigned op, uint32_t pid)
{
	size_t k;

	for (k = 0; k < nsem; k++)
		if (sem[k].op == op && (!pid || sem[k].pid == pid))
			return &sem[k];
	return NULL;
}

/* Audit log lines, as auditd writes them (RAW). */
#define SC(ms, ser, nr, rest) \
	"type=SYSCALL msg=audit(1700000000." ms ":" ser "): arch=c000003e " \
	"syscall=" nr " success=yes " rest " auid=0 uid=0 gid=0 euid=0 " \
	"suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 key=\"bt\"\n"
/* The same from a 32-bit (i386) process. */
#define SC32(ms, ser, nr, rest) \
	"type=SYSCALL msg=audit(1700000000." ms ":" ser "): arch=40000003 " \
	"syscall=" nr " success=yes " rest " auid=0 uid=0 gid=0 euid=0 " \
	"suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 key=\"bt\"\n"
#define CWD(ms, ser) \
	"type=CWD msg=audit(1700000000." ms ":" ser "): cwd=\"/w\"\n"
#define PATHR(ms, ser, item, name, ino, mode, nt) \
	"type=PATH msg=audit(1700000000." ms ":" ser "): item=" item \
	" name=\"" name "\" inode=" ino " dev=fe:00 mode=" mode \
	" ouid=0 ogid=0 rdev=00:00 nametype=" nt "\n"
#define EOE(ms, ser) "type=EOE msg=audit(1700000000." ms ":" ser "): \n"

/* Keep only what the minimal rules log: the execve and open events
 * (other events' records stay, orphaned, as they would not be there). */
static void minimal_only(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = (size_t)(nl - s) + 1;
		bool sys = !strncmp(s, "type=SYSCALL", 12);
		const char *k = strstr(s, " syscall=");
		bool keep = !sys || (k && k < nl &&
				     (!strncmp(k, " syscall=257 ", 13) ||
				      !strncmp(k, " syscall=59 ", 12)));

		if (keep && strncmp(s, "type=FD_PAIR", 12)) {
			ck_assert_uint_lt(n + len, cap);
			memcpy(out + n, s, len);
			n += len;
		}
		s = nl + 1;
	}
	out[n] = '\0';
}

/*
 * sh (100) runs `echo x > a` (opens a, dup2 onto 1, writes, restores 1),
 * then reads b and runs five children, each reading b too.  The log shows
 * closes, so descriptor lifetimes are known: a is written by sh while it
 * held it, and by no one after.
 */
static const char redirect_then_children[] =
SC("100", "1", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"sh\" exe=\"/bin/sh\"")
CWD("100", "1")
PATHR("100", "1", "0", "/w/", "10", "040755", "PARENT")
PATHR("100", "1", "1", "a", "11", "0100644", "CREATE")
EOE("100", "1")
SC("100", "2", "33", "exit=1 a0=3 a1=1 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"sh\" exe=\"/bin/sh\"")
EOE("100", "2")
SC("100", "3", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"sh\" exe=\"/bin/sh\"")
EOE("100", "3")
/* dup2(10, 1): 10 is the saved terminal (unknown); a is let go */
SC("100", "4", "33", "exit=1 a0=a a1=1 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"sh\" exe=\"/bin/sh\"")
EOE("100", "4")
SC("200", "5", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=100 comm=\"sh\" exe=\"/bin/sh\"")
CWD("200", "5")
PATHR("200", "5", "0", "b", "12", "0100644", "NORMAL")
EOE("200", "5")
SC("200", "6", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"sh\" exe=\"/bin/sh\"")
EOE("200", "6")
#define CHILD(ms, s1, s2, s3, s4, pid) \
SC(ms, s1, "57", "exit=" pid " a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"sh\" exe=\"/bin/sh\"") \
EOE(ms, s1) \
SC(ms, s2, "59", "exit=0 a0=0 a1=0 a2=0 a3=0 items=1 ppid=100 pid=" pid " comm=\"cat\" exe=\"/bin/cat\"") \
"type=EXECVE msg=audit(1700000000." ms ":" s2 "): argc=2 a0=\"cat\" a1=\"b\"\n" \
CWD(ms, s2) \
PATHR(ms, s2, "0", "/bin/cat", "5", "0100755", "NORMAL") \
EOE(ms, s2) \
SC(ms, s3, "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=100 pid=" pid " comm=\"cat\" exe=\"/bin/cat\"") \
CWD(ms, s3) \
PATHR(ms, s3, "0", "b", "12", "0100644", "NORMAL") \
EOE(ms, s3) \
"type=SYSCALL msg=audit(1700000000." ms ":" s4 "): arch=c000003e syscall=231 a0=0 a1=0 a2=0 a3=0 items=0 ppid=100 pid=" pid " auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"cat\" exe=\"/bin/cat\" key=\"bt\"\n" \
EOE(ms, s4)
CHILD("300", "10", "11", "12", "13", "101")
CHILD("310", "20", "21", "22", "23", "102")
CHILD("320", "30", "31", "32", "33", "103")
CHILD("330", "40", "41", "42", "43", "104")
CHILD("340", "50", "51", "52", "53", "105")
;

START_TEST(redirection_then_children_invents_no_write)
{
	size_t k;

	sem_import(redirect_then_children);
	/* a: created and written by sh at the open, written again when sh
	 * let go of it (dup2 over fd 1), never after. */
	ck_assert_uint_ge(sem_count(BT_RAW_WRITE, 100, "/w/a"), 1);
	for (k = 0; k < nsem; k++) {
		if (sem[k].op != BT_RAW_WRITE || sem[k].ino != 11)
			continue;
		ck_assert_uint_eq(sem[k].pid, 100);
		ck_assert_uint_lt(sem[k].time, 1700000000200000000ULL);
	}
	/* so b (inode 12), read later by sh and every child, does not flow
	 * into a (inode 11) */
	ck_assert(!sem_reaches("#11", "#12"));
	ck_assert_uint_eq(sem_count(BT_RAW_READ, 0, "/w/b"), 6);
	ck_assert_uint_eq(sem_count(BT_RAW_EXIT, 0, NULL), 5);
	/* a write through a descriptor names no path: no lookup of "a" */
	for (k = 0; k < nsem; k++)
		if (sem[k].op == BT_RAW_WRITE && sem[k].time >
		    1700000000100000001ULL)
			ck_assert_str_eq(sem[k].path, "");
}
END_TEST

/* The same log with the minimal rules (no close, dup2, exit): one write at
 * the open, nothing later. */
START_TEST(minimal_rules_write_once_at_open)
{
	static char text[sizeof(redirect_then_children)];

	minimal_only(text, sizeof(text), redirect_then_children);
	sem_import(text);
	ck_assert_uint_eq(sem_count(BT_RAW_WRITE, 0, "/w/a"), 1);
	ck_assert(!sem_reaches("#11", "#12"));
	ck_assert_uint_eq(sem_count(BT_RAW_READ, 0, "/w/b"), 6);
}
END_TEST

/*
 * `cat secret | gzip -c > out.gz`: sh (100) makes a pipe (3, 4), forks cat
 * (101: write end onto 1) and gzip (102: read end onto 0, out.gz onto 1),
 * closes its ends.  No read(2) or write(2) is logged.
 */
static const char pipeline[] =
SC("100", "1", "293", "exit=0 a0=7ffc a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"sh\" exe=\"/bin/sh\"")
"type=FD_PAIR msg=audit(1700000000.100:1): fd0=3 fd1=4\n"
EOE("100", "1")
SC("100", "2", "57", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"sh\" exe=\"/bin/sh\"")
EOE("100", "2")
SC("100", "3", "57", "exit=102 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"sh\" exe=\"/bin/sh\"")
EOE("100", "3")
SC("100", "4", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"sh\" exe=\"/bin/sh\"")
EOE("100", "4")
SC("100", "5", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"sh\" exe=\"/bin/sh\"")
EOE("100", "5")
/* cat */
SC("110", "10", "33", "exit=1 a0=4 a1=1 a2=0 a3=0 items=0 ppid=100 pid=101 comm=\"sh\" exe=\"/bin/sh\"")
EOE("110", "10")
SC("110", "11", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=100 pid=101 comm=\"sh\" exe=\"/bin/sh\"")
EOE("110", "11")
SC("110", "12", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=100 pid=101 comm=\"sh\" exe=\"/bin/sh\"")
EOE("110", "12")
SC("110", "13", "59", "exit=0 a0=0 a1=0 a2=0 a3=0 items=1 ppid=100 pid=101 comm=\"cat\" exe=\"/bin/cat\"")
CWD("110", "13")
PATHR("110", "13", "0", "/bin/cat", "5", "0100755", "NORMAL")
EOE("110", "13")
SC("120", "14", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=100 pid=101 comm=\"cat\" exe=\"/bin/cat\"")
CWD("120", "14")
PATHR("120", "14", "0", "secret", "20", "0100600", "NORMAL")
EOE("120", "14")
SC("130", "15", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=100 pid=101 comm=\"cat\" exe=\"/bin/cat\"")
EOE("130", "15")
SC("130", "16", "3", "exit=0 a0=1 a1=0 a2=0 a3=0 items=0 ppid=100 pid=101 comm=\"cat\" exe=\"/bin/cat\"")
EOE("130", "16")
"type=SYSCALL msg=audit(1700000000.130:17): arch=c000003e syscall=231 a0=0 a1=0 a2=0 a3=0 items=0 ppid=100 pid=101 auid=0 uid=0 comm=\"cat\" exe=\"/bin/cat\" key=\"bt\"\n"
EOE("130", "17")
/* gzip: opens out.gz before cat has even read secret */
SC("111", "30", "33", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=100 pid=102 comm=\"sh\" exe=\"/bin/sh\"")
EOE("111", "30")
SC("111", "31", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=100 pid=102 comm=\"sh\" exe=\"/bin/sh\"")
EOE("111", "31")
SC("111", "32", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=100 pid=102 comm=\"sh\" exe=\"/bin/sh\"")
EOE("111", "32")
SC("111", "33", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=100 pid=102 comm=\"sh\" exe=\"/bin/sh\"")
CWD("111", "33")
PATHR("111", "33", "0", "/w/", "10", "040755", "PARENT")
PATHR("111", "33", "1", "out.gz", "21", "0100644", "CREATE")
EOE("111", "33")
SC("111", "34", "33", "exit=1 a0=3 a1=1 a2=0 a3=0 items=0 ppid=100 pid=102 comm=\"sh\" exe=\"/bin/sh\"")
EOE("111", "34")
SC("111", "35", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=100 pid=102 comm=\"sh\" exe=\"/bin/sh\"")
EOE("111", "35")
SC("112", "36", "59", "exit=0 a0=0 a1=0 a2=0 a3=0 items=1 ppid=100 pid=102 comm=\"gzip\" exe=\"/bin/gzip\"")
CWD("112", "36")
PATHR("112", "36", "0", "/bin/gzip", "6", "0100755", "NORMAL")
EOE("112", "36")
SC("140", "37", "3", "exit=0 a0=0 a1=0 a2=0 a3=0 items=0 ppid=100 pid=102 comm=\"gzip\" exe=\"/bin/gzip\"")
EOE("140", "37")
SC("140", "38", "3", "exit=0 a0=1 a1=0 a2=0 a3=0 items=0 ppid=100 pid=102 comm=\"gzip\" exe=\"/bin/gzip\"")
EOE("140", "38")
"type=SYSCALL msg=audit(1700000000.140:39): arch=c000003e syscall=231 a0=0 a1=0 a2=0 a3=0 items=0 ppid=100 pid=102 auid=0 uid=0 comm=\"gzip\" exe=\"/bin/gzip\" key=\"bt\"\n"
EOE("140", "39")
;

START_TEST(pipeline_joins_writer_and_reader)
{
	const struct sem_obs *p;

	sem_import(pipeline);
	/* out.gz (inode 21) comes from secret (inode 20) */
	ck_assert(sem_reaches("#21", "#20"));
	/* the pipe is one object, made by sh, unnamed */
	p = sem_find(BT_RAW_PIPE, 100);
	ck_assert_ptr_nonnull(p);
	ck_assert(p->has_ino);
	ck_assert_uint_eq(p->file_flags, BT_FILEF_PIPE);
	ck_assert_str_eq(p->path, "");
	/* and nothing reaches secret's reader from out.gz's side */
	ck_assert(!sem_reaches("#20", "#21"));
	/* sh made the pipe and closed both ends unused: neither a reader
	 * (which would route secret into all sh runs later) nor a writer */
	{
		size_t k;

		for (k = 0; k < nsem; k++)
			if ((sem[k].op == BT_RAW_READ ||
			     sem[k].op == BT_RAW_WRITE) && !sem[k].path[0])
				ck_assert_uint_ne(sem[k].pid, 100);
	}
}
END_TEST

/* The same with the minimal rules: no pipe is seen, nothing invented. */
START_TEST(pipeline_minimal_rules_invent_nothing)
{
	static char text[sizeof(pipeline)];

	minimal_only(text, sizeof(text), pipeline);
	sem_import(text);
	ck_assert_uint_eq(sem_count(BT_RAW_PIPE, 0, NULL), 0);
	ck_assert_uint_eq(sem_count(BT_RAW_WRITE, 0, "/w/out.gz"), 1);
	ck_assert(!sem_reaches("#21", "#20"));
}
END_TEST

/* symlink("secret", "lnk") as audit logs it: the target is a PATH item of
 * its own (nametype=UNKNOWN). */
START_TEST(symlink_names_link_and_target)
{
	static const char text[] =
	SC("100", "1", "88", "exit=0 a0=1 a1=2 a2=0 a3=0 items=3 ppid=1 pid=100 comm=\"ln\" exe=\"/bin/ln\"")
	CWD("100", "1")
	PATHR("100", "1", "0", "/w", "10", "040755", "PARENT")
	"type=PATH msg=audit(1700000000.100:1): item=1 name=\"../etc/secret\" nametype=UNKNOWN\n"
	PATHR("100", "1", "2", "lnk", "30", "0120777", "CREATE")
	EOE("100", "1");
	const struct sem_obs *s;

	sem_import(text);
	s = sem_find(BT_RAW_SYMLINK, 100);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->path, "/w/lnk");
	ck_assert_str_eq(s->target, "../etc/secret");
}
END_TEST

/* chmod, fchmod (through the fd table), fchownat, setresuid: each carries
 * the new attribute and the SYSCALL record's credentials. */
START_TEST(attributes_and_credentials)
{
	static const char text[] =
	"type=SYSCALL msg=audit(1700000000.100:1): arch=c000003e syscall=90 success=yes exit=0 a0=1 a1=1ed a2=0 a3=0 items=1 ppid=1 pid=100 auid=1000 uid=1000 gid=100 euid=1000 suid=1000 fsuid=1000 egid=100 sgid=100 fsgid=100 comm=\"chmod\" exe=\"/bin/chmod\" key=\"bt\"\n"
	CWD("100", "1")
	PATHR("100", "1", "0", "run.sh", "40", "0100644", "NORMAL")
	EOE("100", "1")
	SC("100", "2", "257", "exit=5 a0=ffffff9c a1=1 a2=1 a3=0 items=1 ppid=1 pid=100 comm=\"chmod\" exe=\"/bin/chmod\"")
	CWD("100", "2")
	PATHR("100", "2", "0", "f", "41", "0100644", "NORMAL")
	EOE("100", "2")
	SC("100", "3", "91", "exit=0 a0=5 a1=180 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"chmod\" exe=\"/bin/chmod\"")
	EOE("100", "3")
	SC("100", "4", "260", "exit=0 a0=ffffff9c a1=1 a2=3e8 a3=ffffffff items=1 ppid=1 pid=100 comm=\"chown\" exe=\"/bin/chown\"")
	CWD("100", "4")
	PATHR("100", "4", "0", "f", "41", "0100644", "NORMAL")
	EOE("100", "4")
	"type=SYSCALL msg=audit(1700000000.100:5): arch=c000003e syscall=117 success=yes exit=0 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 auid=1000 uid=0 gid=100 euid=0 suid=0 fsuid=0 egid=100 sgid=100 fsgid=100 comm=\"su\" exe=\"/bin/su\" key=\"bt\"\n"
	EOE("100", "5");
	const struct sem_obs *s;
	size_t k;

	sem_import(text);
	s = sem_find(BT_RAW_CHMOD, 100);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->path, "/w/run.sh");
	ck_assert_uint_eq(s->mode, 0755);
	ck_assert_uint_eq(s->uid, 1000);
	ck_assert_uint_eq(s->euid, 1000);
	ck_assert_uint_eq(s->gid, 100);
	ck_assert_uint_eq(s->egid, 100);
	/* fchmod names f by its descriptor: inode 41, mode 0600 */
	for (k = 0; k < nsem; k++)
		if (sem[k].op == BT_RAW_CHMOD && sem[k].ino == 41)
			break;
	ck_assert_uint_lt(k, nsem);
	ck_assert_uint_eq(sem[k].mode, 0600);
	ck_assert_str_eq(sem[k].path, "");
	s = sem_find(BT_RAW_CHOWN, 100);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->path, "/w/f");
	ck_assert_uint_eq(s->owner, 1000);
	ck_assert_uint_eq(s->group, UINT32_MAX);
	s = sem_find(BT_RAW_SETID, 100);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->uid, 0);
	ck_assert_uint_eq(s->euid, 0);
}
END_TEST

/*
 * Sockets: a server binds and accepts with no address (accept(fd, NULL,
 * NULL)); a client connects, then its descriptor is closed: what it read
 * before may have been sent.  UDP sendto/recvfrom carry their peer.  Then
 * item 14's heap-use-after-free: connect then accept on one fd with no
 * SOCKADDR, many times, growing every table.
 */
START_TEST(sockets_send_recv_and_unknown_peers)
{
	static char text[1 << 18];
	size_t n = 0;
	int i;
	const struct sem_obs *s;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "%s",
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=02001F900A000001\n"
	EOE("100", "1")
	SC("100", "2", "43", "exit=4 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("100", "2")
	/* an accept on a socket whose bind the log never showed */
	SC("100", "3", "43", "exit=6 a0=5 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("100", "3")
	/* client: reads secret, connects, closes */
	SC("110", "4", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	CWD("110", "4")
	PATHR("110", "4", "0", "secret", "20", "0100600", "NORMAL")
	EOE("110", "4")
	SC("110", "5", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.110:5): saddr=020001BB5DB8D822\n"
	EOE("110", "5")
	SC("120", "6", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("120", "6")
	/* UDP both ways */
	SC("130", "7", "44", "exit=5 a0=5 a1=7ffc a2=5 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.130:7): saddr=02000035C0A80001\n"
	EOE("130", "7")
	SC("130", "8", "45", "exit=9 a0=5 a1=7ffc a2=200 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.130:8): saddr=02000035C0A80001\n"
	EOE("130", "8"));
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
			"type=SYSCALL msg=audit(1700000001.%03d:%d): arch=c000003e syscall=42 success=yes exit=0 a0=7 a1=0 a2=0 a3=0 items=0 ppid=1 pid=%d uid=0 comm=\"x\" exe=\"/x\" key=\"bt\"\n"
			"type=SOCKADDR msg=audit(1700000001.%03d:%d): saddr=0200%04X7F000001\n"
			"type=SYSCALL msg=audit(1700000001.%03d:%d): arch=c000003e syscall=43 success=yes exit=7 a0=7 a1=0 a2=0 a3=0 items=0 ppid=1 pid=%d uid=0 comm=\"x\" exe=\"/x\" key=\"bt\"\n",
			i % 1000, 1000 + 2 * i, 300 + i % 7, i % 1000,
			1000 + 2 * i, i, i % 1000, 1001 + 2 * i, 300 + i % 7);
	ck_assert_uint_lt(n, sizeof(text) - 1);
	sem_import(text);
	/* the accept without an address is named after the listener */
	s = sem_find(BT_RAW_ACCEPT, 100);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->remote, "unknown peer on local 10.0.0.1:8080");
	/* the other one could not be named: counted, not guessed */
	ck_assert_uint_ge(sem_stats.gaps, 1);
	ck_assert_uint_eq(sem_count(BT_RAW_ACCEPT, 100, NULL), 1);
	/* secret -> cli -> 93.184.216.34:443: a send after the read */
	s = sem_find(BT_RAW_SEND, 200);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->remote, "93.184.216.34:443");
	ck_assert_uint_gt(s->time, sem_find(BT_RAW_READ, 200)->time);
	ck_assert_uint_eq(sem_count(BT_RAW_RECV, 200, NULL), 2);
	ck_assert_uint_eq(sem_count(BT_RAW_SEND, 200, NULL), 2);
	for (i = 0; i < (int)nsem; i++)
		if (sem[i].op == BT_RAW_SEND && sem[i].time ==
		    1700000000130000007ULL)
			ck_assert_str_eq(sem[i].remote, "192.168.0.1:53");
}
END_TEST

/*
 * memfd_create + fexecve: python (100) makes a memfd, forks 101, which
 * execs it through execveat(fd, "", AT_EMPTY_PATH) (PATH name="").  The
 * memfd is an anonymous file written by its creator before the exec.
 */
START_TEST(memfd_exec_is_the_creators_file)
{
	static const char text[] =
	SC("100", "1", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=100 comm=\"py\" exe=\"/bin/py\"")
	CWD("100", "1")
	PATHR("100", "1", "0", "payload", "20", "0100644", "NORMAL")
	EOE("100", "1")
	SC("100", "2", "319", "exit=8 a0=7ffc a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"py\" exe=\"/bin/py\"")
	EOE("100", "2")
	SC("100", "3", "56", "exit=101 a0=1200011 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"py\" exe=\"/bin/py\"")
	EOE("100", "3")
	SC("110", "4", "322", "exit=0 a0=8 a1=7ffc a2=0 a3=0 items=2 ppid=100 pid=101 comm=\"dash\" exe=\"/usr/bin/dash\"")
	CWD("110", "4")
	"type=PATH msg=audit(1700000000.110:4): item=0 name=\"\" inode=26 dev=00:01 mode=0100777 nametype=NORMAL\n"
	PATHR("110", "4", "1", "/bin/sh", "7", "0100755", "NORMAL")
	EOE("110", "4")
	SC("120", "5", "3", "exit=0 a0=2 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"py\" exe=\"/bin/py\"")
	EOE("120", "5");
	const struct sem_obs *x, *w;

	sem_import(text);
	x = sem_find(BT_RAW_EXEC, 101);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->file_flags, BT_FILEF_ANON);
	ck_assert(x->has_ino);
	w = sem_find(BT_RAW_WRITE, 100);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(w->ino, x->ino);
	ck_assert_uint_le(w->time, x->time);
	ck_assert_uint_gt(w->time, sem_find(BT_RAW_READ, 100)->time);
}
END_TEST

/* open(O_WRONLY|O_TRUNC) of an existing file truncates it; mkdir, mknod
 * and rmdir name what they make and remove. */
START_TEST(truncate_and_directory_names)
{
	static const char text[] =
	SC("100", "1", "257", "exit=3 a0=ffffff9c a1=1 a2=201 a3=0 items=1 ppid=1 pid=100 comm=\"sh\" exe=\"/bin/sh\"")
	CWD("100", "1")
	PATHR("100", "1", "0", "log", "20", "0100644", "NORMAL")
	EOE("100", "1")
	SC("100", "2", "83", "exit=0 a0=1 a1=1ff a2=0 a3=0 items=2 ppid=1 pid=100 comm=\"mkdir\" exe=\"/bin/mkdir\"")
	CWD("100", "2")
	PATHR("100", "2", "0", "/w", "10", "040755", "PARENT")
	PATHR("100", "2", "1", "d", "21", "040755", "CREATE")
	EOE("100", "2")
	SC("100", "3", "259", "exit=0 a0=ffffff9c a1=1 a2=11b6 a3=0 items=2 ppid=1 pid=100 comm=\"mkfifo\" exe=\"/bin/mkfifo\"")
	CWD("100", "3")
	PATHR("100", "3", "0", "/w", "10", "040755", "PARENT")
	PATHR("100", "3", "1", "d/ff", "22", "010644", "CREATE")
	EOE("100", "3")
	SC("100", "4", "84", "exit=0 a0=1 a1=0 a2=0 a3=0 items=2 ppid=1 pid=100 comm=\"rmdir\" exe=\"/bin/rmdir\"")
	CWD("100", "4")
	PATHR("100", "4", "0", "/w", "10", "040755", "PARENT")
	PATHR("100", "4", "1", "e", "23", "040755", "DELETE")
	EOE("100", "4")
	/* truncate(2) to 0, to 5, with its length missing; ftruncate of
	 * fd 3 (/w/log) to 0 */
	SC("100", "5", "76", "exit=0 a0=1 a1=0 a2=0 a3=0 items=1 ppid=1 pid=100 comm=\"truncate\" exe=\"/bin/truncate\"")
	CWD("100", "5")
	PATHR("100", "5", "0", "t0", "24", "0100644", "NORMAL")
	EOE("100", "5")
	SC("100", "6", "76", "exit=0 a0=1 a1=5 a2=0 a3=0 items=1 ppid=1 pid=100 comm=\"truncate\" exe=\"/bin/truncate\"")
	CWD("100", "6")
	PATHR("100", "6", "0", "t5", "25", "0100644", "NORMAL")
	EOE("100", "6")
	SC("100", "7", "76", "exit=0 a0=1 items=1 ppid=1 pid=100 comm=\"truncate\" exe=\"/bin/truncate\"")
	CWD("100", "7")
	PATHR("100", "7", "0", "tu", "26", "0100644", "NORMAL")
	EOE("100", "7")
	SC("100", "8", "77", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"sh\" exe=\"/bin/sh\"")
	EOE("100", "8")
	/* i386 truncate64: the length in a1 (low) and a2 (high) */
	SC32("100", "9", "193", "exit=0 a0=1 a1=0 a2=0 a3=0 items=1 ppid=1 pid=100 comm=\"truncate\" exe=\"/bin/truncate\"")
	CWD("100", "9")
	PATHR("100", "9", "0", "t32", "27", "0100644", "NORMAL")
	EOE("100", "9")
	SC32("100", "10", "193", "exit=0 a0=1 a1=0 a2=1 a3=0 items=1 ppid=1 pid=100 comm=\"truncate\" exe=\"/bin/truncate\"")
	CWD("100", "10")
	PATHR("100", "10", "0", "t33", "28", "0100644", "NORMAL")
	EOE("100", "10");
	size_t k, empties = 0;

	sem_import(text);
	/* O_TRUNC and ftruncate(fd, 0) empty /w/log, truncate("t0", 0)
	 * t0; a length of 5, or none in the record, empties nothing */
	ck_assert_uint_eq(sem_count(BT_RAW_TRUNCATE, 100, "/w/log"), 1);
	ck_assert_uint_eq(sem_count(BT_RAW_TRUNCATE, 100, "/w/t0"), 1);
	ck_assert_uint_eq(sem_count(BT_RAW_TRUNCATE, 100, "/w/t5"), 1);
	ck_assert_uint_eq(sem_count(BT_RAW_TRUNCATE, 100, "/w/tu"), 1);
	for (k = 0; k < nsem; k++) {
		if (sem[k].op != BT_RAW_TRUNCATE)
			continue;
		/* (the ftruncate names the file by its inode, 20) */
		ck_assert_msg(sem[k].empties == (!strcmp(sem[k].path,
			"/w/log") || !strcmp(sem[k].path, "/w/t0") ||
			!strcmp(sem[k].path, "/w/t32") ||
			(sem[k].has_ino && sem[k].ino == 20)), "%s",
			sem[k].path);
		empties += sem[k].empties;
	}
	ck_assert_uint_eq(empties, 4);
	ck_assert_uint_eq(sem_count(BT_RAW_TRUNCATE, 100, NULL), 7);
	ck_assert_uint_eq(sem_count(BT_RAW_READ, 100, "/w/log"), 0);
	ck_assert_uint_eq(sem_count(BT_RAW_CREATE, 100, "/w/d"), 1);
	ck_assert_uint_eq(sem_count(BT_RAW_CREATE, 100, "/w/d/ff"), 1);
	ck_assert_uint_eq(sem_count(BT_RAW_UNLINK, 100, "/w/e"), 1);
}
END_TEST

/*
 * pid 300 runs twice without clone records (minimal rules): once under
 * sh 100, later under sh 200.  The second exec is a new process (forced
 * start), forked by 200; 300 re-parented to init is not.
 */
START_TEST(ppid_change_at_exec_is_a_new_process)
{
	static const char text[] =
	SC("100", "1", "59", "exit=0 a0=0 a1=0 a2=0 a3=0 items=1 ppid=100 pid=300 comm=\"id\" exe=\"/bin/id\"")
	CWD("100", "1")
	PATHR("100", "1", "0", "/bin/id", "5", "0100755", "NORMAL")
	EOE("100", "1")
	SC("200", "2", "59", "exit=0 a0=0 a1=0 a2=0 a3=0 items=1 ppid=200 pid=300 comm=\"rm\" exe=\"/bin/rm\"")
	CWD("200", "2")
	PATHR("200", "2", "0", "/bin/rm", "6", "0100755", "NORMAL")
	EOE("200", "2")
	SC("300", "3", "59", "exit=0 a0=0 a1=0 a2=0 a3=0 items=1 ppid=1 pid=300 comm=\"rm\" exe=\"/bin/rm\"")
	CWD("300", "3")
	PATHR("300", "3", "0", "/bin/rm", "6", "0100755", "NORMAL")
	EOE("300", "3");
	size_t k, forks = 0, exits = 0;
	uint64_t start = 0;

	sem_import(text);
	for (k = 0; k < nsem; k++) {
		if (sem[k].op == BT_RAW_FORK && sem[k].child == 300) {
			forks++;
			if (sem[k].pid == 200) {
				ck_assert_uint_ne(sem[k].child_start, 0);
				start = sem[k].child_start;
			}
		}
		if (sem[k].op == BT_RAW_EXIT && sem[k].pid == 300)
			exits++;
	}
	ck_assert_uint_eq(forks, 2);
	ck_assert_uint_eq(exits, 1);
	for (k = 0; k < nsem; k++)
		if (sem[k].op == BT_RAW_EXEC && sem[k].pid == 300 &&
		    sem[k].time >= 1700000000200000000ULL)
			ck_assert_uint_eq(sem[k].start, start);
}
END_TEST

/* A log that shows write(2) itself (SPADE's rules): each write is its own
 * observation and nothing is inferred when the descriptor goes. */
START_TEST(logged_writes_are_not_inferred_again)
{
	static const char text[] =
	SC("100", "1", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"t\" exe=\"/bin/t\"")
	CWD("100", "1")
	PATHR("100", "1", "0", "/w/", "10", "040755", "PARENT")
	PATHR("100", "1", "1", "a", "11", "0100644", "CREATE")
	EOE("100", "1")
	SC("100", "2", "1", "exit=5 a0=3 a1=7ffc a2=5 a3=0 items=0 ppid=1 pid=100 comm=\"t\" exe=\"/bin/t\"")
	EOE("100", "2")
	SC("200", "3", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=100 comm=\"t\" exe=\"/bin/t\"")
	CWD("200", "3")
	PATHR("200", "3", "0", "b", "12", "0100644", "NORMAL")
	EOE("200", "3")
	SC("300", "4", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"t\" exe=\"/bin/t\"")
	EOE("300", "4")
	"type=SYSCALL msg=audit(1700000000.300:5): arch=c000003e syscall=231 a0=0 items=0 ppid=1 pid=100 uid=0 comm=\"t\" exe=\"/bin/t\" key=\"bt\"\n"
	EOE("300", "5");
	size_t k, n = 0;

	sem_import(text);
	for (k = 0; k < nsem; k++)
		if (sem[k].op == BT_RAW_WRITE) {
			n++;
			ck_assert_uint_lt(sem[k].time, 1700000000200000000ULL);
		}
	ck_assert_uint_eq(n, 2);    /* at the open, and write(2) */
	ck_assert(!sem_reaches("#11", "#12"));
}
END_TEST

/* execve of a script: the interpreter and the loader are read too. */
START_TEST(exec_reads_interpreter_and_loader)
{
	static const char text[] =
	SC("100", "1", "59", "exit=0 a0=0 a1=0 a2=0 a3=0 items=3 ppid=1 pid=100 comm=\"run.sh\" exe=\"/usr/bin/dash\"")
	CWD("100", "1")
	PATHR("100", "1", "0", "./run.sh", "40", "0100755", "NORMAL")
	PATHR("100", "1", "1", "/bin/sh", "7", "0100755", "NORMAL")
	PATHR("100", "1", "2", "/lib64/ld-linux-x86-64.so.2", "8", "0100755", "NORMAL")
	EOE("100", "1");
	const struct sem_obs *x;

	sem_import(text);
	x = sem_find(BT_RAW_EXEC, 100);
	ck_assert_ptr_nonnull(x);
	ck_assert_str_eq(x->path, "/w/run.sh");
	ck_assert_uint_eq(sem_count(BT_RAW_READ, 100, "/bin/sh"), 1);
	ck_assert_uint_eq(sem_count(BT_RAW_READ, 100,
				    "/lib64/ld-linux-x86-64.so.2"), 1);
}
END_TEST

/*
 * A process reading a pipe it made itself (x=$(cat secret), popen, a parent
 * reading its forked child): p (100) makes the pipe, forks 101 (no exec),
 * which reads secret and writes the pipe; 100 keeps the read end alone,
 * and writes out after.  Each is the only holder of its end when it lets
 * go of it, so both count.
 */
START_TEST(self_made_pipe_counts_for_its_only_holder)
{
	static const char text[] =
	SC("100", "1", "22", "exit=0 a0=7ffc a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	"type=FD_PAIR msg=audit(1700000000.100:1): fd0=3 fd1=4\n"
	EOE("100", "1")
	SC("100", "2", "57", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("100", "2")
	SC("100", "3", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("100", "3")
	SC("110", "4", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=100 pid=101 comm=\"p\" exe=\"/bin/p\"")
	EOE("110", "4")
	SC("110", "5", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=100 pid=101 comm=\"p\" exe=\"/bin/p\"")
	CWD("110", "5")
	PATHR("110", "5", "0", "secret", "20", "0100600", "NORMAL")
	EOE("110", "5")
	"type=SYSCALL msg=audit(1700000000.120:6): arch=c000003e syscall=231 a0=0 items=0 ppid=100 pid=101 uid=0 comm=\"p\" exe=\"/bin/p\" key=\"bt\"\n"
	EOE("120", "6")
	SC("130", "7", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("130", "7")
	SC("140", "8", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	CWD("140", "8")
	PATHR("140", "8", "0", "/w/", "10", "040755", "PARENT")
	PATHR("140", "8", "1", "out", "21", "0100644", "CREATE")
	EOE("140", "8")
	SC("150", "9", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("150", "9");

	sem_import(text);
	ck_assert(sem_reaches("#21", "#20"));
}
END_TEST

/* popen through vfork: the parent is suspended until its child has exec'd
 * or ended, and audit writes the vfork (stamped at its entry, numbered at
 * its exit) after the child's own records, its exit among them, and on a
 * busy host after more events than the record layer holds back to put
 * them in time order.
 * That record is the link made at the child's first sighting: it makes no
 * second child, a ghost that would hold the parent's pipe to the end of
 * the log, so that the parent, reading it, is no longer its only holder. */
START_TEST(vfork_written_after_the_childs_exit_makes_no_ghost)
{
	static const char head[] =
	SC("100", "1", "22", "exit=0 a0=7ffc a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	"type=FD_PAIR msg=audit(1700000000.100:1): fd0=3 fd1=4\n"
	EOE("100", "1")
	SC("110", "3", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=100 pid=101 comm=\"p\" exe=\"/bin/p\"")
	EOE("110", "3")
	SC("110", "4", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=100 pid=101 comm=\"p\" exe=\"/bin/p\"")
	CWD("110", "4")
	PATHR("110", "4", "0", "secret", "20", "0100600", "NORMAL")
	EOE("110", "4")
	"type=SYSCALL msg=audit(1700000000.112:5): arch=c000003e syscall=231 a0=0 items=0 ppid=100 pid=101 uid=0 comm=\"p\" exe=\"/bin/p\" key=\"bt\"\n"
	EOE("112", "5");
	static const char tail[] =
	SC("105", "501", "58", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("105", "501")
	SC("125", "502", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("125", "502")
	SC("130", "503", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("130", "503")
	SC("140", "504", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	CWD("140", "504")
	PATHR("140", "504", "0", "/w/", "10", "040755", "PARENT")
	PATHR("140", "504", "1", "out", "21", "0100644", "CREATE")
	EOE("140", "504")
	SC("150", "505", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("150", "505");
	static char text[sizeof(head) + sizeof(tail) + 300 * 400];
	size_t k, n, forks = 0;
	int i;

	n = (size_t)snprintf(text, sizeof(text), "%s", head);
	for (i = 0; i < 300; i++)  /* another process's getpid()s */
		n += (size_t)snprintf(text + n, sizeof(text) - n,
			"type=SYSCALL msg=audit(1700000000.115:%d): "
			"arch=c000003e syscall=39 success=yes exit=200 a0=0 "
			"items=0 ppid=1 pid=200 uid=0 comm=\"p\" "
			"exe=\"/bin/p\" key=\"bt\"\n"
			"type=EOE msg=audit(1700000000.115:%d): \n",
			100 + i, 100 + i);
	ck_assert_uint_lt(n + sizeof(tail), sizeof(text));
	snprintf(text + n, sizeof(text) - n, "%s", tail);

	sem_import(text);
	for (k = 0; k < nsem; k++)
		if (sem[k].op == BT_RAW_FORK && sem[k].child == 101)
			forks++;
	ck_assert_uint_eq(forks, 1);
	ck_assert(sem_reaches("#21", "#20"));
}
END_TEST

/* The same, but the parent closes its copy of the write end only after
 * the child has exited (it waited for it): the child, which read secret
 * before it let go, is the writer; the parent, which took nothing in since
 * it made the pipe, is not. */
START_TEST(parent_closing_its_write_end_late)
{
	static const char text[] =
	SC("100", "1", "22", "exit=0 a0=7ffc a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	"type=FD_PAIR msg=audit(1700000000.100:1): fd0=3 fd1=4\n"
	EOE("100", "1")
	SC("100", "2", "57", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("100", "2")
	SC("110", "4", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=100 pid=101 comm=\"p\" exe=\"/bin/p\"")
	EOE("110", "4")
	SC("110", "5", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=100 pid=101 comm=\"p\" exe=\"/bin/p\"")
	CWD("110", "5")
	PATHR("110", "5", "0", "secret", "20", "0100600", "NORMAL")
	EOE("110", "5")
	"type=SYSCALL msg=audit(1700000000.120:6): arch=c000003e syscall=231 a0=0 items=0 ppid=100 pid=101 uid=0 comm=\"p\" exe=\"/bin/p\" key=\"bt\"\n"
	EOE("120", "6")
	SC("125", "3", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("125", "3")
	SC("130", "7", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("130", "7")
	SC("140", "8", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	CWD("140", "8")
	PATHR("140", "8", "0", "/w/", "10", "040755", "PARENT")
	PATHR("140", "8", "1", "out", "21", "0100644", "CREATE")
	EOE("140", "8")
	SC("150", "9", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("150", "9");

	sem_import(text);
	ck_assert(sem_reaches("#21", "#20"));
	{
		size_t k;

		for (k = 0; k < nsem; k++)
			if (sem[k].op == BT_RAW_WRITE && sem[k].pid == 100)
				ck_assert_uint_ne(sem[k].file_flags,
						  BT_FILEF_PIPE);
	}
}
END_TEST


/* ==== record layer and syscall tables (auditd-parse) ==================== *
 * Architectures, exits, input forms, malformed fields: what the record
 * layer hands to the semantics (struct aev), and what a user then sees. */

#define EV_MAX 8
static struct aev rec_ev[EV_MAX];
static int rec_nev;

static int rec_collect(void *ctx, struct aev *e)
{
	(void)ctx;
	if (rec_nev < EV_MAX)
		rec_ev[rec_nev++] = *e;
	return 0;
}

/* Feed `text` through the record layer alone; events land in rec_ev. */
static struct bt_auditd_stats rec_feed(const char *text)
{
	struct bt_auditd_stats st;
	struct bt_arec *p = NULL;
	const char *s = text;

	memset(&st, 0, sizeof(st));
	rec_nev = 0;
	ck_assert_int_eq(bt_arec_new(&p, &st, rec_collect, NULL), 0);
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		ck_assert_msg(bt_arec_line(p, s, n, "t", 1) == 0, "%s",
			      bt_error_msg());
		s += n + (nl != NULL);
	}
	ck_assert_int_eq(bt_arec_finish(p), 0);
	bt_arec_free(p);
	return st;
}

/* The numbers of each architecture, from the kernel's syscall tables
 * (arch/x86/entry/syscalls/syscall_{32,64}.tbl, asm-generic/unistd.h). */
START_TEST(syscall_numbers_follow_each_architecture)
{
	static const struct { enum bt_arch arch; unsigned nr; int sys; } t[] = {
		{ BT_ARCH_X86_64, 0, SYS_read }, { BT_ARCH_X86_64, 2, SYS_open },
		{ BT_ARCH_X86_64, 3, SYS_close }, { BT_ARCH_X86_64, 22, SYS_pipe },
		{ BT_ARCH_X86_64, 33, SYS_dup2 }, { BT_ARCH_X86_64, 42, SYS_connect },
		{ BT_ARCH_X86_64, 56, SYS_clone }, { BT_ARCH_X86_64, 57, SYS_fork },
		{ BT_ARCH_X86_64, 59, SYS_execve }, { BT_ARCH_X86_64, 60, SYS_exit },
		{ BT_ARCH_X86_64, 82, SYS_rename }, { BT_ARCH_X86_64, 90, SYS_chmod },
		{ BT_ARCH_X86_64, 105, SYS_setuid },
		{ BT_ARCH_X86_64, 231, SYS_exit_group },
		{ BT_ARCH_X86_64, 257, SYS_openat },
		{ BT_ARCH_X86_64, 268, SYS_fchmodat },
		{ BT_ARCH_X86_64, 293, SYS_pipe2 },
		{ BT_ARCH_X86_64, 319, SYS_memfd_create },
		{ BT_ARCH_X86_64, 322, SYS_execveat },
		{ BT_ARCH_X86_64, 435, SYS_clone3 },
		{ BT_ARCH_X86_64, 452, SYS_fchmodat2 },
		{ BT_ARCH_X86_64, 520, SYS_UNKNOWN },  /* x32's own range */
		{ BT_ARCH_X86_64, 0x40000000u + 520, SYS_execve },  /* x32 */
		{ BT_ARCH_X86_64, 0x40000000u + 257, SYS_openat },
		{ BT_ARCH_I386, 1, SYS_exit }, { BT_ARCH_I386, 2, SYS_fork },
		{ BT_ARCH_I386, 3, SYS_read }, { BT_ARCH_I386, 5, SYS_open },
		{ BT_ARCH_I386, 6, SYS_close }, { BT_ARCH_I386, 11, SYS_execve },
		{ BT_ARCH_I386, 15, SYS_chmod }, { BT_ARCH_I386, 16, SYS_lchown },
		{ BT_ARCH_I386, 23, SYS_setuid }, { BT_ARCH_I386, 38, SYS_rename },
		{ BT_ARCH_I386, 42, SYS_pipe }, { BT_ARCH_I386, 63, SYS_dup2 },
		{ BT_ARCH_I386, 90, SYS_old_mmap },
		{ BT_ARCH_I386, 102, SYS_socketcall },
		{ BT_ARCH_I386, 120, SYS_clone }, { BT_ARCH_I386, 190, SYS_vfork },
		{ BT_ARCH_I386, 192, SYS_mmap }, { BT_ARCH_I386, 212, SYS_chown },
		{ BT_ARCH_I386, 213, SYS_setuid },
		{ BT_ARCH_I386, 252, SYS_exit_group },
		{ BT_ARCH_I386, 295, SYS_openat }, { BT_ARCH_I386, 331, SYS_pipe2 },
		{ BT_ARCH_I386, 358, SYS_execveat },
		{ BT_ARCH_I386, 359, SYS_socket }, { BT_ARCH_I386, 362, SYS_connect },
		{ BT_ARCH_AARCH64, 2, SYS_io_submit },  /* not fork */
		{ BT_ARCH_AARCH64, 24, SYS_dup3 }, { BT_ARCH_AARCH64, 25, SYS_fcntl },
		{ BT_ARCH_AARCH64, 34, SYS_mkdirat },
		{ BT_ARCH_AARCH64, 35, SYS_unlinkat },
		{ BT_ARCH_AARCH64, 36, SYS_symlinkat },
		{ BT_ARCH_AARCH64, 37, SYS_linkat },
		{ BT_ARCH_AARCH64, 38, SYS_renameat },
		{ BT_ARCH_AARCH64, 53, SYS_fchmodat },
		{ BT_ARCH_AARCH64, 56, SYS_openat }, { BT_ARCH_AARCH64, 57, SYS_close },
		{ BT_ARCH_AARCH64, 59, SYS_pipe2 }, { BT_ARCH_AARCH64, 63, SYS_read },
		{ BT_ARCH_AARCH64, 64, SYS_write }, { BT_ARCH_AARCH64, 93, SYS_exit },
		{ BT_ARCH_AARCH64, 94, SYS_exit_group },
		{ BT_ARCH_AARCH64, 146, SYS_setuid },
		{ BT_ARCH_AARCH64, 203, SYS_connect },
		{ BT_ARCH_AARCH64, 220, SYS_clone },
		{ BT_ARCH_AARCH64, 221, SYS_execve },
		{ BT_ARCH_AARCH64, 222, SYS_mmap },
		{ BT_ARCH_AARCH64, 276, SYS_renameat2 },
		{ BT_ARCH_AARCH64, 281, SYS_execveat },
		{ BT_ARCH_AARCH64, 1024, SYS_UNKNOWN },
		{ BT_ARCH_OTHER, 2, SYS_UNKNOWN },
	};
	size_t i;
	int s;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(bt_asys_by_nr(t[i].arch, t[i].nr) == t[i].sys,
			      "arch %d nr %u: %s, want %s", t[i].arch, t[i].nr,
			      bt_asys_name(bt_asys_by_nr(t[i].arch, t[i].nr)),
			      bt_asys_name(t[i].sys));
	/* Every canonical name reads back (interpreted logs). */
	for (s = 1; s < SYS__COUNT; s++)
		ck_assert_int_eq(bt_asys_by_name(BT_ARCH_X86_64, bt_asys_name(s),
						 strlen(bt_asys_name(s))), s);
	ck_assert_int_eq(bt_asys_by_name(BT_ARCH_I386, "chown32", 7),
			 SYS_chown);
	ck_assert_int_eq(bt_asys_by_name(BT_ARCH_I386, "mmap", 4),
			 SYS_old_mmap);
	ck_assert_int_eq(bt_asys_by_name(BT_ARCH_I386, "mmap2", 5), SYS_mmap);
	ck_assert_int_eq(bt_asys_by_name(BT_ARCH_X86_64, "nosuchcall", 10),
			 SYS_UNKNOWN);
	ck_assert_int_eq(bt_asys_socketcall(3), SYS_connect);
	ck_assert_int_eq(bt_asys_socketcall(9), SYS_sendto);  /* send */
	ck_assert_int_eq(bt_asys_socketcall(21), SYS_UNKNOWN);
}
END_TEST

/* What the semantics get from records of each architecture and form. */
START_TEST(records_decode_each_architecture)
{
	struct bt_auditd_stats st;

	/* i386 fork (2; x86-64's 2 is open), ids of every kind */
	st = rec_feed(
"type=SYSCALL msg=audit(1700000100.000:1): arch=40000003 syscall=2 success=yes exit=301 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=300 auid=1000 uid=1000 gid=100 euid=0 suid=0 fsuid=0 egid=100 sgid=100 fsgid=100 tty=(none) ses=3 comm=\"sh\" exe=\"/bin/sh\" key=(null)\n"
"type=EOE msg=audit(1700000100.000:1): \n");
	ck_assert_int_eq(rec_nev, 1);
	ck_assert_str_eq(bt_asys_name(rec_ev[0].sysno), "fork");
	ck_assert_int_eq(rec_ev[0].arch, BT_ARCH_I386);
	ck_assert_int_eq(rec_ev[0].success, AEV_YES);
	ck_assert_uint_eq(rec_ev[0].uid, 1000);
	ck_assert_uint_eq(rec_ev[0].euid, 0);
	ck_assert_uint_eq(rec_ev[0].gid, 100);
	ck_assert_uint_eq(rec_ev[0].egid, 100);
	ck_assert_uint_eq(rec_ev[0].auid, 1000);
	ck_assert_uint_eq(rec_ev[0].ses, 3);
	ck_assert_uint_eq(st.arch_other, 0);

	/* aarch64 exit_group: no success=, no exit=; not a failure */
	rec_feed(
"type=SYSCALL msg=audit(1700000100.100:2): arch=c00000b7 syscall=94 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=301 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm=\"true\" exe=\"/bin/true\" key=(null)\n");
	ck_assert_int_eq(rec_nev, 1);
	ck_assert_int_eq(rec_ev[0].sysno, SYS_exit_group);
	ck_assert_int_eq(rec_ev[0].success, AEV_UNSTATED);
	ck_assert(aev_exits_process(&rec_ev[0]));
	ck_assert_uint_eq(rec_ev[0].auid, UINT32_MAX);

	/* ppc64 (big endian): counted, never decoded */
	st = rec_feed(
"type=SYSCALL msg=audit(1700000100.200:3): arch=80000015 syscall=2 success=yes exit=302 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=302 uid=0 comm=\"sh\" exe=\"/bin/sh\"\n");
	ck_assert_int_eq(rec_ev[0].sysno, SYS_UNKNOWN);
	ck_assert_int_eq(rec_ev[0].arch, BT_ARCH_OTHER);
	ck_assert_uint_eq(st.arch_other, 1);
	ck_assert_uint_eq(st.arch_other_first, 0x80000015u);

	/* i386 socketcall(connect) with and without its SOCKETCALL record */
	rec_feed(
"type=SYSCALL msg=audit(1700000100.300:4): arch=40000003 syscall=102 success=yes exit=0 a0=3 a1=bfe6b1c0 a2=0 a3=0 items=0 ppid=1 pid=303 uid=0 comm=\"nc\" exe=\"/bin/nc\"\n"
"type=SOCKETCALL msg=audit(1700000100.300:4): nargs=3 a0=4 a1=bfe6b1d0 a2=10\n"
"type=EOE msg=audit(1700000100.300:4): \n"
"type=SYSCALL msg=audit(1700000100.301:5): arch=40000003 syscall=102 success=yes exit=0 a0=3 a1=bfe6b1c0 a2=0 a3=0 items=0 ppid=1 pid=303 uid=0 comm=\"nc\" exe=\"/bin/nc\"\n"
"type=EOE msg=audit(1700000100.301:5): \n");
	ck_assert_int_eq(rec_nev, 2);
	ck_assert_int_eq(rec_ev[0].sysno, SYS_connect);
	ck_assert_uint_eq(rec_ev[0].a[0], 4);
	ck_assert(!rec_ev[0].args_unknown);
	ck_assert_int_eq(rec_ev[1].sysno, SYS_connect);
	ck_assert(rec_ev[1].args_unknown);
	ck_assert_int_eq((int64_t)rec_ev[1].a[0], -1);

	/* interpreted names (arch=i386 syscall=chown32) */
	rec_feed(
"type=SYSCALL msg=audit(1700000100.400:6): arch=i386 syscall=chown32 success=yes exit=0 a0=1 a1=2 a2=3 a3=0 items=1 ppid=1 pid=304 uid=0 comm=\"chown\" exe=\"/bin/chown\"\n");
	ck_assert_int_eq(rec_ev[0].sysno, SYS_chown);
}
END_TEST

START_TEST(records_accept_every_line_form)
{
	struct bt_auditd_stats st;

	st = rec_feed(
/* audispd's syslog plugin, with a node and quoted values (laurel) */
"Nov 30 10:00:00 host audispd: node=h1 type=SYSCALL msg=audit(1700000200.000:7): arch=\"c000003e\" syscall=\"59\" success=\"yes\" exit=\"0\" a0=1 a1=2 a2=3 a3=0 items=\"1\" ppid=\"1\" pid=\"400\" uid=\"1000\" comm=\"cat\" exe=\"/bin/cat\"\x1d" "ARCH=x86_64 SYSCALL=execve\n"
"Nov 30 10:00:00 host audispd: node=h1 type=PATH msg=audit(1700000200.000:7): item=0 name=\"/bin/cat\" inode=\"5\" dev=\"fd:01\" mode=\"0100755\" ouid=0 ogid=0 nametype=\"NORMAL\"\n"
"Nov 30 10:00:00 host audispd: node=h1 type=EOE msg=audit(1700000200.000:7): \n"
/* the kernel's own log (dmesg, journal) */
"[   12.345678] audit: type=1300 audit(1700000200.100:8): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=400 uid=1000 comm=\"cat\" exe=\"/bin/cat\"\n"
"Nov 30 10:00:00 host kernel: audit: type=1302 audit(1700000200.100:8): item=0 name=\"/etc/motd\" inode=6 dev=fd:01 mode=0100644 nametype=NORMAL\n"
"[   12.345680] audit: type=1320 audit(1700000200.100:8): \n");
	ck_assert_uint_eq(st.bad, 0);
	ck_assert_int_eq(rec_nev, 2);
	ck_assert_int_eq(rec_ev[0].sysno, SYS_execve);
	ck_assert_int_eq(rec_ev[0].success, AEV_YES);
	ck_assert_uint_eq(rec_ev[0].uid, 1000);
	ck_assert_uint_ne(rec_ev[0].node, 0);
	ck_assert_int_eq(rec_ev[0].nitems, 1);
	ck_assert_int_eq(rec_ev[0].items[0].nt, NT_NORMAL);
	ck_assert(rec_ev[0].items[0].has_ino);
	ck_assert_uint_eq(rec_ev[0].items[0].mode, 0100755);
	ck_assert_int_eq(rec_ev[1].sysno, SYS_openat);
	ck_assert_str_eq(aev_str(&rec_ev[1], rec_ev[1].items[0].name),
			 "/etc/motd");

	/* Two nodes' events of one stamp are two events. */
	rec_feed(
"node=a type=SYSCALL msg=audit(1700000200.200:9): arch=c000003e syscall=57 success=yes exit=501 items=0 ppid=1 pid=500 comm=\"a\" exe=\"/a\"\n"
"node=b type=SYSCALL msg=audit(1700000200.200:9): arch=c000003e syscall=57 success=yes exit=601 items=0 ppid=1 pid=600 comm=\"b\" exe=\"/b\"\n");
	ck_assert_int_eq(rec_nev, 2);
}
END_TEST

/* The kernel writes MMAP's flags as 0x%lx: MAP_SHARED (0x1) was read as
 * 0, so every shared mapping with an MMAP record looked private. */
START_TEST(mmap_record_flags_are_hex_with_0x)
{
	struct bt_auditd_stats st;

	st = rec_feed(
"type=SYSCALL msg=audit(1700001000.000:1): arch=c000003e syscall=9 success=yes exit=140000000 a0=0 a1=1000 a2=3 a3=1 items=0 ppid=1 pid=990 uid=0 comm=\"w\" exe=\"/w\"\n"
"type=MMAP msg=audit(1700001000.000:1): fd=3 flags=0x1\n"
"type=EOE msg=audit(1700001000.000:1): \n"
"type=SYSCALL msg=audit(1700001000.100:2): arch=c000003e syscall=9 success=yes exit=140000000 a0=0 a1=1000 a2=1 a3=812 items=0 ppid=1 pid=990 uid=0 comm=\"w\" exe=\"/w\"\n"
"type=MMAP msg=audit(1700001000.100:2): fd=4 flags=0x812\n");
	ck_assert_int_eq(rec_nev, 2);
	ck_assert(rec_ev[0].has_mmap);
	ck_assert_int_eq(rec_ev[0].mmap_fd, 3);
	ck_assert_uint_eq(rec_ev[0].mmap_flags, 0x1);
	ck_assert_uint_eq(rec_ev[1].mmap_flags, 0x812);
	ck_assert_uint_eq(st.bad_fields, 0);
}
END_TEST

/* ausearch -i writes local time, which is not a stamp, and journalctl's
 * short form drops it: the message says what to import instead. */
START_TEST(interpreted_time_stamps_say_what_to_do)
{
	static const char line[] =
"type=SYSCALL msg=audit(11/14/2023 10:00:00.000:6) : arch=i386 syscall=chown32 success=yes exit=0 a0=1 a1=2 a2=3 a3=0 items=1 ppid=1 pid=304 uid=root comm=chown exe=/bin/chown";
	static const char journal[] =
"Nov 30 10:00:00 host audit[4242]: SYSCALL arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=0 items=2 ppid=1 pid=4242 uid=0 comm=\"id\" exe=\"/usr/bin/id\"";
	struct bt_auditd_stats st;
	struct bt_arec *p = NULL;

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(bt_arec_new(&p, &st, rec_collect, NULL), 0);
	ck_assert_int_eq(bt_arec_line(p, line, sizeof(line) - 1, "i.log", 7),
			 BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), "i.log:7:") &&
		      strstr(bt_error_msg(), "ausearch --raw"), "%s",
		      bt_error_msg());
	/* journalctl's short form has lost the stamp */
	ck_assert_int_eq(bt_arec_line(p, journal, sizeof(journal) - 1,
				      "j.log", 3), BT_ECORRUPT);
	ck_assert_msg(strstr(bt_error_msg(), "j.log:3:") &&
		      strstr(bt_error_msg(), "stamp"), "%s", bt_error_msg());
	bt_arec_free(p);
}
END_TEST

/* PATH records out of order (laurel's test data has them reversed) and
 * a hex name of odd length: the event and its item are kept, the name is
 * not (decoded as far as it goes, "/etc/passw" would name another file),
 * the malformed name counted. */
START_TEST(records_keep_items_in_place_and_bad_fields)
{
	struct bt_auditd_stats st;

	st = rec_feed(
"type=PATH msg=audit(1700000300.000:10): item=1 name=\"/lib/ld-linux-aarch64.so.1\" inode=7 dev=fd:01 nametype=NORMAL\n"
"type=PATH msg=audit(1700000300.000:10): item=0 name=\"/bin/true\" inode=8 dev=fd:01 nametype=NORMAL\n"
"type=SYSCALL msg=audit(1700000300.000:10): arch=c00000b7 syscall=221 success=yes exit=0 a0=0 a1=0 a2=0 a3=0 items=2 ppid=1 pid=700 uid=0 comm=\"true\" exe=\"/bin/true\"\n"
"type=EOE msg=audit(1700000300.000:10): \n"
"type=SYSCALL msg=audit(1700000300.100:11): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=700 uid=0 comm=\"cat\" exe=\"/bin/cat\"\n"
"type=PATH msg=audit(1700000300.100:11): item=0 name=2F6574632F70617373776 inode=9 dev=fd:01 nametype=NORMAL\n"
"type=EOE msg=audit(1700000300.100:11): \n");
	ck_assert_int_eq(rec_nev, 2);
	ck_assert_int_eq(rec_ev[0].sysno, SYS_execve);
	ck_assert_str_eq(aev_str(&rec_ev[0], rec_ev[0].items[0].name),
			 "/bin/true");
	ck_assert_int_eq(rec_ev[1].nitems, 1);
	ck_assert_ptr_null(aev_str(&rec_ev[1], rec_ev[1].items[0].name));
	ck_assert(rec_ev[1].items[0].bad_name);
	ck_assert_uint_eq(rec_ev[1].items[0].ino, 9);
	ck_assert_uint_eq(st.bad_fields, 0);
	ck_assert_uint_eq(st.bad_names, 1);
	ck_assert_uint_eq(st.bad, 0);
}
END_TEST

/* sh (100) forks 101, which execs cat, reads /s/secret, writes /s/out:
 * the same run on i386 and on aarch64 backtracks from /s/out to the
 * secret through cat.  (i386's fork is x86-64's open, its execve is
 * munmap; aarch64's execve is fadvise64.) */
START_TEST(i386_and_aarch64_logs_backtrack)
{
	static const char i386[] =
"type=SYSCALL msg=audit(1700000400.000:1): arch=40000003 syscall=2 success=yes exit=101 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 uid=0 comm=\"sh\" exe=\"/bin/sh\"\n"
"type=EOE msg=audit(1700000400.000:1): \n"
"type=SYSCALL msg=audit(1700000400.100:2): arch=40000003 syscall=11 success=yes exit=0 a0=0 a1=0 a2=0 a3=0 items=1 ppid=100 pid=101 uid=0 comm=\"cat\" exe=\"/bin/cat\"\n"
"type=EXECVE msg=audit(1700000400.100:2): argc=2 a0=\"cat\" a1=\"/s/secret\"\n"
"type=PATH msg=audit(1700000400.100:2): item=0 name=\"/bin/cat\" inode=11 dev=08:01 nametype=NORMAL\n"
"type=EOE msg=audit(1700000400.100:2): \n"
"type=SYSCALL msg=audit(1700000400.200:3): arch=40000003 syscall=5 success=yes exit=3 a0=804a000 a1=0 a2=0 a3=0 items=1 ppid=100 pid=101 uid=0 comm=\"cat\" exe=\"/bin/cat\"\n"
"type=PATH msg=audit(1700000400.200:3): item=0 name=\"/s/secret\" inode=12 dev=08:01 nametype=NORMAL\n"
"type=EOE msg=audit(1700000400.200:3): \n"
"type=SYSCALL msg=audit(1700000400.300:4): arch=40000003 syscall=295 success=yes exit=4 a0=ffffff9c a1=804a010 a2=241 a3=1b6 items=2 ppid=100 pid=101 uid=0 comm=\"cat\" exe=\"/bin/cat\"\n"
"type=PATH msg=audit(1700000400.300:4): item=0 name=\"/s/\" inode=10 dev=08:01 nametype=PARENT\n"
"type=PATH msg=audit(1700000400.300:4): item=1 name=\"/s/out\" inode=13 dev=08:01 nametype=CREATE\n"
"type=EOE msg=audit(1700000400.300:4): \n";
	static const char aarch64[] =
"type=SYSCALL msg=audit(1700000400.000:1): arch=c00000b7 syscall=220 success=yes exit=101 a0=1200011 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 uid=0 comm=\"sh\" exe=\"/bin/sh\"\n"
"type=EOE msg=audit(1700000400.000:1): \n"
"type=SYSCALL msg=audit(1700000400.100:2): arch=c00000b7 syscall=221 success=yes exit=0 a0=0 a1=0 a2=0 a3=0 items=1 ppid=100 pid=101 uid=0 comm=\"cat\" exe=\"/bin/cat\"\n"
"type=EXECVE msg=audit(1700000400.100:2): argc=2 a0=\"cat\" a1=\"/s/secret\"\n"
"type=PATH msg=audit(1700000400.100:2): item=0 name=\"/bin/cat\" inode=11 dev=08:01 nametype=NORMAL\n"
"type=EOE msg=audit(1700000400.100:2): \n"
"type=SYSCALL msg=audit(1700000400.200:3): arch=c00000b7 syscall=56 success=yes exit=3 a0=ffffff9c a1=aaaa a2=0 a3=0 items=1 ppid=100 pid=101 uid=0 comm=\"cat\" exe=\"/bin/cat\"\n"
"type=PATH msg=audit(1700000400.200:3): item=0 name=\"/s/secret\" inode=12 dev=08:01 nametype=NORMAL\n"
"type=EOE msg=audit(1700000400.200:3): \n"
"type=SYSCALL msg=audit(1700000400.300:4): arch=c00000b7 syscall=56 success=yes exit=4 a0=ffffff9c a1=aaab a2=241 a3=1b6 items=2 ppid=100 pid=101 uid=0 comm=\"cat\" exe=\"/bin/cat\"\n"
"type=PATH msg=audit(1700000400.300:4): item=0 name=\"/s/\" inode=10 dev=08:01 nametype=PARENT\n"
"type=PATH msg=audit(1700000400.300:4): item=1 name=\"/s/out\" inode=13 dev=08:01 nametype=CREATE\n"
"type=EOE msg=audit(1700000400.300:4): \n";
	const char *logs[] = { i386, aarch64 };
	int i;

	for (i = 0; i < 2; i++) {
		const char *log = tu_path("arch.btl");
		struct bt_graph *g = NULL;
		struct bt_result *res;

		ck_assert_msg(import(log, logs[i], 0) == 0, "%s",
			      bt_error_msg());
		ck_assert_uint_eq(last_stats.unknown, 0);
		ck_assert_uint_eq(last_stats.arch_other, 0);
		res = backtrack(&g, log, "file:/s/out");
		ck_assert_msg(has_node(res, BT_OBJ_FILE, "/s/secret", 0),
			      "%s: /s/out does not reach /s/secret",
			      i ? "aarch64" : "i386");
		ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 101));
		ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 100));
		ck_assert(has_node(res, BT_OBJ_FILE, "/bin/cat", 0));
		bt_result_free(res);
		bt_graph_free(g);
	}
}
END_TEST

/* A ppc64 log: its syscall 2 (fork) must not become x86-64's open. */
START_TEST(other_architectures_are_counted_not_decoded)
{
	static const char text[] =
"type=SYSCALL msg=audit(1700000500.000:1): arch=80000015 syscall=5 success=yes exit=3 a0=0 a1=0 a2=0 a3=0 items=1 ppid=1 pid=800 uid=0 comm=\"cat\" exe=\"/bin/cat\"\n"
"type=PATH msg=audit(1700000500.000:1): item=0 name=\"/etc/shadow\" inode=5 dev=08:01 nametype=NORMAL\n"
"type=EOE msg=audit(1700000500.000:1): \n"
"type=SYSCALL msg=audit(1700000500.100:2): arch=80000015 syscall=2 success=yes exit=801 a0=0 a1=0 a2=0 a3=0 items=1 ppid=1 pid=800 uid=0 comm=\"sh\" exe=\"/bin/sh\"\n"
"type=PATH msg=audit(1700000500.100:2): item=0 name=\"/etc/passwd\" inode=6 dev=08:01 nametype=NORMAL\n"
"type=EOE msg=audit(1700000500.100:2): \n";
	const char *log = tu_path("ppc.btl");
	struct bt_graph *g = NULL;
	uint32_t obj;
	uint64_t t;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	ck_assert_uint_eq(last_stats.arch_other, 2);
	ck_assert_uint_eq(last_stats.arch_other_first, 0x80000015u);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert_int_ne(bt_spec_resolve(&obj, &t, g, "file:/etc/passwd"), 0);
	ck_assert_int_ne(bt_spec_resolve(&obj, &t, g, "file:/etc/shadow"), 0);
	bt_graph_free(g);
}
END_TEST

/* exit_group records have no success= field: not failed syscalls. */
START_TEST(exit_group_is_not_a_failed_syscall)
{
	static const char text[] =
"type=SYSCALL msg=audit(1700000600.000:1): arch=c000003e syscall=231 a0=0 a1=3c a2=0 a3=7f items=0 ppid=1 pid=900 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=2 comm=\"true\" exe=\"/usr/bin/true\" key=\"exit\"\n"
"type=EOE msg=audit(1700000600.000:1): \n";

	ck_assert_msg(import(tu_path("x.btl"), text, 0) == 0, "%s",
		      bt_error_msg());
	ck_assert_uint_eq(last_stats.events, 1);
	ck_assert_uint_eq(last_stats.failed, 0);
}
END_TEST

/* laurel-style quoted values and prefixed lines end to end: a backtrack
 * from /o reaches /i through cat. */
START_TEST(quoted_and_prefixed_logs_backtrack)
{
	static const char text[] =
"Nov 30 10:00:00 host audispd: node=h1 type=SYSCALL msg=audit(1700000700.000:1): arch=c000003e syscall=59 success=\"yes\" exit=0 a0=1 a1=2 a2=3 a3=0 items=1 ppid=1 pid=950 uid=1000 comm=\"cat\" exe=\"/bin/cat\"\n"
"Nov 30 10:00:00 host audispd: node=h1 type=EXECVE msg=audit(1700000700.000:1): argc=1 a0=\"cat\"\n"
"Nov 30 10:00:00 host audispd: node=h1 type=PATH msg=audit(1700000700.000:1): item=0 name=\"/bin/cat\" inode=\"2\" dev=\"08:01\" nametype=\"NORMAL\"\n"
"Nov 30 10:00:00 host audispd: node=h1 type=EOE msg=audit(1700000700.000:1): \n"
"node=h1 type=SYSCALL msg=audit(1700000700.100:2): arch=c000003e syscall=257 success=\"yes\" exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=950 uid=1000 comm=\"cat\" exe=\"/bin/cat\"\n"
"node=h1 type=PATH msg=audit(1700000700.100:2): item=0 name=\"/i\" inode=\"3\" dev=\"08:01\" nametype=\"NORMAL\"\n"
"node=h1 type=EOE msg=audit(1700000700.100:2): \n"
"Nov 30 10:00:01 host kernel: audit: type=1300 audit(1700000700.200:3): arch=c000003e syscall=257 success=yes exit=4 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=950 uid=1000 comm=\"cat\" exe=\"/bin/cat\"\n"
"Nov 30 10:00:01 host kernel: audit: type=1302 audit(1700000700.200:3): item=0 name=\"/\" inode=1 dev=08:01 nametype=PARENT\n"
"Nov 30 10:00:01 host kernel: audit: type=1302 audit(1700000700.200:3): item=1 name=\"/o\" inode=4 dev=08:01 nametype=CREATE\n"
"Nov 30 10:00:01 host kernel: audit: type=1320 audit(1700000700.200:3): \n";
	const char *log = tu_path("q.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;
	uint32_t id;
	struct bt_object_info info;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	ck_assert_uint_eq(last_stats.failed, 0);
	res = backtrack(&g, log, "file:/o");
	ck_assert(has_node(res, BT_OBJ_FILE, "/i", 0));
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 950));
	bt_result_free(res);
	ck_assert_int_eq(bt_graph_find_process(g, 950, 0, &id), 0);
	ck_assert_int_eq(bt_graph_object(g, id, &info), 0);
	ck_assert_str_eq(info.exe, "/bin/cat");
	bt_graph_free(g);
}
END_TEST

/* A file known by its inode and no name (a malformed one). */
static int has_unnamed_file(const struct bt_result *res, uint64_t ino)
{
	size_t i;

	for (i = 0; i < res->nnodes; i++) {
		struct bt_object_info info;

		if (res->nodes[i].kind != BT_OBJ_FILE)
			continue;
		ck_assert_int_eq(bt_graph_object(res->g, res->nodes[i].obj,
						 &info), 0);
		if (info.ino == ino && !info.path)
			return 1;
	}
	return 0;
}

/* A hex name of odd length, not hex, or with a NUL inside ("2F00" is not
 * "/") no longer drops its event, nor names another file: the read is
 * kept, its file known by its inode, the name counted as malformed. */
START_TEST(odd_hex_name_keeps_its_event)
{
	static const char text[] =
"type=SYSCALL msg=audit(1700000800.000:1): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=960 uid=0 comm=\"cat\" exe=\"/bin/cat\"\n"
"type=PATH msg=audit(1700000800.000:1): item=0 name=2F6574632F70617373776 inode=5 dev=08:01 nametype=NORMAL\n"
"type=EOE msg=audit(1700000800.000:1): \n"
"type=SYSCALL msg=audit(1700000800.100:2): arch=c000003e syscall=257 success=yes exit=4 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=960 uid=0 comm=\"cat\" exe=\"/bin/cat\"\n"
"type=PATH msg=audit(1700000800.100:2): item=0 name=\"/\" inode=1 dev=08:01 nametype=PARENT\n"
"type=PATH msg=audit(1700000800.100:2): item=1 name=\"/o\" inode=6 dev=08:01 nametype=CREATE\n"
"type=EOE msg=audit(1700000800.100:2): \n";
	const char *log = tu_path("odd.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;

	static const char *const names[] = {
		"2F6574632F70617373776", "2F6574632G", "2F00", "2F6574630078",
	};
	char *t = malloc(sizeof(text) + 64);
	size_t i;
	const char *at;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		/* the same log with name=NAME in the first PATH record */
		at = strstr(text, "name=2F");
		snprintf(t, sizeof(text) + 64, "%.*s%s%s", (int)(at + 5 - text),
			 text, names[i], strchr(at, ' '));
		ck_assert_msg(import(log, t, 0) == 0, "%s", bt_error_msg());
		ck_assert_uint_eq(last_stats.bad_fields, 0);
		ck_assert_uint_eq(last_stats.bad_names, 1);
		ck_assert_uint_eq(last_stats.bad_name_skipped, 0);
		res = backtrack(&g, log, "file:/o");
		ck_assert_msg(has_unnamed_file(res, 5), "%s", names[i]);
		ck_assert(!has_node(res, BT_OBJ_FILE, "/etc/passw", 0));
		ck_assert(!has_node(res, BT_OBJ_FILE, "/", 0));
		ck_assert(!has_node(res, BT_OBJ_FILE, "/etc", 0));
		bt_result_free(res);
		bt_graph_free(g);
		g = NULL;
	}
	free(t);
}
END_TEST

/* connect with a SOCKADDR, then many accepts on the same fd without one:
 * each accepted fd takes the endpoint from the connected fd's entry while
 * the fd table's strings grow (a use-after-free under ASan, issue 8 item
 * 14).  The endpoint stays linked. */
START_TEST(connect_then_accept_same_fd_keep_the_endpoint)
{
	char *text = malloc(1 << 20);
	size_t n = 0;
	int i;
	const char *log = tu_path("uaf.btl");
	struct bt_graph *g = NULL;
	uint32_t obj;
	uint64_t t;

	ck_assert_ptr_nonnull(text);
	n += (size_t)sprintf(text + n,
"type=SYSCALL msg=audit(1700000900.000:1): arch=c000003e syscall=42 success=yes exit=0 a0=3 a1=7ff a2=10 a3=0 items=0 ppid=1 pid=970 uid=0 comm=\"nc\" exe=\"/bin/nc\"\n"
"type=SOCKADDR msg=audit(1700000900.000:1): saddr=020000500A0000010000000000000000\n"
"type=EOE msg=audit(1700000900.000:1): \n");
	for (i = 0; i < 2000; i++)
		n += (size_t)sprintf(text + n,
"type=SYSCALL msg=audit(1700000901.%03d:%d): arch=c000003e syscall=43 success=yes exit=%d a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=970 uid=0 comm=\"nc\" exe=\"/bin/nc\"\n"
"type=EOE msg=audit(1700000901.%03d:%d): \n", i % 1000, i + 2, i + 4,
				     i % 1000, i + 2);
	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	free(text);
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert_int_eq(bt_spec_resolve(&obj, &t, g, "endpoint:10.0.0.1:80"),
			 0);
	bt_graph_free(g);
}
END_TEST



/* A process first seen through its own records (its parent unknown) has
 * the uid its SYSCALL record gives (issue 8 item 9), not -1. */
START_TEST(first_seen_process_has_its_records_uid)
{
	const char *log = tu_path("uid.btl");
	struct bt_graph *g = NULL;
	struct bt_object_info info;
	uint32_t obj;

	ck_assert_msg(import(log,
"type=SYSCALL msg=audit(1700000900.000:1): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ff a2=0 a3=0 items=1 ppid=400 pid=500 uid=1000 gid=1000 euid=1000 egid=1000 comm=\"cat\" exe=\"/usr/bin/cat\"\n"
"type=CWD msg=audit(1700000900.000:1): cwd=\"/home/u\"\n"
"type=PATH msg=audit(1700000900.000:1): item=0 name=\"notes.txt\" inode=77 dev=08:01 mode=0100644 ouid=1000 ogid=1000 rdev=00:00 nametype=NORMAL\n"
"type=EOE msg=audit(1700000900.000:1): \n", 0) == 0, "%s", bt_error_msg());
	ck_assert_int_eq(bt_graph_load(&g, log, NULL, NULL), 0);
	ck_assert_int_eq(bt_graph_find_process(g, 500, 0, &obj), 0);
	ck_assert_int_eq(bt_graph_object(g, obj, &info), 0);
	ck_assert_uint_eq(info.uid, 1000);
	bt_graph_free(g);
}
END_TEST

static void add_record_layer_tests(Suite *s)
{
	TCase *tc = tcase_create("records");

	tcase_add_test(tc, syscall_numbers_follow_each_architecture);
	tcase_add_test(tc, records_decode_each_architecture);
	tcase_add_test(tc, records_accept_every_line_form);
	tcase_add_test(tc, interpreted_time_stamps_say_what_to_do);
	tcase_add_test(tc, mmap_record_flags_are_hex_with_0x);
	tcase_add_test(tc, records_keep_items_in_place_and_bad_fields);
	tcase_add_test(tc, i386_and_aarch64_logs_backtrack);
	tcase_add_test(tc, other_architectures_are_counted_not_decoded);
	tcase_add_test(tc, exit_group_is_not_a_failed_syscall);
	tcase_add_test(tc, quoted_and_prefixed_logs_backtrack);
	tcase_add_test(tc, odd_hex_name_keeps_its_event);
	tcase_add_test(tc, connect_then_accept_same_fd_keep_the_endpoint);
	suite_add_tcase(s, tc);
}

/* ==== end of the record layer's block =================================== */

/* The same reader writes out and closes it before it closes its pipe: the
 * pipe's data may be in out all the same. */
START_TEST(reader_closing_output_before_its_pipe)
{
	static const char text[] =
	SC("100", "1", "22", "exit=0 a0=7ffc a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	"type=FD_PAIR msg=audit(1700000000.100:1): fd0=3 fd1=4\n"
	EOE("100", "1")
	SC("100", "2", "57", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("100", "2")
	SC("100", "3", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("100", "3")
	SC("110", "4", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=100 pid=101 comm=\"p\" exe=\"/bin/p\"")
	EOE("110", "4")
	SC("110", "5", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=100 pid=101 comm=\"p\" exe=\"/bin/p\"")
	CWD("110", "5")
	PATHR("110", "5", "0", "secret", "20", "0100600", "NORMAL")
	EOE("110", "5")
	"type=SYSCALL msg=audit(1700000000.120:6): arch=c000003e syscall=231 a0=0 items=0 ppid=100 pid=101 uid=0 comm=\"p\" exe=\"/bin/p\" key=\"bt\"\n"
	EOE("120", "6")
	SC("125", "7", "257", "exit=5 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	CWD("125", "7")
	PATHR("125", "7", "0", "/w/", "10", "040755", "PARENT")
	PATHR("125", "7", "1", "out", "21", "0100644", "CREATE")
	EOE("125", "7")
	SC("140", "8", "3", "exit=0 a0=5 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("140", "8")
	SC("150", "9", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\"")
	EOE("150", "9");

	sem_import(text);
	ck_assert(sem_reaches("#21", "#20"));
}
END_TEST

/* ==== fidelity2 helper's cases ========================================== */

/*
 * curl | sh (probe-findings A14): curl's non-blocking connect fails with
 * EINPROGRESS (success=no exit=-115) while the connection is made; its
 * sendto/recvfrom on that socket carry no address.  The connect names the
 * socket's peer: the receive is from 127.0.0.1:8000, and the pipe curl
 * writes at its exit may hold what it received.  A connect that really
 * failed (ECONNREFUSED) names nothing.
 */
START_TEST(nonblocking_connect_names_the_peer)
{
	static const char text[] =
	/* curl (100): pipe made by its parent is not needed here */
	"type=SYSCALL msg=audit(1700000000.100:1): arch=c000003e syscall=42 success=no exit=-115 a0=5 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=100 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"curl\" exe=\"/usr/bin/curl\" key=\"bt\"\n"
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=02001F407F000001\n"
	EOE("100", "1")
	SC("110", "2", "44", "exit=80 a0=5 a1=7ffc a2=50 a3=4000 items=0 ppid=1 pid=100 comm=\"curl\" exe=\"/usr/bin/curl\"")
	EOE("110", "2")
	SC("120", "3", "45", "exit=64 a0=5 a1=7ffc a2=19000 a3=0 items=0 ppid=1 pid=100 comm=\"curl\" exe=\"/usr/bin/curl\"")
	EOE("120", "3")
	/* a refused connect on another socket: nothing */
	"type=SYSCALL msg=audit(1700000000.130:4): arch=c000003e syscall=42 success=no exit=-111 a0=6 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=100 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"curl\" exe=\"/usr/bin/curl\" key=\"bt\"\n"
	"type=SOCKADDR msg=audit(1700000000.130:4): saddr=020000507F000001\n"
	EOE("130", "4");
	const struct sem_obs *s;

	sem_import(text);
	s = sem_find(BT_RAW_CONNECT, 100);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->remote, "127.0.0.1:8000");
	ck_assert_uint_eq(sem_count(BT_RAW_CONNECT, 100, NULL), 1);
	s = sem_find(BT_RAW_RECV, 100);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->remote, "127.0.0.1:8000");
	s = sem_find(BT_RAW_SEND, 100);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->remote, "127.0.0.1:8000");
	ck_assert_uint_eq(sem_stats.gaps, 0);
	ck_assert_uint_eq(sem_stats.failed, 1);
}
END_TEST

/*
 * accept(fd, NULL, NULL) (probe-findings A6) on a listener bound to a
 * loopback address with its port: every client is on this host, so when
 * the log shows exactly one connect to that address not taken by an
 * earlier accept, the accepted peer is that client: the server's accept
 * names the address the client connected to (one endpoint joins them).
 * Two connects waiting: which one was accepted, the log cannot tell: the
 * peer stays "unknown peer on local ...".
 */
START_TEST(null_accept_joins_the_only_waiting_connect)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=02001F907F000001\n"
	EOE("100", "1")
	SC("110", "2", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.110:2): saddr=02001F907F000001\n"
	EOE("110", "2")
	SC("120", "3", "43", "exit=5 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("120", "3")
	/* two clients wait: not told apart */
	SC("130", "4", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=201 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.130:4): saddr=02001F907F000001\n"
	EOE("130", "4")
	SC("131", "5", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=202 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.131:5): saddr=02001F907F000001\n"
	EOE("131", "5")
	SC("140", "6", "43", "exit=6 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("140", "6")
	/* one left, but uncertain (either may have been taken) */
	SC("150", "7", "43", "exit=7 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("150", "7");
	size_t k, n = 0;

	sem_import(text);
	for (k = 0; k < nsem; k++) {
		if (sem[k].op != BT_RAW_ACCEPT)
			continue;
		if (n == 0)
			ck_assert_str_eq(sem[k].remote, "127.0.0.1:8080");
		else
			ck_assert_str_eq(sem[k].remote,
					 "unknown peer on local 127.0.0.1:8080");
		n++;
	}
	ck_assert_uint_eq(n, 3);
	/* the client's connect names the same endpoint */
	ck_assert_str_eq(sem_find(BT_RAW_CONNECT, 200)->remote,
			 "127.0.0.1:8080");
}
END_TEST

/*
 * The joined connection's data: the server lets go of its accepted socket
 * (a receive inferred then) while the client still holds its own; the
 * client's send is otherwise dated at its later close, after the
 * server's receive, and a backtrack from what the server wrote would not
 * reach what the client read.  So the client sends then too.
 */
START_TEST(null_accept_receive_follows_the_clients_send)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=02001F907F000001\n"
	EOE("100", "1")
	SC("105", "2", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	CWD("105", "2")
	PATHR("105", "2", "0", "secret", "20", "0100600", "NORMAL")
	EOE("105", "2")
	SC("106", "3", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("106", "3")
	SC("110", "4", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.110:4): saddr=02001F907F000001\n"
	EOE("110", "4")
	SC("120", "5", "43", "exit=5 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("120", "5")
	SC("130", "6", "3", "exit=0 a0=5 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("130", "6")
	SC("140", "7", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("140", "7");
	const struct sem_obs *recv, *send;

	sem_import(text);
	recv = sem_find(BT_RAW_RECV, 100);
	send = sem_find(BT_RAW_SEND, 200);
	ck_assert_ptr_nonnull(recv);
	ck_assert_ptr_nonnull(send);
	ck_assert_str_eq(recv->remote, "127.0.0.1:8080");
	ck_assert_str_eq(send->remote, "127.0.0.1:8080");
	ck_assert_uint_le(send->time, recv->time);
	ck_assert_uint_gt(send->time, sem_find(BT_RAW_READ, 200)->time);
}
END_TEST

/*
 * Download and run (session 8, workloads-attack dlrun): a listener that
 * accepts with the client's address (127.0.0.1:40000) and whose recvfrom
 * is in the log receives while the client still holds its socket (bash's
 * `cat secret > /dev/tcp/...`, whose write is not logged): the client's
 * send was dated at its later close only, after the receive, and a
 * backtrack from the listener's loot lost the secret.  The client sends
 * before the receive too; a client of another service does not.
 */
START_TEST(accepted_receive_follows_the_clients_send)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=02001F907F000001\n"
	EOE("100", "1")
	SC("101", "2", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=300 comm=\"oth\" exe=\"/bin/oth\"")
	"type=SOCKADDR msg=audit(1700000000.101:2): saddr=020023827F000001\n"
	EOE("101", "2")
	SC("105", "3", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	CWD("105", "3")
	PATHR("105", "3", "0", "secret", "20", "0100600", "NORMAL")
	EOE("105", "3")
	SC("106", "4", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("106", "4")
	SC("110", "5", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.110:5): saddr=02001F907F000001\n"
	EOE("110", "5")
	SC("120", "6", "288", "exit=5 a0=3 a1=7ffc a2=7ffc a3=80000 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.120:6): saddr=02009C407F000001\n"
	EOE("120", "6")
	SC("125", "7", "45", "exit=22 a0=5 a1=7ffc a2=1000 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("125", "7")
	SC("140", "8", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("140", "8")
	SC("150", "9", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=300 comm=\"oth\" exe=\"/bin/oth\"")
	EOE("150", "9");
	const struct sem_obs *recv, *send;
	size_t k;

	sem_import(text);
	recv = sem_find(BT_RAW_RECV, 100);
	send = sem_find(BT_RAW_SEND, 200);
	ck_assert_ptr_nonnull(recv);
	ck_assert_ptr_nonnull(send);
	ck_assert_str_eq(recv->remote, "127.0.0.1:40000");
	ck_assert_str_eq(send->remote, "127.0.0.1:8080");
	ck_assert_uint_le(send->time, recv->time);
	ck_assert_uint_gt(send->time, sem_find(BT_RAW_READ, 200)->time);
	/* the client of 127.0.0.1:9090 sends at its close only */
	for (k = 0; k < nsem; k++)
		if (sem[k].op == BT_RAW_SEND && sem[k].pid == 300)
			ck_assert_uint_gt(sem[k].time, recv->time);
	ck_assert_ptr_nonnull(sem_find(BT_RAW_SEND, 300));
}
END_TEST

/*
 * A reverse shell (session 8, workloads-attack revshell): bash reads its
 * commands from a connected socket (whose reads are not logged) and
 * writes a file long before it lets go of the socket: the receive was
 * dated at its exit only, after the write, and the file did not lead back
 * to the attacker.  Before an inferred write the process may have
 * received what was sent to it by then: a receive first.
 */
START_TEST(connected_socket_received_before_a_write)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=100 comm=\"atk\" exe=\"/bin/atk\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=02001F907F000001\n"
	EOE("100", "1")
	SC("110", "2", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=200 comm=\"bash\" exe=\"/bin/bash\"")
	"type=SOCKADDR msg=audit(1700000000.110:2): saddr=02001F907F000001\n"
	EOE("110", "2")
	SC("120", "3", "288", "exit=5 a0=3 a1=7ffc a2=7ffc a3=80000 items=0 ppid=1 pid=100 comm=\"atk\" exe=\"/bin/atk\"")
	"type=SOCKADDR msg=audit(1700000000.120:3): saddr=02009C407F000001\n"
	EOE("120", "3")
	SC("125", "4", "44", "exit=30 a0=5 a1=7ffc a2=1e a3=0 items=0 ppid=1 pid=100 comm=\"atk\" exe=\"/bin/atk\"")
	EOE("125", "4")
	SC("130", "5", "257", "exit=5 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=200 comm=\"bash\" exe=\"/bin/bash\"")
	CWD("130", "5")
	PATHR("130", "5", "0", "/w/", "10", "040755", "PARENT")
	PATHR("130", "5", "1", "marker", "21", "0100644", "CREATE")
	EOE("130", "5")
	SC("131", "6", "3", "exit=0 a0=5 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"bash\" exe=\"/bin/bash\"")
	EOE("131", "6")
	"type=SYSCALL msg=audit(1700000000.150:7): arch=c000003e syscall=231 a0=0 items=0 ppid=1 pid=200 uid=0 comm=\"bash\" exe=\"/bin/bash\" key=\"bt\"\n"
	EOE("150", "7");
	const struct sem_obs *recv = NULL, *w = NULL;
	size_t k;

	sem_import(text);
	for (k = 0; k < nsem; k++) {
		if (sem[k].pid != 200)
			continue;
		if (sem[k].op == BT_RAW_RECV && !recv)
			recv = &sem[k];
		if (sem[k].op == BT_RAW_WRITE && sem[k].has_ino &&
		    sem[k].ino == 21)
			w = &sem[k];
	}
	ck_assert_ptr_nonnull(recv);
	ck_assert_ptr_nonnull(w);
	ck_assert_str_eq(recv->remote, "127.0.0.1:8080");
	ck_assert_uint_le(recv->time, w->time);
	ck_assert_uint_gt(recv->time, sem_find(BT_RAW_SEND, 100)->time);
}
END_TEST

/* Not a unix socket: a service's stdout connected to journald would make
 * journald a cause of every file the service writes. */
START_TEST(unix_socket_not_received_before_a_write)
{
	static const char text[] =
	SC("110", "1", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=200 comm=\"svc\" exe=\"/bin/svc\"")
	"type=SOCKADDR msg=audit(1700000000.110:1): saddr=01002F72756E2F782E736F636B00\n"
	EOE("110", "1")
	SC("130", "2", "257", "exit=5 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=200 comm=\"svc\" exe=\"/bin/svc\"")
	CWD("130", "2")
	PATHR("130", "2", "0", "/w/", "10", "040755", "PARENT")
	PATHR("130", "2", "1", "out", "21", "0100644", "CREATE")
	EOE("130", "2")
	SC("131", "3", "3", "exit=0 a0=5 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"svc\" exe=\"/bin/svc\"")
	EOE("131", "3");
	size_t k;

	sem_import(text);
	ck_assert_ptr_nonnull(sem_find(BT_RAW_CONNECT, 200));
	ck_assert_ptr_nonnull(sem_find(BT_RAW_WRITE, 200));
	for (k = 0; k < nsem; k++)
		ck_assert(!(sem[k].op == BT_RAW_RECV && sem[k].pid == 200));
}
END_TEST

/*
 * UDP (session 8, workloads-attack udpx): sendto with an address on a
 * socket whose socket(2) is not logged, recvfrom on a bound one.  Each
 * end is (peer, own address): the receiver's own is its bind, the
 * sender's half-known (its ephemeral port is not logged) and the same for
 * each of its datagrams, so that the two ends can join; both were
 * without a local, and the datagram led nowhere.
 */
START_TEST(datagram_ends_have_their_local)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=020023827F000001\n"
	EOE("100", "1")
	SC("110", "2", "44", "exit=22 a0=3 a1=7ffc a2=16 a3=0 items=0 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"")
	"type=SOCKADDR msg=audit(1700000000.110:2): saddr=020023827F000001\n"
	EOE("110", "2")
	SC("115", "3", "44", "exit=22 a0=3 a1=7ffc a2=16 a3=0 items=0 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"")
	"type=SOCKADDR msg=audit(1700000000.115:3): saddr=020023827F000001\n"
	EOE("115", "3")
	SC("120", "4", "45", "exit=22 a0=3 a1=7ffc a2=1000 a3=0 items=0 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"")
	"type=SOCKADDR msg=audit(1700000000.120:4): saddr=02009C407F000001\n"
	EOE("120", "4");
	const char *local = NULL;
	const struct sem_obs *recv;
	size_t k, n = 0;

	sem_import(text);
	recv = sem_find(BT_RAW_RECV, 100);
	ck_assert_ptr_nonnull(recv);
	ck_assert_str_eq(recv->remote, "127.0.0.1:40000");
	ck_assert_str_eq(recv->local, "127.0.0.1:9090");
	for (k = 0; k < nsem; k++) {
		if (sem[k].op != BT_RAW_SEND || sem[k].pid != 200)
			continue;
		ck_assert_str_eq(sem[k].remote, "127.0.0.1:9090");
		ck_assert(sem[k].local[0] == '?');
		if (local)
			ck_assert_str_eq(sem[k].local, local);
		local = sem[k].local;
		n++;
	}
	ck_assert_uint_eq(n, 2);
}
END_TEST

/*
 * Audit stamps an event at syscall entry and writes it at exit (session
 * 8, workloads-attack dlrun under python urllib): a client's recvfrom
 * that waited for the server's reply is stamped before the server's
 * sendto but written after it; dated at its stamp it came before the
 * send, and the downloaded file did not lead back to what was served.
 * It is dated by the records written before it.
 */
START_TEST(blocking_receive_dated_after_what_was_written_before)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=02001F907F000001\n"
	EOE("100", "1")
	SC("110", "2", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.110:2): saddr=02001F907F000001\n"
	EOE("110", "2")
	SC("120", "3", "288", "exit=5 a0=3 a1=7ffc a2=7ffc a3=80000 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.120:3): saddr=02009C407F000001\n"
	EOE("120", "3")
	SC("130", "5", "44", "exit=30 a0=5 a1=7ffc a2=1e a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("130", "5")
	SC("125", "6", "45", "exit=30 a0=4 a1=7ffc a2=1000 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("125", "6")
	/* the client then writes what it got, in the same millisecond:
	 * the receive still comes first */
	SC("130", "7", "257", "exit=5 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	CWD("130", "7")
	PATHR("130", "7", "0", "/w/", "10", "040755", "PARENT")
	PATHR("130", "7", "1", "out", "21", "0100644", "CREATE")
	EOE("130", "7")
	SC("130", "8", "3", "exit=0 a0=5 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("130", "8");
	const struct sem_obs *recv, *send, *w = NULL;
	size_t k;

	sem_import(text);
	recv = sem_find(BT_RAW_RECV, 200);
	send = sem_find(BT_RAW_SEND, 100);
	ck_assert_ptr_nonnull(recv);
	ck_assert_ptr_nonnull(send);
	ck_assert_uint_ge(recv->time, send->time);
	for (k = 0; k < nsem; k++)
		if (sem[k].op == BT_RAW_WRITE && sem[k].pid == 200 &&
		    sem[k].has_ino && sem[k].ino == 21)
			w = &sem[k];
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_lt(recv->time, w->time);
}
END_TEST

static void add_fidelity2_tests(Suite *s)
{
	TCase *tc = tcase_create("fidelity2");

	tcase_add_test(tc, nonblocking_connect_names_the_peer);
	tcase_add_test(tc, null_accept_joins_the_only_waiting_connect);
	tcase_add_test(tc, null_accept_receive_follows_the_clients_send);
	tcase_add_test(tc, accepted_receive_follows_the_clients_send);
	tcase_add_test(tc, connected_socket_received_before_a_write);
	tcase_add_test(tc, unix_socket_not_received_before_a_write);
	tcase_add_test(tc, datagram_ends_have_their_local);
	tcase_add_test(tc, blocking_receive_dated_after_what_was_written_before);
	suite_add_tcase(s, tc);
}

/* ---- fidelity (session 7): real programs' patterns ---------------------- */

/* Is there an observation op by pid of inode ino at time ms (ms after the
 * log's second)? */
static bool sem_at(unsigned op, uint32_t pid, uint64_t ino, unsigned ms)
{
	size_t k;

	for (k = 0; k < nsem; k++)
		if (sem[k].op == op && sem[k].pid == pid && sem[k].has_ino &&
		    sem[k].ino == ino &&
		    sem[k].time / 1000000ULL % 1000 == ms)
			return true;
	return false;
}

#define P(pid, ppid) "ppid=" ppid " pid=" pid " comm=\"p\" exe=\"/bin/p\""

/* dd if=secret of=f & dd if=f of=out: the reader opens the FIFO before
 * the writer has written anything; its reads go on until it lets go of
 * it, so out depends on secret. */
START_TEST(fifo_is_read_until_its_reader_lets_go)
{
	static const char text[] =
	SC("100", "1", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 " P("101", "1"))
	CWD("100", "1")
	PATHR("100", "1", "0", "f", "30", "010644", "NORMAL")
	EOE("100", "1")
	SC("105", "2", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 " P("102", "1"))
	CWD("105", "2")
	PATHR("105", "2", "0", "secret", "20", "0100600", "NORMAL")
	EOE("105", "2")
	SC("106", "3", "257", "exit=4 a0=ffffff9c a1=1 a2=1 a3=0 items=1 " P("102", "1"))
	CWD("106", "3")
	PATHR("106", "3", "0", "f", "30", "010644", "NORMAL")
	EOE("106", "3")
	SC("120", "4", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 " P("102", "1"))
	EOE("120", "4")
	SC("130", "5", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 " P("101", "1"))
	EOE("130", "5")
	SC("140", "6", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 " P("101", "1"))
	CWD("140", "6")
	PATHR("140", "6", "0", "/w/", "10", "040755", "PARENT")
	PATHR("140", "6", "1", "out", "21", "0100644", "CREATE")
	EOE("140", "6")
	SC("150", "7", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 " P("101", "1"))
	EOE("150", "7");

	sem_import(text);
	ck_assert(sem_at(BT_RAW_READ, 101, 30, 130));
	ck_assert(sem_reaches("#21", "#20"));
}
END_TEST

/* multiprocessing.shared_memory: the parent maps a segment shared, a
 * worker it forked writes the secret into it and exits, the parent then
 * writes what it reads from the segment into out.  The touches are not
 * logged: the parent's mapping is read before its write of out, the
 * worker's written when it exits; a file read after out is not in it. */
START_TEST(shared_mapping_is_read_and_written_until_exit)
{
	static const char text[] =
	SC("100", "1", "257", "exit=3 a0=ffffff9c a1=1 a2=242 a3=180 items=2 " P("100", "1"))
	CWD("100", "1")
	PATHR("100", "1", "0", "/dev/shm/", "11", "041777", "PARENT")
	PATHR("100", "1", "1", "/dev/shm/m", "40", "0100600", "CREATE")
	EOE("100", "1")
	SC("101", "2", "9", "exit=139800000000 a0=0 a1=1000 a2=3 a3=1 items=0 " P("100", "1"))
	"type=MMAP msg=audit(1700000000.101:2): fd=3 flags=0x1\n"
	EOE("101", "2")
	SC("102", "3", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 " P("100", "1"))
	EOE("102", "3")
	SC("103", "4", "57", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 " P("100", "1"))
	EOE("103", "4")
	SC("110", "5", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 " P("101", "100"))
	CWD("110", "5")
	PATHR("110", "5", "0", "secret", "20", "0100600", "NORMAL")
	EOE("110", "5")
	SC("111", "6", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 " P("101", "100"))
	EOE("111", "6")
	"type=SYSCALL msg=audit(1700000000.120:7): arch=c000003e syscall=231 a0=0 items=0 " P("101", "100") " uid=0 key=\"bt\"\n"
	EOE("120", "7")
	SC("130", "8", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 " P("100", "1"))
	CWD("130", "8")
	PATHR("130", "8", "0", "/w/", "10", "040755", "PARENT")
	PATHR("130", "8", "1", "out", "21", "0100644", "CREATE")
	EOE("130", "8")
	SC("140", "9", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 " P("100", "1"))
	EOE("140", "9")
	SC("150", "10", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 " P("100", "1"))
	CWD("150", "10")
	PATHR("150", "10", "0", "decoy", "22", "0100600", "NORMAL")
	EOE("150", "10");

	sem_import(text);
	ck_assert(sem_at(BT_RAW_WRITE, 101, 40, 120));
	ck_assert(sem_at(BT_RAW_READ, 100, 40, 140));
	ck_assert(sem_reaches("#21", "#20"));
	ck_assert(!sem_reaches("#21", "#22"));
}
END_TEST

/* chroot("jail") from /w, then chdir("/") (not logged): audit logs "/o"
 * and cwd="/"; the file is /w/jail/o.  A relative name from the cwd kept
 * outside the root (logged as seen from the real root) is left alone. */
START_TEST(chroot_names_are_under_the_root)
{
	static const char text[] =
	SC("100", "1", "161", "exit=0 a0=1 a1=0 a2=0 a3=0 items=1 " P("100", "1"))
	CWD("100", "1")
	PATHR("100", "1", "0", "jail", "50", "040755", "NORMAL")
	EOE("100", "1")
	SC("110", "2", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 " P("100", "1"))
	CWD("110", "2")
	PATHR("110", "2", "0", "/w", "10", "040755", "PARENT")
	PATHR("110", "2", "1", "rel", "52", "0100644", "CREATE")
	EOE("110", "2")
	SC("120", "3", "257", "exit=4 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 " P("100", "1"))
	"type=CWD msg=audit(1700000000.120:3): cwd=\"/\"\n"
	PATHR("120", "3", "0", "/", "50", "040755", "PARENT")
	PATHR("120", "3", "1", "/o", "51", "0100644", "CREATE")
	EOE("120", "3")
	SC("130", "4", "57", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 " P("100", "1"))
	EOE("130", "4")
	SC("140", "5", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 " P("101", "100"))
	"type=CWD msg=audit(1700000000.140:5): cwd=\"/\"\n"
	PATHR("140", "5", "0", "/etc/passwd", "53", "0100644", "NORMAL")
	EOE("140", "5");

	sem_import(text);
	ck_assert_uint_eq(sem_count(BT_RAW_CREATE, 100, "/w/jail/o"), 1);
	ck_assert_uint_eq(sem_count(BT_RAW_CREATE, 100, "/o"), 0);
	ck_assert_uint_eq(sem_count(BT_RAW_CREATE, 100, "/w/rel"), 1);
	/* its child is in the root too */
	ck_assert_uint_eq(sem_count(BT_RAW_READ, 101, "/w/jail/etc/passwd"), 1);
	ck_assert_uint_eq(sem_count(BT_RAW_READ, 101, "/etc/passwd"), 0);
}
END_TEST

/* setns into a mount namespace: audit logs the entered process's names
 * from the namespace's root.  Through /proc/200/ns/mnt they are named
 * under /proc/200/root (its child too); through a descriptor the log did
 * not see opened (a pidfd) they are left unnamed; a network namespace or
 * the process's own mount namespace changes no name. */
#define NSOPEN(ms, ser, pid, fd, name) \
	SC(ms, ser, "257", "exit=" fd " a0=ffffff9c a1=1 a2=80000 a3=0 " \
	   "items=1 " P(pid, "1")) \
	CWD(ms, ser) \
	PATHR(ms, ser, "0", name, "4026531841", "0100444", "NORMAL") \
	EOE(ms, ser)
#define NSCREATE(ms, ser, pid, ino, name) \
	SC(ms, ser, "257", "exit=7 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 " \
	   P(pid, "1")) \
	"type=CWD msg=audit(1700000000." ms ":" ser "): cwd=\"/\"\n" \
	PATHR(ms, ser, "0", "/", "50", "040755", "PARENT") \
	PATHR(ms, ser, "1", name, ino, "0100644", "CREATE") \
	EOE(ms, ser)
START_TEST(setns_names_are_under_the_owner_root)
{
	static const char text[] =
	NSOPEN("100", "1", "100", "3", "/proc/200/ns/mnt")
	SC("110", "2", "308", "exit=0 a0=3 a1=20000 a2=0 a3=0 items=0 " P("100", "1"))
	EOE("110", "2")
	NSCREATE("120", "3", "100", "61", "/o2")
	SC("130", "4", "57", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 " P("100", "1"))
	EOE("130", "4")
	NSCREATE("140", "5", "101", "62", "/o3")
	SC("150", "6", "308", "exit=0 a0=5 a1=20000 a2=0 a3=0 items=0 " P("300", "1"))
	EOE("150", "6")
	NSCREATE("160", "7", "300", "63", "/x")
	NSOPEN("170", "8", "400", "3", "/proc/200/ns/net")
	SC("180", "9", "308", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 " P("400", "1"))
	EOE("180", "9")
	NSCREATE("190", "10", "400", "64", "/y")
	NSOPEN("200", "11", "500", "3", "/proc/self/ns/mnt")
	SC("210", "12", "308", "exit=0 a0=3 a1=20000 a2=0 a3=0 items=0 " P("500", "1"))
	EOE("210", "12")
	NSCREATE("220", "13", "500", "65", "/z");

	sem_import(text);
	ck_assert_uint_eq(sem_count(BT_RAW_CREATE, 100, "/proc/200/root/o2"), 1);
	ck_assert_uint_eq(sem_count(BT_RAW_CREATE, 100, "/o2"), 0);
	ck_assert_uint_eq(sem_count(BT_RAW_CREATE, 101, "/proc/200/root/o3"), 1);
	ck_assert_uint_eq(sem_count(BT_RAW_CREATE, 300, "/x"), 0);
	ck_assert(sem_at(BT_RAW_CREATE, 300, 63, 160));  /* by inode */
	ck_assert_uint_eq(sem_count(BT_RAW_CREATE, 400, "/y"), 1);
	ck_assert_uint_eq(sem_count(BT_RAW_CREATE, 500, "/z"), 1);
}
END_TEST
#undef NSOPEN
#undef NSCREATE

/* A login logs the write to /proc/self/loginuid (a LOGIN record) whatever
 * the rules: that shell's later redirections are still inferred. */
START_TEST(login_write_keeps_the_inference)
{
	static const char text[] =
	"type=LOGIN msg=audit(1700000000.100:1): pid=100 uid=0 old-auid=4294967295 auid=0 tty=(none) old-ses=4294967295 ses=1 res=1\n"
	"type=SYSCALL msg=audit(1700000000.100:1): arch=c000003e syscall=1 success=yes exit=2 a0=1 a1=5638 a2=2 a3=0 items=0 " P("100", "1") " auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 key=(null)\n"
	EOE("100", "1")
	SC("110", "2", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 " P("100", "1"))
	CWD("110", "2")
	PATHR("110", "2", "0", "secret", "20", "0100600", "NORMAL")
	EOE("110", "2")
	SC("120", "3", "257", "exit=4 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 " P("100", "1"))
	CWD("120", "3")
	PATHR("120", "3", "0", "/w/", "10", "040755", "PARENT")
	PATHR("120", "3", "1", "out", "21", "0100644", "CREATE")
	EOE("120", "3")
	SC("130", "4", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 " P("100", "1"))
	EOE("130", "4");

	sem_import(text);
	ck_assert(sem_at(BT_RAW_WRITE, 100, 21, 130));
}
END_TEST

/* A file created through a symbolic link is logged name=(null): kept by
 * its inode, and what is written through the descriptor with it. */
START_TEST(create_through_symlink_is_kept_by_inode)
{
	static const char text[] =
	SC("100", "1", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=3 " P("100", "1"))
	CWD("100", "1")
	PATHR("100", "1", "0", "/w", "10", "040755", "PARENT")
	"type=PATH msg=audit(1700000000.100:1): item=1 name=(null) inode=10 dev=fe:00 mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT\n"
	"type=PATH msg=audit(1700000000.100:1): item=2 name=(null) inode=60 dev=fe:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=CREATE\n"
	EOE("100", "1")
	SC("110", "2", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 " P("100", "1"))
	EOE("110", "2");

	sem_import(text);
	ck_assert(sem_at(BT_RAW_CREATE, 100, 60, 100));
	ck_assert(sem_at(BT_RAW_WRITE, 100, 60, 110));
}
END_TEST

/* A process deeper than PATH_MAX: audit logs cwd="<too_long>"; its file
 * is kept by inode, and what it writes there with it. */
START_TEST(too_long_cwd_keeps_the_file_by_inode)
{
	static const char text[] =
	SC("100", "1", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 " P("100", "1"))
	"type=CWD msg=audit(1700000000.100:1): cwd=\"<too_long>\"\n"
	PATHR("100", "1", "0", "<too_long>", "10", "040755", "PARENT")
	PATHR("100", "1", "1", "secret", "70", "0100644", "CREATE")
	EOE("100", "1")
	SC("110", "2", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 " P("100", "1"))
	EOE("110", "2");

	sem_import(text);
	ck_assert(sem_at(BT_RAW_CREATE, 100, 70, 100));
	ck_assert(sem_at(BT_RAW_WRITE, 100, 70, 110));
}
END_TEST

static void add_fidelity7_tests(Suite *s)
{
	TCase *tc = tcase_create("fidelity7");

	tcase_add_test(tc, fifo_is_read_until_its_reader_lets_go);
	tcase_add_test(tc, shared_mapping_is_read_and_written_until_exit);
	tcase_add_test(tc, chroot_names_are_under_the_root);
	tcase_add_test(tc, setns_names_are_under_the_owner_root);
	tcase_add_test(tc, login_write_keeps_the_inference);
	tcase_add_test(tc, create_through_symlink_is_kept_by_inode);
	tcase_add_test(tc, too_long_cwd_keeps_the_file_by_inode);
	suite_add_tcase(s, tc);
}

/* ---- process memory ----------------------------------------------------
 *
 * 100 forks 300; 200 reads /w/secret and writes it into 300's memory
 * (ptrace POKEDATA, after an attach that is no dependency); 300 wrote
 * /w/early before and writes /w/out after.
 */
START_TEST(ptrace_poke_makes_the_target_depend_on_the_tracer)
{
	static const char text[] =
	SC("100", "1", "57", "exit=300 a0=0 a1=0 a2=0 a3=0 items=0 " P("100", "1"))
	EOE("100", "1")
	SC("150", "2", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 " P("300", "100"))
	CWD("150", "2")
	PATHR("150", "2", "0", "/w/", "10", "040755", "PARENT")
	PATHR("150", "2", "1", "early", "30", "0100644", "CREATE")
	EOE("150", "2")
	SC("160", "3", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 " P("300", "100"))
	EOE("160", "3")
	SC("200", "4", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 " P("200", "1"))
	CWD("200", "4")
	PATHR("200", "4", "0", "secret", "20", "0100600", "NORMAL")
	EOE("200", "4")
	SC("210", "5", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 " P("200", "1"))
	EOE("210", "5")
	SC("250", "6", "101", "exit=0 a0=10 a1=12c a2=0 a3=0 items=0 " P("200", "1"))
	EOE("250", "6")
	SC("300", "7", "101", "exit=0 a0=5 a1=12c a2=7ffd a3=6f77 items=0 " P("200", "1"))
	EOE("300", "7")
	SC("400", "8", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 " P("300", "100"))
	CWD("400", "8")
	PATHR("400", "8", "0", "/w/", "10", "040755", "PARENT")
	PATHR("400", "8", "1", "out", "31", "0100644", "CREATE")
	EOE("400", "8")
	SC("410", "9", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 " P("300", "100"))
	EOE("410", "9");
	const char *log = tu_path("m.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	res = backtrack(&g, log, "file:/w/out");
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 200));
	ck_assert(has_node(res, BT_OBJ_FILE, "/w/secret", 0));
	bt_result_free(res);
	bt_graph_free(g);
	g = NULL;
	res = backtrack(&g, log, "file:/w/early");
	ck_assert(!has_node(res, BT_OBJ_PROCESS, NULL, 200));
	ck_assert(!has_node(res, BT_OBJ_FILE, "/w/secret", 0));
	bt_result_free(res);
	bt_graph_free(g);
	/* the target named as 300's own observations name it */
	sem_import(text);
	ck_assert_uint_eq(sem_count(BT_RAW_MEM_WRITE, 200, NULL), 1);
	ck_assert_uint_eq(sem_find(BT_RAW_MEM_WRITE, 200)->peer, 300);
	ck_assert_uint_eq(sem_find(BT_RAW_MEM_WRITE, 200)->peer_start,
			  sem_find(BT_RAW_CREATE, 300)->start);
}
END_TEST

/* Which calls move memory: PEEK and POKE, process_vm_readv/writev that
 * moved bytes; attach, detach, PEEKUSER, GETREGS move none (a tracer is
 * not a reader of everything it traces). */
START_TEST(memory_calls_and_tracer_requests)
{
	static const char text[] =
	SC("100", "1", "101", "exit=0 a0=10 a1=12c a2=0 a3=0 items=0 " P("200", "1"))
	EOE("100", "1")
	SC("110", "2", "101", "exit=0 a0=3 a1=12c a2=78 a3=7ffd items=0 " P("200", "1"))
	EOE("110", "2")
	SC("120", "3", "101", "exit=0 a0=c a1=12c a2=0 a3=7ffd items=0 " P("200", "1"))
	EOE("120", "3")
	SC("130", "4", "101", "exit=0 a0=11 a1=12c a2=0 a3=0 items=0 " P("200", "1"))
	EOE("130", "4")
	SC("140", "5", "101", "exit=0 a0=2 a1=12c a2=7ffd a3=7ffe items=0 " P("200", "1"))
	EOE("140", "5")
	SC("150", "6", "311", "exit=13 a0=12d a1=7ffd a2=1 a3=7ffe items=0 " P("200", "1"))
	EOE("150", "6")
	SC("160", "7", "311", "exit=0 a0=12d a1=7ffd a2=1 a3=7ffe items=0 " P("200", "1"))
	EOE("160", "7")
	SC("170", "8", "310", "exit=64 a0=12e a1=7ffd a2=1 a3=7ffe items=0 " P("200", "1"))
	EOE("170", "8")
	SC32("180", "9", "26", "exit=0 a0=4 a1=12f a2=8000 a3=1 items=0 " P("201", "1"))
	EOE("180", "9")
	SC("190", "10", "101", "exit=0 a0=5 a1=0 a2=8000 a3=1 items=0 " P("200", "1"))
	EOE("190", "10");
	const struct sem_obs *o;

	sem_import(text);
	ck_assert_uint_eq(sem_count(BT_RAW_MEM_READ, 0, NULL), 2);
	ck_assert_uint_eq(sem_count(BT_RAW_MEM_WRITE, 0, NULL), 2);
	o = sem_find(BT_RAW_MEM_READ, 200);
	ck_assert_uint_eq(o->peer, 300);
	ck_assert_uint_eq(o->bytes, 8);
	ck_assert_uint_eq(o->time / 1000000ULL % 1000, 140);
	o = sem_find(BT_RAW_MEM_WRITE, 200);
	ck_assert_uint_eq(o->peer, 301);
	ck_assert_uint_eq(o->bytes, 13);
	ck_assert_uint_eq(o->peer_start, 0);    /* 301 never seen */
	ck_assert_uint_eq(sem[nsem - 1].op, BT_RAW_MEM_WRITE);
	ck_assert_uint_eq(sem[nsem - 1].pid, 201);  /* i386 POKETEXT */
	ck_assert_uint_eq(sem[nsem - 1].peer, 303);
	ck_assert_uint_eq(sem_count(BT_RAW_MEM_READ, 200, NULL), 2);
}
END_TEST

static void add_mem_tests(Suite *s)
{
	TCase *tc = tcase_create("memory");

	tcase_add_test(tc, ptrace_poke_makes_the_target_depend_on_the_tracer);
	tcase_add_test(tc, memory_calls_and_tracer_requests);
	suite_add_tcase(s, tc);
}

/* ---- fidelity (session 10): descriptors passed and socketpairs ---------- */

#define PP "ppid=1 pid=100 comm=\"p\" exe=\"/bin/p\""
#define PC "ppid=100 pid=101 comm=\"p\" exe=\"/bin/p\""

/* A parent forks, reads secret and sends it to its child over a
 * socketpair (sendto / recvfrom, logged); the child writes out; the
 * parent reads decoy after its send.  With `waited` the child's receive
 * is stamped before the send (it waited in recvfrom: audit stamps at
 * entry), numbered after it (1) or before it (2). */
static void socketpair_flow(int waited)
{
	static char text[8192];
	const char *rms = waited ? "110" : "125";
	/* 1: the send numbered before the receive; 2: after it (the sender
	 * was written after the receiver woke), with another process's
	 * event numbered before the receive and stamped after its entry */
	const char *sser = waited == 2 ? "6" : "5";
	const char *rser = waited == 2 ? "5" : "6";

	snprintf(text, sizeof(text), "%s",
	SC("100", "1", "53", "exit=0 a0=1 a1=1 a2=0 a3=7ffc items=0 " PP)
	"type=FD_PAIR msg=audit(1700000000.100:1): fd0=4 fd1=5\n"
	EOE("100", "1")
	SC("101", "2", "57", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 " PP)
	EOE("101", "2")
	SC("105", "3", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 " PP)
	CWD("105", "3")
	PATHR("105", "3", "0", "secret", "20", "0100600", "NORMAL")
	EOE("105", "3")
	SC("115", "4", "39", "exit=300 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=300 comm=\"q\" exe=\"/bin/q\"")
	EOE("115", "4"));
	if (waited == 2)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "type=SYSCALL msg=audit(1700000000.%s:%s): "
			 "arch=c000003e syscall=45 success=yes exit=7 a0=5 "
			 "a1=7ffc a2=1000 a3=0 items=0 %s auid=0 uid=0 gid=0 "
			 "euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
			 "tty=(none) ses=1 key=\"bt\"\n"
			 "type=EOE msg=audit(1700000000.%s:%s): \n",
			 rms, rser, PC, rms, rser);
	snprintf(text + strlen(text), sizeof(text) - strlen(text),
		 "type=SYSCALL msg=audit(1700000000.120:%s): arch=c000003e "
		 "syscall=44 success=yes exit=7 a0=4 a1=7ffc a2=7 a3=0 "
		 "items=0 %s auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
		 "egid=0 sgid=0 fsgid=0 tty=(none) ses=1 key=\"bt\"\n"
		 "type=EOE msg=audit(1700000000.120:%s): \n", sser, PP, sser);
	if (waited != 2)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "type=SYSCALL msg=audit(1700000000.%s:%s): "
			 "arch=c000003e syscall=45 success=yes exit=7 a0=5 "
			 "a1=7ffc a2=1000 a3=0 items=0 %s auid=0 uid=0 gid=0 "
			 "euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
			 "tty=(none) ses=1 key=\"bt\"\n"
			 "type=EOE msg=audit(1700000000.%s:%s): \n",
			 rms, rser, PC, rms, rser);
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s",
	SC("140", "7", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 " PC)
	CWD("140", "7")
	PATHR("140", "7", "0", "/w/", "10", "040755", "PARENT")
	PATHR("140", "7", "1", "out", "21", "0100644", "CREATE")
	EOE("140", "7")
	SC("145", "8", "257", "exit=6 a0=ffffff9c a1=1 a2=0 a3=0 items=1 " PP)
	CWD("145", "8")
	PATHR("145", "8", "0", "decoy", "22", "0100600", "NORMAL")
	EOE("145", "8")
	SC("150", "9", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 " PC)
	EOE("150", "9")
	SC("160", "10", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 " PP)
	EOE("160", "10")
	SC("170", "11", "3", "exit=0 a0=5 a1=0 a2=0 a3=0 items=0 " PC)
	EOE("170", "11"));
	sem_import(text);
}

START_TEST(socketpair_send_and_receive_are_a_write_and_a_read)
{
	socketpair_flow(0);
	ck_assert(sem_reaches("#21", "#20"));
	ck_assert(!sem_reaches("#21", "#22"));
}
END_TEST

START_TEST(socketpair_waited_receive_comes_after_the_send)
{
	size_t k;
	uint64_t sent, got;
	int waited;

	for (waited = 1; waited <= 2; waited++) {
		socketpair_flow(waited);
		ck_assert(sem_reaches("#21", "#20"));
		ck_assert(!sem_reaches("#21", "#22"));
		sent = got = 0;
		for (k = 0; k < nsem; k++) {
			if (sem[k].op == BT_RAW_WRITE && sem[k].pid == 100 &&
			    sem[k].file_flags == BT_FILEF_PIPE)
				sent = sem[k].time;
			if (sem[k].op == BT_RAW_READ && sem[k].pid == 101 &&
			    sem[k].file_flags == BT_FILEF_PIPE)
				got = sem[k].time;
		}
		ck_assert_uint_gt(sent, 0);
		ck_assert_uint_gt(got, sent);
		ck_assert_uint_lt(got, 1700000000140000000ULL);
	}
}
END_TEST

/* pidfd_getfd: 100 takes 101's descriptor of secret (which 101 opened and
 * never read) and writes out; decoy, which 101 opened after, is not had. */
START_TEST(pidfd_getfd_copies_the_other_process_descriptor)
{
	static const char text[] =
	SC("100", "1", "57", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 " PP)
	EOE("100", "1")
	SC("110", "2", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 " PC)
	CWD("110", "2")
	PATHR("110", "2", "0", "secret", "20", "0100600", "NORMAL")
	EOE("110", "2")
	SC("115", "3", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 " PC)
	CWD("115", "3")
	PATHR("115", "3", "0", "decoy", "22", "0100600", "NORMAL")
	EOE("115", "3")
	SC("120", "4", "434", "exit=5 a0=65 a1=0 a2=0 a3=0 items=0 " PP)
	EOE("120", "4")
	SC("130", "5", "438", "exit=6 a0=5 a1=3 a2=0 a3=0 items=0 " PP)
	EOE("130", "5")
	SC("140", "6", "257", "exit=7 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 " PP)
	CWD("140", "6")
	PATHR("140", "6", "0", "/w/", "10", "040755", "PARENT")
	PATHR("140", "6", "1", "out", "21", "0100644", "CREATE")
	EOE("140", "6")
	SC("150", "7", "3", "exit=0 a0=7 a1=0 a2=0 a3=0 items=0 " PP)
	EOE("150", "7");

	sem_import(text);
	ck_assert(sem_at(BT_RAW_READ, 100, 20, 130));
	ck_assert(sem_reaches("#21", "#20"));
	ck_assert(!sem_reaches("#21", "#22"));
}
END_TEST

/* The same with a pidfd of a process the log never showed, or a
 * descriptor it does not know: a gap, nothing made up. */
START_TEST(pidfd_getfd_of_an_unknown_descriptor_is_a_gap)
{
	static const char text[] =
	SC("120", "4", "434", "exit=5 a0=1f4 a1=0 a2=0 a3=0 items=0 " PP)
	EOE("120", "4")
	SC("130", "5", "438", "exit=6 a0=5 a1=3 a2=0 a3=0 items=0 " PP)
	EOE("130", "5")
	SC("131", "6", "438", "exit=7 a0=9 a1=3 a2=0 a3=0 items=0 " PP)
	EOE("131", "6");
	size_t k;

	sem_import(text);
	for (k = 0; k < nsem; k++)
		ck_assert_uint_ne(sem[k].op, BT_RAW_READ);
	ck_assert_uint_eq(sem_stats.gaps, 2);
}
END_TEST

static void add_fidelity9_tests(Suite *s)
{
	TCase *tc = tcase_create("fidelity9");

	tcase_add_test(tc, socketpair_send_and_receive_are_a_write_and_a_read);
	tcase_add_test(tc, socketpair_waited_receive_comes_after_the_send);
	tcase_add_test(tc, pidfd_getfd_copies_the_other_process_descriptor);
	tcase_add_test(tc, pidfd_getfd_of_an_unknown_descriptor_is_a_gap);
	suite_add_tcase(s, tc);
}

/* ---- language runtimes (scenario/workloads-runtimes.sh) ---------------- */

/* An IPv6 SOCKADDR: family 10, port (4 hex digits), flow 0, addr (32 hex
 * digits), scope 0. */
#define SA6(ms, ser, port, addr) \
	"type=SOCKADDR msg=audit(1700000000." ms ":" ser "): saddr=0A00" port \
	"00000000" addr "00000000\n"
#define LO6 "00000000000000000000000000000001"

/*
 * clone3 takes its flags in a struct (a0 is its address): a JVM's, a Rust
 * or C program's threads (pthread_create) are clone3 children that audit
 * shows only as the exit value.  Their events carry the process's pid=,
 * so they are no processes of their own; a clone3 child that is one
 * shows its own pid= (here after its parent's clone3 record).
 */
START_TEST(clone3_threads_stay_in_their_process)
{
	static const char text[] =
	SC("100", "1", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"java\" exe=\"/bin/java\"")
	CWD("100", "1")
	PATHR("100", "1", "0", "/w/", "10", "040755", "PARENT")
	PATHR("100", "1", "1", "out", "21", "0100644", "CREATE")
	EOE("100", "1")
	/* two threads, then a process */
	SC("101", "2", "435", "exit=101 a0=7ffc a1=58 a2=7f00 a3=8 items=0 ppid=1 pid=100 comm=\"java\" exe=\"/bin/java\"")
	EOE("101", "2")
	SC("102", "3", "435", "exit=102 a0=7ffc a1=58 a2=7f00 a3=8 items=0 ppid=1 pid=100 comm=\"java\" exe=\"/bin/java\"")
	EOE("102", "3")
	/* a thread reads secret: its record says pid=100 */
	SC("110", "4", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=100 comm=\"java\" exe=\"/bin/java\"")
	CWD("110", "4")
	PATHR("110", "4", "0", "secret", "20", "0100600", "NORMAL")
	EOE("110", "4")
	SC("111", "5", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"java\" exe=\"/bin/java\"")
	EOE("111", "5")
	SC("115", "6", "435", "exit=103 a0=7ffc a1=58 a2=7f00 a3=8 items=0 ppid=1 pid=100 comm=\"java\" exe=\"/bin/java\"")
	EOE("115", "6")
	SC("116", "7", "59", "exit=0 a0=7ffc a1=0 a2=0 a3=0 items=0 ppid=100 pid=103 comm=\"cat\" exe=\"/bin/cat\"")
	EOE("116", "7")
	/* the other thread writes out and closes it */
	SC("120", "8", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"java\" exe=\"/bin/java\"")
	EOE("120", "8");
	size_t k, forks = 0;

	sem_import(text);
	for (k = 0; k < nsem; k++) {
		if (sem[k].op != BT_RAW_FORK || sem[k].pid != 100)
			continue;
		ck_assert_msg(sem[k].child == 103, "a thread (%u) is taken "
			      "as a process", sem[k].child);
		forks++;
	}
	ck_assert_uint_eq(forks, 1);
	ck_assert(sem_reaches("#21", "#20"));
}
END_TEST

/* IPv6 addresses in their canonical text, as the recorder and the eBPF
 * source write them, so that the same endpoint has one name. */
START_TEST(ipv6_addresses_are_canonical)
{
	static const char text[] =
	SC("100", "1", "42", "exit=0 a0=3 a1=7ffc a2=1c a3=0 items=0 ppid=1 pid=100 comm=\"c\" exe=\"/bin/c\"")
	SA6("100", "1", "1F90", LO6)
	EOE("100", "1")
	SC("110", "2", "42", "exit=0 a0=4 a1=7ffc a2=1c a3=0 items=0 ppid=1 pid=100 comm=\"c\" exe=\"/bin/c\"")
	SA6("110", "2", "0050", "00000000000000000000FFFF7F000001")
	EOE("110", "2")
	SC("120", "3", "42", "exit=0 a0=5 a1=7ffc a2=1c a3=0 items=0 ppid=1 pid=100 comm=\"c\" exe=\"/bin/c\"")
	SA6("120", "3", "01BB", "20010DB8000000000000000000000010")
	EOE("120", "3");
	const char *want[] = { "[::1]:8080", "[::ffff:127.0.0.1]:80",
			       "[2001:db8::10]:443" };
	size_t k, n = 0;

	sem_import(text);
	for (k = 0; k < nsem; k++)
		if (sem[k].op == BT_RAW_CONNECT) {
			ck_assert_uint_lt(n, 3);
			ck_assert_str_eq(sem[k].remote, want[n]);
			n++;
		}
	ck_assert_uint_eq(n, 3);
}
END_TEST

/*
 * A listener bound to port 0 (Java's ServerSocket(0), Go's ":0", Node's
 * listen(0)): audit logs "[::1]:0", its clients connect to the port the
 * kernel chose.  The connect waiting for the accept names it (a connect
 * made before the bind, to another port, is no candidate), and the
 * accept(fd, NULL, NULL) joins it; a later accept with the peer's address
 * has the learned port as its local.
 */
START_TEST(port_zero_listener_joins_its_client)
{
	static const char text[] =
	/* an older connect to another port of [::1], never accepted */
	SC("050", "1", "42", "exit=0 a0=3 a1=7ffc a2=1c a3=0 items=0 ppid=1 pid=300 comm=\"u\" exe=\"/bin/u\"")
	SA6("050", "1", "9858", LO6)
	EOE("050", "1")
	SC("100", "2", "49", "exit=0 a0=3 a1=7ffc a2=1c a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	SA6("100", "2", "0000", LO6)
	EOE("100", "2")
	SC("110", "3", "42", "exit=0 a0=4 a1=7ffc a2=1c a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	SA6("110", "3", "A028", LO6)
	EOE("110", "3")
	SC("120", "4", "288", "exit=5 a0=3 a1=0 a2=0 a3=80800 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("120", "4")
	SC("130", "5", "42", "exit=0 a0=4 a1=7ffc a2=1c a3=0 items=0 ppid=1 pid=201 comm=\"cli\" exe=\"/bin/cli\"")
	SA6("130", "5", "A028", LO6)
	EOE("130", "5")
	SC("140", "6", "43", "exit=6 a0=3 a1=7ffc a2=7ffc a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	SA6("140", "6", "C350", LO6)
	EOE("140", "6");
	const struct sem_obs *c = NULL;
	size_t k, n = 0;

	sem_import(text);
	for (k = 0; k < nsem; k++)
		if (sem[k].op == BT_RAW_CONNECT && sem[k].pid == 200)
			c = &sem[k];
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->remote, "[::1]:41000");
	for (k = 0; k < nsem; k++) {
		if (sem[k].op != BT_RAW_ACCEPT)
			continue;
		if (n == 0) {
			/* the client's own endpoint (graph/channel.h) */
			ck_assert_str_eq(sem[k].remote, "[::1]:41000");
			ck_assert_str_eq(sem[k].local, c->local);
		} else {
			ck_assert_str_eq(sem[k].remote, "[::1]:50000");
			ck_assert_str_eq(sem[k].local, "[::1]:41000");
		}
		n++;
	}
	ck_assert_uint_eq(n, 2);
}
END_TEST

/* A datagram receiver bound to port 0: its port from the datagram sent
 * to its address since it was bound, so that the receive's end, (sender,
 * [::1]:PORT), pairs with the sender's.  Its receive waited: stamped
 * before the send, it is taken after it (the order it returned in). */
START_TEST(port_zero_datagram_receiver_learns_its_port)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=5 a1=7ffc a2=1c a3=0 items=0 ppid=1 pid=100 comm=\"r\" exe=\"/bin/r\"")
	SA6("100", "1", "0000", LO6)
	EOE("100", "1")
	SC("110", "2", "44", "exit=9 a0=3 a1=7ffc a2=9 a3=0 items=0 ppid=1 pid=200 comm=\"s\" exe=\"/bin/s\"")
	SA6("110", "2", "A410", LO6)
	EOE("110", "2")
	/* entered at .105 (it waited), returned with the datagram */
	SC("105", "3", "45", "exit=9 a0=5 a1=7ffc a2=1000 a3=0 items=0 ppid=1 pid=100 comm=\"r\" exe=\"/bin/r\"")
	SA6("105", "3", "C350", LO6)
	EOE("105", "3");
	const struct sem_obs *r;

	sem_import(text);
	r = sem_find(BT_RAW_RECV, 100);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->remote, "[::1]:50000");
	ck_assert_str_eq(r->local, "[::1]:42000");
	ck_assert_str_eq(sem_find(BT_RAW_SEND, 200)->remote, "[::1]:42000");
	ck_assert_uint_gt(r->time, sem_find(BT_RAW_SEND, 200)->time);
}
END_TEST

/*
 * An accept that blocked is stamped at its entry, before the connect it
 * waited for, and written (numbered) after it: taken in the order of its
 * exit, it joins that connect, and is dated after it.
 */
START_TEST(blocking_accept_follows_the_connect_it_waited_for)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=02001F907F000001\n"
	EOE("100", "1")
	SC("150", "2", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.150:2): saddr=02001F907F000001\n"
	EOE("150", "2")
	/* entered at .110, returned once the client connected */
	SC("110", "3", "43", "exit=5 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("110", "3");
	const struct sem_obs *acc, *con;

	sem_import(text);
	acc = sem_find(BT_RAW_ACCEPT, 100);
	con = sem_find(BT_RAW_CONNECT, 200);
	ck_assert_ptr_nonnull(acc);
	ck_assert_ptr_nonnull(con);
	ck_assert_str_eq(acc->remote, "127.0.0.1:8080");
	ck_assert_str_eq(acc->local, con->local);
	ck_assert_uint_gt(acc->time, con->time);
}
END_TEST

/* io_uring and Linux AIO make reads and writes in no logged syscall:
 * their setup is counted (the import says so, and notes it). */
START_TEST(io_uring_and_aio_setups_are_counted)
{
	static const char text[] =
	SC("100", "1", "425", "exit=4 a0=8 a1=7ffc a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"n\" exe=\"/bin/n\"")
	EOE("100", "1")
	SC("110", "2", "206", "exit=0 a0=80 a1=7ffc a2=0 a3=0 items=0 ppid=1 pid=101 comm=\"a\" exe=\"/bin/a\"")
	EOE("110", "2");

	sem_import(text);
	ck_assert_uint_eq(sem_stats.io_uring_calls, 2);
}
END_TEST

/*
 * Java ends a connection with shutdown(fd, SHUT_WR), and closes the
 * descriptor later: the peer has read all it was sent by the shutdown, so
 * the send (inferred, writes are not logged) is then, not at the close
 * (after the peer wrote what it received); and not a second time there.
 */
START_TEST(shutdown_sends_before_the_close)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=1c a3=0 items=0 ppid=1 pid=100 comm=\"java\" exe=\"/bin/java\"")
	SA6("100", "1", "1F90", LO6)
	EOE("100", "1")
	SC("105", "2", "42", "exit=0 a0=4 a1=7ffc a2=1c a3=0 items=0 ppid=1 pid=200 comm=\"java\" exe=\"/bin/java\"")
	SA6("105", "2", "1F90", LO6)
	EOE("105", "2")
	SC("106", "3", "43", "exit=5 a0=3 a1=7ffc a2=7ffc a3=0 items=0 ppid=1 pid=100 comm=\"java\" exe=\"/bin/java\"")
	SA6("106", "3", "C350", LO6)
	EOE("106", "3")
	SC("110", "4", "257", "exit=6 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=100 comm=\"java\" exe=\"/bin/java\"")
	CWD("110", "4")
	PATHR("110", "4", "0", "secret", "20", "0100600", "NORMAL")
	EOE("110", "4")
	SC("120", "5", "48", "exit=0 a0=5 a1=1 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"java\" exe=\"/bin/java\"")
	EOE("120", "5")
	SC("130", "6", "3", "exit=0 a0=5 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"java\" exe=\"/bin/java\"")
	EOE("130", "6");
	size_t k, n = 0;

	sem_import(text);
	for (k = 0; k < nsem; k++) {
		if (sem[k].op != BT_RAW_SEND || sem[k].pid != 100)
			continue;
		ck_assert_str_eq(sem[k].remote, "[::1]:50000");
		ck_assert_uint_lt(sem[k].time, 1700000000130000000ULL);
		n++;
	}
	ck_assert_uint_eq(n, 1);
}
END_TEST

/*
 * Go's net.Dial("udp6") connects a UDP socket and sends by write(2),
 * which audit does not log: the send is inferred when the socket is let
 * go (at exit, maybe after the receiver got it).  A receive at the
 * connected-to address is then a send by each holder of such a socket
 * (as a TCP server's receive, for its clients), dated no later.
 */
START_TEST(connected_datagram_sender_sends_before_the_receive)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=5 a1=7ffc a2=1c a3=0 items=0 ppid=1 pid=100 comm=\"r\" exe=\"/bin/r\"")
	SA6("100", "1", "A410", LO6)
	EOE("100", "1")
	SC("110", "2", "42", "exit=0 a0=3 a1=7ffc a2=1c a3=0 items=0 ppid=1 pid=200 comm=\"s\" exe=\"/bin/s\"")
	SA6("110", "2", "A410", LO6)
	EOE("110", "2")
	SC("120", "3", "45", "exit=9 a0=5 a1=7ffc a2=1000 a3=0 items=0 ppid=1 pid=100 comm=\"r\" exe=\"/bin/r\"")
	SA6("120", "3", "C350", LO6)
	EOE("120", "3");
	const struct sem_obs *r, *snd;

	sem_import(text);
	r = sem_find(BT_RAW_RECV, 100);
	snd = sem_find(BT_RAW_SEND, 200);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(snd);
	ck_assert_str_eq(snd->remote, "[::1]:42000");
	ck_assert_uint_le(snd->time, r->time);
}
END_TEST

/*
 * The mirror of accepted_receive_follows_the_clients_send (workloads-
 * runtimes g-net, a CI failure): a Go server writes its secret into an
 * accepted connection and closes it (neither logged but the close); its
 * client reads to the end and writes what it got.  The close's FIN wakes
 * the client before the close's own record is written, so the client's
 * write came before the server's close in the log, the server's send was
 * dated at that close only, and out6 did not lead back to secret2.  A
 * client's inferred receive now follows a send by each server holding
 * the accepted end of its connection; a server of another service sends
 * at its close only.
 */
START_TEST(client_write_follows_the_servers_send)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=02001F907F000001\n"
	EOE("100", "1")
	SC("101", "2", "49", "exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=300 comm=\"oth\" exe=\"/bin/oth\"")
	"type=SOCKADDR msg=audit(1700000000.101:2): saddr=020023827F000001\n"
	EOE("101", "2")
	SC("110", "3", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.110:3): saddr=02001F907F000001\n"
	EOE("110", "3")
	SC("111", "4", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=400 comm=\"c2\" exe=\"/bin/c2\"")
	"type=SOCKADDR msg=audit(1700000000.111:4): saddr=020023827F000001\n"
	EOE("111", "4")
	SC("120", "5", "288", "exit=5 a0=3 a1=7ffc a2=7ffc a3=80000 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.120:5): saddr=02009C407F000001\n"
	EOE("120", "5")
	SC("121", "6", "288", "exit=5 a0=3 a1=7ffc a2=7ffc a3=80000 items=0 ppid=1 pid=300 comm=\"oth\" exe=\"/bin/oth\"")
	"type=SOCKADDR msg=audit(1700000000.121:6): saddr=02009C417F000001\n"
	EOE("121", "6")
	SC("125", "7", "257", "exit=6 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	CWD("125", "7")
	PATHR("125", "7", "0", "secret2", "20", "0100600", "NORMAL")
	EOE("125", "7")
	SC("126", "8", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("126", "8")
	SC("130", "9", "257", "exit=5 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	CWD("130", "9")
	PATHR("130", "9", "0", "/w/", "10", "040755", "PARENT")
	PATHR("130", "9", "1", "out6", "21", "0100644", "CREATE")
	EOE("130", "9")
	SC("131", "10", "3", "exit=0 a0=5 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("131", "10")
	SC("132", "11", "3", "exit=0 a0=5 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("132", "11")
	SC("133", "12", "3", "exit=0 a0=5 a1=0 a2=0 a3=0 items=0 ppid=1 pid=300 comm=\"oth\" exe=\"/bin/oth\"")
	EOE("133", "12")
	"type=SYSCALL msg=audit(1700000000.150:13): arch=c000003e syscall=231 a0=0 items=0 ppid=1 pid=200 uid=0 comm=\"cli\" exe=\"/bin/cli\" key=\"bt\"\n"
	EOE("150", "13");
	const struct sem_obs *recv = NULL, *send = NULL, *w = NULL;
	size_t k;

	sem_import(text);
	for (k = 0; k < nsem; k++) {
		if (sem[k].pid == 200 && sem[k].op == BT_RAW_RECV && !recv)
			recv = &sem[k];
		if (sem[k].pid == 100 && sem[k].op == BT_RAW_SEND && !send)
			send = &sem[k];
		if (sem[k].pid == 200 && sem[k].op == BT_RAW_WRITE &&
		    sem[k].has_ino && sem[k].ino == 21)
			w = &sem[k];
	}
	ck_assert_ptr_nonnull(recv);
	ck_assert_ptr_nonnull(send);
	ck_assert_ptr_nonnull(w);
	ck_assert_str_eq(send->remote, "127.0.0.1:40000");
	ck_assert_str_eq(recv->remote, "127.0.0.1:8080");
	ck_assert_uint_gt(send->time, sem_find(BT_RAW_READ, 100)->time);
	ck_assert_uint_le(send->time, recv->time);
	ck_assert_uint_le(recv->time, w->time);
	/* the server of 127.0.0.1:9090 sends at its close only */
	for (k = 0; k < nsem; k++)
		if (sem[k].op == BT_RAW_SEND && sem[k].pid == 300)
			ck_assert_uint_gt(sem[k].time, w->time);
	ck_assert_ptr_nonnull(sem_find(BT_RAW_SEND, 300));
	/* and the walk: out6 leads back to secret2 and the server */
	{
		const char *log = tu_path("srvsend.btl");
		struct bt_graph *g = NULL;
		struct bt_result *res;

		ck_assert_msg(import(log, text, 0) == 0, "%s",
			      bt_error_msg());
		res = backtrack(&g, log, "file:/w/out6");
		ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 100));
		ck_assert(has_node(res, BT_OBJ_FILE, "/w/secret2", 0));
		ck_assert(!has_node(res, BT_OBJ_PROCESS, NULL, 300));
		bt_result_free(res);
		bt_graph_free(g);
	}
}
END_TEST

/*
 * A unix stream socket: the client connects to the server's name, sends
 * (write(2), not logged) and lets go, all before the server's accept;
 * the server, then, writes what it read.  The accept that only that
 * connect can be joins it (one endpoint, the connect's), and the server's
 * receive comes before its write.  A unix client's end receives nothing
 * inferred: a service's stdout connected to a log daemon (pid 300 to
 * 400) does not make the daemon, nor what it read, a cause of the
 * service's files.
 */
START_TEST(unix_stream_server_joins_its_one_client)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=6e a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=01002F72756E2F732E736F636B00\n"
	EOE("100", "1")
	SC("101", "2", "49", "exit=0 a0=3 a1=7ffc a2=6e a3=0 items=0 ppid=1 pid=400 comm=\"logd\" exe=\"/bin/logd\"")
	"type=SOCKADDR msg=audit(1700000000.101:2): saddr=01002F72756E2F6A2E736F636B00\n"
	EOE("101", "2")
	SC("110", "3", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	CWD("110", "3")
	PATHR("110", "3", "0", "/w/src", "20", "0100600", "NORMAL")
	EOE("110", "3")
	SC("111", "4", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("111", "4")
	SC("112", "5", "42", "exit=0 a0=4 a1=7ffc a2=6e a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.112:5): saddr=01002F72756E2F732E736F636B00\n"
	EOE("112", "5")
	SC("113", "6", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("113", "6")
	"type=SYSCALL msg=audit(1700000000.114:7): arch=c000003e syscall=231 a0=0 items=0 ppid=1 pid=200 uid=0 comm=\"cli\" exe=\"/bin/cli\" key=\"bt\"\n"
	EOE("114", "7")
	SC("120", "8", "43", "exit=5 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("120", "8")
	SC("121", "9", "257", "exit=6 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	CWD("121", "9")
	PATHR("121", "9", "0", "/w/", "10", "040755", "PARENT")
	PATHR("121", "9", "1", "sink", "21", "0100644", "CREATE")
	EOE("121", "9")
	SC("122", "10", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("122", "10")
	/* a service (300) whose stdout is a log daemon's (400) socket */
	SC("130", "11", "42", "exit=0 a0=1 a1=7ffc a2=6e a3=0 items=0 ppid=1 pid=300 comm=\"svc\" exe=\"/bin/svc\"")
	"type=SOCKADDR msg=audit(1700000000.130:11): saddr=01002F72756E2F6A2E736F636B00\n"
	EOE("130", "11")
	SC("131", "12", "43", "exit=5 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=400 comm=\"logd\" exe=\"/bin/logd\"")
	EOE("131", "12")
	SC("132", "13", "257", "exit=6 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=400 comm=\"logd\" exe=\"/bin/logd\"")
	CWD("132", "13")
	PATHR("132", "13", "0", "/w/logsecret", "22", "0100600", "NORMAL")
	EOE("132", "13")
	SC("133", "14", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=400 comm=\"logd\" exe=\"/bin/logd\"")
	EOE("133", "14")
	SC("140", "15", "257", "exit=7 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=300 comm=\"svc\" exe=\"/bin/svc\"")
	CWD("140", "15")
	PATHR("140", "15", "0", "/w/", "10", "040755", "PARENT")
	PATHR("140", "15", "1", "svcout", "23", "0100644", "CREATE")
	EOE("140", "15")
	SC("141", "16", "3", "exit=0 a0=7 a1=0 a2=0 a3=0 items=0 ppid=1 pid=300 comm=\"svc\" exe=\"/bin/svc\"")
	EOE("141", "16");
	const char *log = tu_path("unixjoin.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	res = backtrack(&g, log, "file:/w/sink");
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 200));
	ck_assert(has_node(res, BT_OBJ_FILE, "/w/src", 0));
	bt_result_free(res);
	bt_graph_free(g);
	g = NULL;
	res = backtrack(&g, log, "file:/w/svcout");
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 300));
	ck_assert(!has_node(res, BT_OBJ_PROCESS, NULL, 400));
	ck_assert(!has_node(res, BT_OBJ_FILE, "/w/logsecret", 0));
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

/*
 * A unix datagram from an unnamed sender: recvfrom gives an address too
 * short to name anyone ("saddr=0100").  It comes out of the receiving
 * socket's name, where the sender's sendto put it: the file the receiver
 * writes leads back to the sender's source.
 */
START_TEST(unix_datagram_comes_out_of_the_receivers_name)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=6e a3=0 items=0 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=01002F72756E2F732E736F636B00\n"
	EOE("100", "1")
	SC("110", "2", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"")
	CWD("110", "2")
	PATHR("110", "2", "0", "/w/src", "20", "0100600", "NORMAL")
	EOE("110", "2")
	SC("111", "3", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"")
	EOE("111", "3")
	SC("112", "4", "44", "exit=27 a0=4 a1=7ffc a2=1b a3=0 items=0 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"")
	"type=SOCKADDR msg=audit(1700000000.112:4): saddr=01002F72756E2F732E736F636B00\n"
	EOE("112", "4")
	SC("105", "5", "45", "exit=27 a0=3 a1=7ffc a2=1000 a3=0 items=0 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"")
	"type=SOCKADDR msg=audit(1700000000.105:5): saddr=0100\n"
	EOE("105", "5")
	SC("121", "6", "257", "exit=6 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"")
	CWD("121", "6")
	PATHR("121", "6", "0", "/w/", "10", "040755", "PARENT")
	PATHR("121", "6", "1", "sink", "21", "0100644", "CREATE")
	EOE("121", "6")
	SC("122", "7", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"")
	EOE("122", "7");
	const char *log = tu_path("unixdgram.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	res = backtrack(&g, log, "file:/w/sink");
	ck_assert(has_node(res, BT_OBJ_ENDPOINT, "unix:/run/s.sock", 0));
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 200));
	ck_assert(has_node(res, BT_OBJ_FILE, "/w/src", 0));
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

/*
 * A datagram socket connected to a unix name, then sent on (syslog(3):
 * connect("/dev/log"), send()): no server accepts it; the datagram goes
 * into the name, out of which the receiver bound to it reads.  The
 * connect is known for a datagram one by the socket's own record
 * (btrack.rules logs socket(AF_UNIX, SOCK_DGRAM)), by the name (a
 * well-known one, /dev/log), or by an earlier datagram received at it.
 */
#define DGRAM_CONNECT_LOG(sockrec, name_hex) \
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=6e a3=0 items=0 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"") \
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=0100" name_hex "\n" \
	EOE("100", "1") \
	SC("110", "2", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"") \
	CWD("110", "2") \
	PATHR("110", "2", "0", "/w/src", "20", "0100600", "NORMAL") \
	EOE("110", "2") \
	SC("111", "3", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"") \
	EOE("111", "3") \
	sockrec \
	SC("113", "5", "42", "exit=0 a0=4 a1=7ffc a2=6e a3=0 items=1 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"") \
	"type=SOCKADDR msg=audit(1700000000.113:5): saddr=0100" name_hex "\n" \
	EOE("113", "5") \
	SC("114", "6", "44", "exit=27 a0=4 a1=7ffc a2=1b a3=0 items=0 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"") \
	EOE("114", "6") \
	SC("115", "7", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"") \
	EOE("115", "7") \
	SC("120", "8", "45", "exit=27 a0=3 a1=7ffc a2=1000 a3=0 items=0 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"") \
	"type=SOCKADDR msg=audit(1700000000.120:8): saddr=0100\n" \
	EOE("120", "8") \
	SC("121", "9", "257", "exit=6 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"") \
	CWD("121", "9") \
	PATHR("121", "9", "0", "/w/", "10", "040755", "PARENT") \
	PATHR("121", "9", "1", "sink", "21", "0100644", "CREATE") \
	EOE("121", "9") \
	SC("122", "10", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"") \
	EOE("122", "10")
#define DGRAM_SOCKET_REC \
	SC("112", "4", "41", "exit=4 a0=1 a1=80002 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"") \
	EOE("112", "4")
#define STREAM_SOCKET_REC \
	SC("112", "4", "41", "exit=4 a0=1 a1=80001 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"") \
	EOE("112", "4")
#define HEX_RUN_S_SOCK "2F72756E2F732E736F636B00"   /* /run/s.sock */
#define HEX_DEV_LOG "2F6465762F6C6F6700"            /* /dev/log */

static bool dgram_sink_reaches_src(const char *text, const char *name)
{
	const char *log = tu_path("dgconn.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;
	bool ok;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	res = backtrack(&g, log, "file:/w/sink");
	ck_assert(has_node(res, BT_OBJ_ENDPOINT, name, 0));
	ok = has_node(res, BT_OBJ_PROCESS, NULL, 200) &&
	     has_node(res, BT_OBJ_FILE, "/w/src", 0);
	bt_result_free(res);
	bt_graph_free(g);
	return ok;
}

START_TEST(unix_datagram_connect_sends_into_the_name)
{
	static const char by_socket[] =
		DGRAM_CONNECT_LOG(DGRAM_SOCKET_REC, HEX_RUN_S_SOCK);
	static const char by_name[] =
		DGRAM_CONNECT_LOG("", HEX_DEV_LOG);
	static const char stream[] =
		DGRAM_CONNECT_LOG(STREAM_SOCKET_REC, HEX_RUN_S_SOCK);

	ck_assert(dgram_sink_reaches_src(by_socket, "unix:/run/s.sock"));
	ck_assert(dgram_sink_reaches_src(by_name, "unix:/dev/log"));
	/* a stream socket's connect is a connection no accept took: what
	 * was sent on it is not what the bound socket received */
	ck_assert(!dgram_sink_reaches_src(stream, "unix:/run/s.sock"));
}
END_TEST

/*
 * The server's receive is numbered before the client's send that woke it,
 * both stamped in one millisecond (audit stamps an entry in milliseconds
 * and numbers a call at its exit): the receive is taken again just after
 * the send, so the sink the server writes next comes from the client.
 */
START_TEST(receive_numbered_before_its_send_follows_it)
{
	static const char text[] =
	SC("540", "1", "49", "exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.540:1): saddr=02001F907F0000010000000000000000\n"
	EOE("540", "1")
	SC("550", "2", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	CWD("550", "2")
	PATHR("550", "2", "0", "/w/src", "20", "0100600", "NORMAL")
	EOE("550", "2")
	SC("550", "3", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("550", "3")
	SC("551", "4", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=1 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.551:4): saddr=02001F907F0000010000000000000000\n"
	EOE("551", "4")
	SC("547", "5", "43", "exit=5 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("547", "5")
	SC("551", "6", "45", "exit=32 a0=5 a1=7ffc a2=1000 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("551", "6")
	SC("551", "7", "44", "exit=32 a0=4 a1=7ffc a2=20 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("551", "7")
	SC("551", "8", "257", "exit=6 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	CWD("551", "8")
	PATHR("551", "8", "0", "/w/", "10", "040755", "PARENT")
	PATHR("551", "8", "1", "sink", "21", "0100644", "CREATE")
	EOE("551", "8")
	SC("551", "9", "1", "exit=32 a0=6 a1=7ffc a2=20 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("551", "9")
	SC("551", "10", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("551", "10");
	const char *log = tu_path("rerecv.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	res = backtrack(&g, log, "file:/w/sink");
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 200));
	ck_assert(has_node(res, BT_OBJ_FILE, "/w/src", 0));
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

/*
 * A listener bound to port 0 (its port never logged) accepts, with the
 * client's address, and the accept is written before the connect that
 * woke it: the accepted connection's own address is the one that connect
 * named, so that its receives are the end a walk joins with the client's.
 */
START_TEST(accept_written_before_its_connect_learns_the_port)
{
	static const char text[] =
	SC("540", "1", "49", "exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.540:1): saddr=020000007F0000010000000000000000\n"
	EOE("540", "1")
	SC("550", "2", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	CWD("550", "2")
	PATHR("550", "2", "0", "/w/src", "20", "0100600", "NORMAL")
	EOE("550", "2")
	SC("550", "3", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("550", "3")
	SC("545", "4", "43", "exit=5 a0=3 a1=7ffc a2=7ffc a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.545:4): saddr=02009C407F0000010000000000000000\n"
	EOE("545", "4")
	SC("550", "5", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.550:5): saddr=02001F907F0000010000000000000000\n"
	EOE("550", "5")
	SC("555", "6", "44", "exit=20 a0=4 a1=7ffc a2=14 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("555", "6")
	SC("555", "7", "45", "exit=20 a0=5 a1=7ffc a2=1000 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("555", "7")
	SC("560", "8", "257", "exit=6 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	CWD("560", "8")
	PATHR("560", "8", "0", "/w/", "10", "040755", "PARENT")
	PATHR("560", "8", "1", "sink", "21", "0100644", "CREATE")
	EOE("560", "8")
	SC("561", "9", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("561", "9");
	const char *log = tu_path("port0.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	res = backtrack(&g, log, "file:/w/sink");
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 200));
	ck_assert(has_node(res, BT_OBJ_FILE, "/w/src", 0));
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

/*
 * auditd writes no EOE records: an event ends with its PROCTITLE.  Here
 * a UDP client that sends with write(2) (not logged; taken to send when
 * it lets go of the socket, at its exit) exits, and its exit is written
 * before the server's receive, which was numbered before it, both in one
 * millisecond; 300 events follow.  In time order the receive comes
 * first, and is taken again after the client's send (rerecv()); in the
 * order the events were written (events held open until the slots ran
 * out) the send came first and the receive, dated before it, got
 * nothing.
 */
#define PT(ms, ser) "type=PROCTITLE msg=audit(1700000000." ms ":" ser "): proctitle=6100\n"
START_TEST(events_end_at_their_proctitle)
{
	static const char head[] =
	SC("540", "1", "49", "exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.540:1): saddr=02001F907F0000010000000000000000\n"
	PT("540", "1")
	SC("550", "2", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	CWD("550", "2")
	PATHR("550", "2", "0", "/w/src", "20", "0100600", "NORMAL")
	PT("550", "2")
	SC("550", "3", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	PT("550", "3")
	SC("551", "4", "42", "exit=0 a0=5 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.551:4): saddr=02001F907F0000010000000000000000\n"
	PT("551", "4")
	SC("551", "6", "231", "a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	PT("551", "6")
	SC("541", "5", "45", "exit=32 a0=3 a1=7ffc a2=1000 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.541:5): saddr=02009C407F0000010000000000000000\n"
	PT("541", "5")
	SC("551", "7", "257", "exit=6 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	CWD("551", "7")
	PATHR("551", "7", "0", "/w/", "10", "040755", "PARENT")
	PATHR("551", "7", "1", "sink", "21", "0100644", "CREATE")
	PT("551", "7")
	SC("551", "8", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	PT("551", "8");
	const char *log = tu_path("proctitle.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;
	size_t cap = sizeof(head) + 300 * 512, n;
	char *text = malloc(cap);
	int i;

	ck_assert_ptr_nonnull(text);
	n = (size_t)snprintf(text, cap, "%s", head);
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(text + n, cap - n,
			"type=SYSCALL msg=audit(1700000001.%03d:%d): "
			"arch=c000003e syscall=3 success=yes exit=0 a0=9 a1=0 "
			"a2=0 a3=0 items=0 ppid=1 pid=300 auid=0 uid=0 gid=0 "
			"euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
			"tty=(none) ses=1 comm=\"f\" exe=\"/bin/f\" "
			"key=\"bt\"\n"
			"type=PROCTITLE msg=audit(1700000001.%03d:%d): "
			"proctitle=6100\n", i, 100 + i, i, 100 + i);
	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	free(text);
	res = backtrack(&g, log, "file:/w/sink");
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 200));
	ck_assert(has_node(res, BT_OBJ_FILE, "/w/src", 0));
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

/*
 * System V shared memory: a child attaches segment 5 writable, having
 * read the source, and exits; the parent attaches it read-only (a2
 * SHM_RDONLY) and writes the sink.  The segment is one anonymous object,
 * written by the child until it exits.
 */
START_TEST(sysv_shared_memory_carries_data)
{
	static const char text[] =
	SC("110", "1", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=100 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	CWD("110", "1")
	PATHR("110", "1", "0", "/w/src", "20", "0100600", "NORMAL")
	EOE("110", "1")
	SC("111", "2", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=100 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("111", "2")
	SC("112", "3", "30", "exit=140737354125312 a0=5 a1=0 a2=0 a3=0 items=0 ppid=100 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("112", "3")
	SC("113", "4", "231", "exit=0 a0=0 a1=0 a2=0 a3=0 items=0 ppid=100 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("113", "4")
	SC("120", "5", "30", "exit=140737354125312 a0=5 a1=0 a2=1000 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("120", "5")
	SC("121", "6", "257", "exit=6 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	CWD("121", "6")
	PATHR("121", "6", "0", "/w/", "10", "040755", "PARENT")
	PATHR("121", "6", "1", "sink", "21", "0100644", "CREATE")
	EOE("121", "6")
	SC("122", "7", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("122", "7");
	const char *log = tu_path("sysvshm.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	res = backtrack(&g, log, "file:/w/sink");
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 200));
	ck_assert(has_node(res, BT_OBJ_FILE, "/w/src", 0));
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

/*
 * sendmmsg and recvmmsg (glibc's resolver): a send and a receive of UDP
 * datagrams, each with the last message's peer in its SOCKADDR; their
 * exit is a count of messages, not bytes.
 */
START_TEST(sendmmsg_and_recvmmsg_are_datagrams)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=02001F907F0000010000000000000000\n"
	EOE("100", "1")
	SC("110", "2", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	CWD("110", "2")
	PATHR("110", "2", "0", "/w/src", "20", "0100600", "NORMAL")
	EOE("110", "2")
	SC("111", "3", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("111", "3")
	SC("112", "4", "307", "exit=1 a0=4 a1=7ffc a2=1 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.112:4): saddr=02001F907F0000010000000000000000\n"
	EOE("112", "4")
	SC("113", "5", "299", "exit=1 a0=3 a1=7ffc a2=1 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.113:5): saddr=0200D4317F0000010000000000000000\n"
	EOE("113", "5")
	SC("121", "6", "257", "exit=6 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	CWD("121", "6")
	PATHR("121", "6", "0", "/w/", "10", "040755", "PARENT")
	PATHR("121", "6", "1", "sink", "21", "0100644", "CREATE")
	EOE("121", "6")
	SC("122", "7", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("122", "7");
	const char *log = tu_path("mmsg.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	res = backtrack(&g, log, "file:/w/sink");
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 200));
	ck_assert(has_node(res, BT_OBJ_FILE, "/w/src", 0));
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

/*
 * renameat2(RENAME_EXCHANGE): audit logs no flags (a4), but the items
 * say it: each name deleted and created, with the other's inode.  The
 * file written as /w/b is then /w/a, and a reader of /w/a reads it.
 */
START_TEST(rename_exchange_swaps_the_files)
{
	static const char text[] =
	SC("100", "1", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"wa\" exe=\"/bin/wa\"")
	CWD("100", "1")
	PATHR("100", "1", "0", "/w/", "10", "040755", "PARENT")
	PATHR("100", "1", "1", "/w/a", "30", "0100644", "CREATE")
	EOE("100", "1")
	SC("101", "2", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"wa\" exe=\"/bin/wa\"")
	EOE("101", "2")
	SC("102", "3", "257", "exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=200 comm=\"wb\" exe=\"/bin/wb\"")
	CWD("102", "3")
	PATHR("102", "3", "0", "/w/", "10", "040755", "PARENT")
	PATHR("102", "3", "1", "/w/b", "31", "0100644", "CREATE")
	EOE("102", "3")
	SC("103", "4", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"wb\" exe=\"/bin/wb\"")
	EOE("103", "4")
	SC("110", "5", "316", "exit=0 a0=ffffff9c a1=1 a2=ffffff9c a3=2 items=6 ppid=1 pid=250 comm=\"mv\" exe=\"/bin/mv\"")
	CWD("110", "5")
	PATHR("110", "5", "0", "/w/", "10", "040755", "PARENT")
	PATHR("110", "5", "1", "/w/", "10", "040755", "PARENT")
	PATHR("110", "5", "2", "/w/a", "30", "0100644", "DELETE")
	PATHR("110", "5", "3", "/w/b", "31", "0100644", "DELETE")
	PATHR("110", "5", "4", "/w/b", "30", "0100644", "CREATE")
	PATHR("110", "5", "5", "/w/a", "31", "0100644", "CREATE")
	EOE("110", "5")
	SC("120", "6", "257", "exit=3 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=300 comm=\"rd\" exe=\"/bin/rd\"")
	CWD("120", "6")
	PATHR("120", "6", "0", "/w/a", "31", "0100644", "NORMAL")
	EOE("120", "6")
	SC("121", "7", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=300 comm=\"rd\" exe=\"/bin/rd\"")
	EOE("121", "7")
	SC("122", "8", "257", "exit=4 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=300 comm=\"rd\" exe=\"/bin/rd\"")
	CWD("122", "8")
	PATHR("122", "8", "0", "/w/", "10", "040755", "PARENT")
	PATHR("122", "8", "1", "/w/out", "32", "0100644", "CREATE")
	EOE("122", "8")
	SC("123", "9", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=300 comm=\"rd\" exe=\"/bin/rd\"")
	EOE("123", "9");
	const char *log = tu_path("exchange.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	res = backtrack(&g, log, "file:/w/out");
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 200));
	bt_result_free(res);
	bt_graph_free(g);
	g = NULL;
	/* the file now named /w/b was written by wa alone */
	res = backtrack(&g, log, "file:/w/b");
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 100));
	ck_assert(!has_node(res, BT_OBJ_PROCESS, NULL, 200));
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

/*
 * A connected unix datagram sender that writes with write(2), which the
 * rules do not log: when the receiver bound to the name receives, the
 * sender, still holding its socket, may have sent by then.
 */
START_TEST(unix_datagram_write_is_inferred_at_the_receive)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=6e a3=0 items=0 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=0100" HEX_RUN_S_SOCK "\n"
	EOE("100", "1")
	SC("110", "2", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"")
	CWD("110", "2")
	PATHR("110", "2", "0", "/w/src", "20", "0100600", "NORMAL")
	EOE("110", "2")
	SC("111", "3", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"")
	EOE("111", "3")
	DGRAM_SOCKET_REC
	SC("113", "5", "42", "exit=0 a0=4 a1=7ffc a2=6e a3=0 items=1 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"")
	"type=SOCKADDR msg=audit(1700000000.113:5): saddr=0100" HEX_RUN_S_SOCK "\n"
	EOE("113", "5")
	SC("120", "6", "45", "exit=27 a0=3 a1=7ffc a2=1000 a3=0 items=0 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"")
	"type=SOCKADDR msg=audit(1700000000.120:6): saddr=0100\n"
	EOE("120", "6")
	SC("121", "7", "257", "exit=6 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"")
	CWD("121", "7")
	PATHR("121", "7", "0", "/w/", "10", "040755", "PARENT")
	PATHR("121", "7", "1", "sink", "21", "0100644", "CREATE")
	EOE("121", "7")
	SC("122", "8", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"")
	EOE("122", "8");

	ck_assert(dgram_sink_reaches_src(text, "unix:/run/s.sock"));
}
END_TEST

/*
 * Two named unix datagram sockets (chronyc and chronyd): the client, bound
 * to /run/c.sock, asks /run/s.sock; the server reads the source and
 * replies by sendto to the client's name; the client writes the reply to
 * the sink.  The reply is in /run/c.sock, where the client reads it, not
 * in what the client itself sent.
 */
START_TEST(unix_datagram_reply_goes_to_the_clients_name)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=6e a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=0100" HEX_RUN_S_SOCK "\n"
	EOE("100", "1")
	SC("101", "2", "49", "exit=0 a0=4 a1=7ffc a2=6e a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.101:2): saddr=01002F72756E2F632E736F636B00\n"
	EOE("101", "2")
	SC("102", "3", "44", "exit=3 a0=4 a1=7ffc a2=3 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.102:3): saddr=0100" HEX_RUN_S_SOCK "\n"
	EOE("102", "3")
	SC("103", "4", "45", "exit=3 a0=3 a1=7ffc a2=1000 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.103:4): saddr=01002F72756E2F632E736F636B00\n"
	EOE("103", "4")
	SC("104", "5", "257", "exit=5 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	CWD("104", "5")
	PATHR("104", "5", "0", "/w/src", "20", "0100600", "NORMAL")
	EOE("104", "5")
	SC("105", "6", "3", "exit=0 a0=5 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("105", "6")
	SC("106", "7", "44", "exit=27 a0=3 a1=7ffc a2=1b a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.106:7): saddr=01002F72756E2F632E736F636B00\n"
	EOE("106", "7")
	SC("107", "8", "45", "exit=27 a0=4 a1=7ffc a2=1000 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.107:8): saddr=0100" HEX_RUN_S_SOCK "\n"
	EOE("107", "8")
	SC("121", "9", "257", "exit=6 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	CWD("121", "9")
	PATHR("121", "9", "0", "/w/", "10", "040755", "PARENT")
	PATHR("121", "9", "1", "sink", "21", "0100644", "CREATE")
	EOE("121", "9")
	SC("122", "10", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("122", "10");
	const char *log = tu_path("dgreply.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	res = backtrack(&g, log, "file:/w/sink");
	ck_assert(has_node(res, BT_OBJ_ENDPOINT, "unix:/run/c.sock", 0));
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 100));
	ck_assert(has_node(res, BT_OBJ_FILE, "/w/src", 0));
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

/*
 * The accept is written before the connect that woke it (audit numbers
 * an event at its exit; the client may be descheduled right after its
 * connect queued): the connect joins that accept, if its floor is not
 * much before the connect's stamp.  An accept that returned long before
 * a connect (its client outside the log) is not joined to it.
 */
START_TEST(connect_written_after_its_accept_joins_it)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=6e a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=01002F72756E2F732E736F636B00\n"
	EOE("100", "1")
	SC("101", "2", "49", "exit=0 a0=3 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=300 comm=\"old\" exe=\"/bin/old\"")
	"type=SOCKADDR msg=audit(1700000000.101:2): saddr=02001F907F000001\n"
	EOE("101", "2")
	SC("102", "3", "43", "exit=5 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=300 comm=\"old\" exe=\"/bin/old\"")
	EOE("102", "3")
	SC("110", "4", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	CWD("110", "4")
	PATHR("110", "4", "0", "/w/src", "20", "0100600", "NORMAL")
	EOE("110", "4")
	SC("111", "5", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("111", "5")
	SC("105", "6", "43", "exit=5 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("105", "6")
	SC("112", "7", "42", "exit=0 a0=4 a1=7ffc a2=6e a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.112:7): saddr=01002F72756E2F732E736F636B00\n"
	EOE("112", "7")
	SC("113", "8", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("113", "8")
	SC("121", "9", "257", "exit=6 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	CWD("121", "9")
	PATHR("121", "9", "0", "/w/", "10", "040755", "PARENT")
	PATHR("121", "9", "1", "sink", "21", "0100644", "CREATE")
	EOE("121", "9")
	SC("122", "10", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("122", "10")
	/* 127.0.0.1:8080 accepted at 102; a connect half a second later */
	SC("600", "11", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=400 comm=\"late\" exe=\"/bin/late\"")
	CWD("600", "11")
	PATHR("600", "11", "0", "/w/late", "22", "0100600", "NORMAL")
	EOE("600", "11")
	SC("601", "12", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=400 comm=\"late\" exe=\"/bin/late\"")
	EOE("601", "12")
	SC("602", "13", "42", "exit=0 a0=4 a1=7ffc a2=10 a3=0 items=0 ppid=1 pid=400 comm=\"late\" exe=\"/bin/late\"")
	"type=SOCKADDR msg=audit(1700000000.602:13): saddr=02001F907F000001\n"
	EOE("602", "13")
	SC("603", "14", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=400 comm=\"late\" exe=\"/bin/late\"")
	EOE("603", "14")
	SC("610", "15", "257", "exit=6 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=300 comm=\"old\" exe=\"/bin/old\"")
	CWD("610", "15")
	PATHR("610", "15", "0", "/w/", "10", "040755", "PARENT")
	PATHR("610", "15", "1", "oldout", "23", "0100644", "CREATE")
	EOE("610", "15")
	SC("611", "16", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=300 comm=\"old\" exe=\"/bin/old\"")
	EOE("611", "16");
	const char *log = tu_path("acceptfirst.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	res = backtrack(&g, log, "file:/w/sink");
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 200));
	ck_assert(has_node(res, BT_OBJ_FILE, "/w/src", 0));
	bt_result_free(res);
	bt_graph_free(g);
	g = NULL;
	res = backtrack(&g, log, "file:/w/oldout");
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 300));
	ck_assert(!has_node(res, BT_OBJ_PROCESS, NULL, 400));
	ck_assert(!has_node(res, BT_OBJ_FILE, "/w/late", 0));
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

/*
 * A unix socket bound by a relative name ("s.sock" in /w) and connected
 * to by its absolute one: one address (made absolute against the
 * event's CWD), so the accept joins the connect.
 */
START_TEST(relative_unix_name_is_made_absolute)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=6e a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	CWD("100", "1")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=0100732E736F636B00\n"
	EOE("100", "1")
	SC("110", "2", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	CWD("110", "2")
	PATHR("110", "2", "0", "/w/src", "20", "0100600", "NORMAL")
	EOE("110", "2")
	SC("111", "3", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("111", "3")
	SC("112", "4", "42", "exit=0 a0=4 a1=7ffc a2=6e a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	"type=SOCKADDR msg=audit(1700000000.112:4): saddr=01002F772F732E736F636B00\n"
	EOE("112", "4")
	SC("120", "5", "43", "exit=5 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("120", "5")
	SC("121", "6", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"cli\" exe=\"/bin/cli\"")
	EOE("121", "6")
	SC("122", "7", "257", "exit=6 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	CWD("122", "7")
	PATHR("122", "7", "0", "/w/", "10", "040755", "PARENT")
	PATHR("122", "7", "1", "sink", "21", "0100644", "CREATE")
	EOE("122", "7")
	SC("123", "8", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"srv\" exe=\"/bin/srv\"")
	EOE("123", "8");
	const char *log = tu_path("unixrel.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	res = backtrack(&g, log, "file:/w/sink");
	ck_assert(has_node(res, BT_OBJ_ENDPOINT, "unix:/w/s.sock", 0));
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 200));
	ck_assert(has_node(res, BT_OBJ_FILE, "/w/src", 0));
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

/*
 * A chrooted process (postfix) connects to /dev/log: the name is under
 * its root, where the syslog daemon bound it (/w/jail/dev/log), as its
 * file names are.
 */
START_TEST(chrooted_unix_name_is_under_the_root)
{
	static const char text[] =
	SC("100", "1", "49", "exit=0 a0=3 a1=7ffc a2=6e a3=0 items=0 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"")
	"type=SOCKADDR msg=audit(1700000000.100:1): saddr=01002F772F6A61696C2F6465762F6C6F6700\n"
	EOE("100", "1")
	SC("105", "2", "161", "exit=0 a0=1 a1=0 a2=0 a3=0 items=1 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"")
	CWD("105", "2")
	PATHR("105", "2", "0", "jail", "50", "040755", "NORMAL")
	EOE("105", "2")
	SC("110", "3", "257", "exit=4 a0=ffffff9c a1=1 a2=0 a3=0 items=1 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"")
	"type=CWD msg=audit(1700000000.110:3): cwd=\"/\"\n"
	PATHR("110", "3", "0", "/src", "20", "0100600", "NORMAL")
	EOE("110", "3")
	SC("111", "4", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"")
	EOE("111", "4")
	SC("112", "5", "41", "exit=4 a0=1 a1=80002 a2=0 a3=0 items=0 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"")
	EOE("112", "5")
	SC("113", "6", "42", "exit=0 a0=4 a1=7ffc a2=6e a3=0 items=0 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"")
	"type=CWD msg=audit(1700000000.113:6): cwd=\"/\"\n"
	"type=SOCKADDR msg=audit(1700000000.113:6): saddr=0100" HEX_DEV_LOG "\n"
	EOE("113", "6")
	SC("114", "7", "44", "exit=27 a0=4 a1=7ffc a2=1b a3=0 items=0 ppid=1 pid=200 comm=\"snd\" exe=\"/bin/snd\"")
	EOE("114", "7")
	SC("120", "8", "45", "exit=27 a0=3 a1=7ffc a2=1000 a3=0 items=0 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"")
	"type=SOCKADDR msg=audit(1700000000.120:8): saddr=0100\n"
	EOE("120", "8")
	SC("121", "9", "257", "exit=6 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"")
	CWD("121", "9")
	PATHR("121", "9", "0", "/w/", "10", "040755", "PARENT")
	PATHR("121", "9", "1", "sink", "21", "0100644", "CREATE")
	EOE("121", "9")
	SC("122", "10", "3", "exit=0 a0=6 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 comm=\"rcv\" exe=\"/bin/rcv\"")
	EOE("122", "10");
	const char *log = tu_path("unixjail.btl");
	struct bt_graph *g = NULL;
	struct bt_result *res;

	ck_assert_msg(import(log, text, 0) == 0, "%s", bt_error_msg());
	res = backtrack(&g, log, "file:/w/sink");
	ck_assert(has_node(res, BT_OBJ_ENDPOINT, "unix:/w/jail/dev/log", 0));
	ck_assert(has_node(res, BT_OBJ_PROCESS, NULL, 200));
	ck_assert(has_node(res, BT_OBJ_FILE, "/w/jail/src", 0));
	bt_result_free(res);
	bt_graph_free(g);
}
END_TEST

/* ---- POSIX message queues ---------------------------------------------- */

/* A queue's PATH record: the mqueue file system's device, the name as
 * mq_open gave it without its slash, or (null) for mq_timedsend's. */
#define MQPATH(ms, ser, name, nt) \
	"type=PATH msg=audit(1700000000." ms ":" ser "): item=0 name=" name \
	" inode=30 dev=00:14 mode=0100600 ouid=0 ogid=0 rdev=00:00 " \
	"nametype=" nt "\n"

/* The parent (100) makes queue "q" and forks; the child (101) opens it
 * for writing, reads secret and sends it; the parent receives, writes out,
 * then reads decoy and unlinks the queue.  `waited` as socketpair_flow():
 * the receive stamped before the send, numbered after it (1) or before
 * it (2). */
static void mq_flow(int waited)
{
	static char text[8192];
	const char *rms = waited ? "110" : "125";
	const char *sser = waited == 2 ? "7" : "6";
	const char *rser = waited == 2 ? "6" : "7";
	char rcv[1024], snd[1024];

	snprintf(rcv, sizeof(rcv),
		 "type=SYSCALL msg=audit(1700000000.%s:%s): arch=c000003e "
		 "syscall=243 success=yes exit=7 a0=3 a1=7ffc a2=1000 a3=0 "
		 "items=1 " PP " auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
		 "egid=0 sgid=0 fsgid=0 tty=(none) ses=1 key=\"bt\"\n"
		 "type=MQ_SENDRECV msg=audit(1700000000.%s:%s): mqdes=3 "
		 "msg_len=4096 msg_prio=0 abs_timeout_sec=0 "
		 "abs_timeout_nsec=0\n"
		 "type=PATH msg=audit(1700000000.%s:%s): item=0 name=(null) "
		 "inode=30 dev=00:14 mode=0100600 ouid=0 ogid=0 rdev=00:00 "
		 "nametype=NORMAL\n"
		 "type=EOE msg=audit(1700000000.%s:%s): \n",
		 rms, rser, rms, rser, rms, rser, rms, rser);
	snprintf(snd, sizeof(snd),
		 "type=SYSCALL msg=audit(1700000000.120:%s): arch=c000003e "
		 "syscall=242 success=yes exit=0 a0=4 a1=7ffc a2=7 a3=0 "
		 "items=1 " PC " auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
		 "egid=0 sgid=0 fsgid=0 tty=(none) ses=1 key=\"bt\"\n"
		 "type=PATH msg=audit(1700000000.120:%s): item=0 name=(null) "
		 "inode=30 dev=00:14 mode=0100600 ouid=0 ogid=0 rdev=00:00 "
		 "nametype=NORMAL\n"
		 "type=EOE msg=audit(1700000000.120:%s): \n", sser, sser, sser);
	snprintf(text, sizeof(text), "%s",
	SC("100", "1", "240", "exit=3 a0=7ffc a1=c2 a2=180 a3=7ffc items=1 " PP)
	"type=MQ_OPEN msg=audit(1700000000.100:1): oflag=0xc2 mode=0600 "
	"mq_flags=0x0 mq_maxmsg=1 mq_msgsize=4096 mq_curmsgs=0\n"
	CWD("100", "1")
	MQPATH("100", "1", "\"q\"", "CREATE")
	EOE("100", "1")
	SC("101", "2", "57", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 " PP)
	EOE("101", "2")
	SC("103", "3", "240", "exit=4 a0=7ffc a1=1 a2=0 a3=0 items=1 " PC)
	CWD("103", "3")
	MQPATH("103", "3", "\"q\"", "NORMAL")
	EOE("103", "3")
	SC("105", "4", "257", "exit=5 a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 " PC)
	CWD("105", "4")
	PATHR("105", "4", "0", "secret", "20", "0100600", "NORMAL")
	EOE("105", "4")
	SC("115", "5", "39", "exit=300 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=300 comm=\"q\" exe=\"/bin/q\"")
	EOE("115", "5"));
	if (waited == 2)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "%s", rcv);
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s", snd);
	if (waited != 2)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "%s", rcv);
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s",
	SC("140", "8", "257", "exit=6 a0=ffffff9c a1=7ffc a2=241 a3=1b6 items=2 " PP)
	CWD("140", "8")
	PATHR("140", "8", "0", "/w/", "10", "040755", "PARENT")
	PATHR("140", "8", "1", "out", "21", "0100644", "CREATE")
	EOE("140", "8")
	SC("145", "9", "257", "exit=7 a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 " PP)
	CWD("145", "9")
	PATHR("145", "9", "0", "decoy", "22", "0100600", "NORMAL")
	EOE("145", "9")
	SC("150", "10", "241", "exit=0 a0=7ffc a1=0 a2=0 a3=0 items=1 " PP)
	CWD("150", "10")
	MQPATH("150", "10", "\"q\"", "DELETE")
	EOE("150", "10"));
	sem_import(text);
}

START_TEST(message_queue_carries_data)
{
	const struct sem_obs *o;
	uint64_t sent, got;
	int waited;
	size_t k;

	for (waited = 0; waited <= 2; waited++) {
		mq_flow(waited);
		ck_assert_msg(sem_reaches("#21", "#20"), "waited %d", waited);
		ck_assert(!sem_reaches("#21", "#22"));
		/* named where the mqueue file system is mounted, never under
		 * the working directory */
		ck_assert_ptr_nonnull(o = sem_find(BT_RAW_CREATE, 100));
		ck_assert_str_eq(o->path, "/dev/mqueue/q");
		ck_assert_ptr_nonnull(o = sem_find(BT_RAW_OPEN, 101));
		ck_assert_str_eq(o->path, "/dev/mqueue/q");
		ck_assert_ptr_nonnull(o = sem_find(BT_RAW_UNLINK, 100));
		ck_assert_str_eq(o->path, "/dev/mqueue/q");
		/* one write by the sender, one read by the receiver: no
		 * other is inferred from the queue's opens */
		sent = got = 0;
		for (k = 0; k < nsem; k++) {
			if (!sem[k].has_ino || sem[k].ino != 30)
				continue;
			if (sem[k].op == BT_RAW_WRITE) {
				ck_assert_uint_eq(sent, 0);
				ck_assert_uint_eq(sem[k].pid, 101);
				ck_assert_uint_eq(sem[k].bytes, 7);
				sent = sem[k].time;
			}
			if (sem[k].op == BT_RAW_READ) {
				ck_assert_uint_eq(got, 0);
				ck_assert_uint_eq(sem[k].pid, 100);
				ck_assert_uint_eq(sem[k].bytes, 7);
				got = sem[k].time;
			}
		}
		ck_assert_uint_gt(sent, 0);
		ck_assert_uint_gt(got, sent);
		ck_assert_uint_lt(got, 1700000000140000000ULL);
	}
}
END_TEST

/* ---- rules that log read and write (SPADE's) ----------------------------- */

/* The parent (100) opens secret (fd 3) and a pipe (4, 5), forks 101, and
 * moves secret into the pipe with one of the copies the kernel makes
 * (`call`, its arguments); the child reads the pipe (logged) and writes
 * out; the parent then reads decoy.  Every read and write is logged: no
 * descriptor is inferred. */
static void logged_copy(const char *call)
{
	static char text[8192];

	snprintf(text, sizeof(text), "%s%s%s",
	SC("100", "1", "293", "exit=0 a0=7ffc a1=0 a2=0 a3=0 items=0 " PP)
	"type=FD_PAIR msg=audit(1700000000.100:1): fd0=4 fd1=5\n"
	EOE("100", "1")
	SC("101", "2", "57", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 " PP)
	EOE("101", "2")
	SC("102", "3", "257", "exit=3 a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 " PP)
	CWD("102", "3")
	PATHR("102", "3", "0", "secret", "20", "0100600", "NORMAL")
	EOE("102", "3")
	/* a logged write to the terminal: its I/O is in the log */
	SC("103", "4", "1", "exit=2 a0=1 a1=7ffc a2=2 a3=0 items=0 " PP)
	EOE("103", "4"),
	call,
	SC("120", "6", "0", "exit=7 a0=4 a1=7ffc a2=1000 a3=0 items=0 " PC)
	EOE("120", "6")
	SC("130", "7", "257", "exit=6 a0=ffffff9c a1=7ffc a2=241 a3=1b6 items=2 " PC)
	CWD("130", "7")
	PATHR("130", "7", "0", "/w/", "10", "040755", "PARENT")
	PATHR("130", "7", "1", "out", "21", "0100644", "CREATE")
	EOE("130", "7")
	SC("131", "8", "1", "exit=7 a0=6 a1=7ffc a2=7 a3=0 items=0 " PC)
	EOE("131", "8")
	SC("140", "9", "257", "exit=7 a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 " PP)
	CWD("140", "9")
	PATHR("140", "9", "0", "decoy", "22", "0100600", "NORMAL")
	EOE("140", "9")
	SC("141", "10", "0", "exit=5 a0=7 a1=7ffc a2=1000 a3=0 items=0 " PP)
	EOE("141", "10"));
	sem_import(text);
}

START_TEST(logged_kernel_copies_carry_data)
{
	static const char *const calls[] = {
		/* splice(3, NULL, 5, NULL, 7, 0) */
		SC("110", "5", "275", "exit=7 a0=3 a1=0 a2=5 a3=0 items=0 " PP)
		EOE("110", "5"),
		/* sendfile(5, 3, NULL, 7) */
		SC("110", "5", "40", "exit=7 a0=5 a1=3 a2=0 a3=7 items=0 " PP)
		EOE("110", "5"),
		/* copy_file_range(3, NULL, 5, NULL, 7, 0) */
		SC("110", "5", "326", "exit=7 a0=3 a1=0 a2=5 a3=0 items=0 " PP)
		EOE("110", "5"),
		/* preadv2(3, ...) then pwritev2(5, ...): into memory, out */
		SC("110", "5", "327", "exit=7 a0=3 a1=7ffc a2=1 a3=0 items=0 " PP)
		EOE("110", "5")
		SC("111", "51", "328", "exit=7 a0=5 a1=7ffc a2=1 a3=0 items=0 " PP)
		EOE("111", "51"),
		/* vmsplice(5, ...) into the pipe's write end, after a read */
		SC("110", "5", "0", "exit=7 a0=3 a1=7ffc a2=1000 a3=0 items=0 " PP)
		EOE("110", "5")
		SC("111", "51", "278", "exit=7 a0=5 a1=7ffc a2=1 a3=0 items=0 " PP)
		EOE("111", "51"),
	};
	size_t k;

	for (k = 0; k < sizeof(calls) / sizeof(calls[0]); k++) {
		logged_copy(calls[k]);
		ck_assert_msg(sem_reaches("#21", "#20"), "call %zu", k);
		ck_assert_msg(!sem_reaches("#21", "#22"), "call %zu", k);
	}
	/* without the copy, nothing reaches out (the parent's read and its
	 * descriptors infer nothing once its I/O is in the log) */
	logged_copy(SC("110", "5", "0", "exit=7 a0=3 a1=7ffc a2=1000 a3=0 items=0 " PP)
		    EOE("110", "5"));
	ck_assert(!sem_reaches("#21", "#20"));
}
END_TEST

/* A read of a pipe that waited is stamped at its entry, before the write
 * it waited for: dated after it, whether numbered after the write (1) or
 * before it (2, with another process's event numbered before it and
 * stamped after its entry). */
START_TEST(logged_pipe_read_that_waited_follows_the_write)
{
	static char text[8192];
	int order;

	for (order = 1; order <= 2; order++) {
		const char *wser = order == 1 ? "5" : "6";
		const char *rser = order == 1 ? "6" : "5";
		char w[512], r[512];

		snprintf(w, sizeof(w), "type=SYSCALL msg=audit(1700000000.115:%s): "
			 "arch=c000003e syscall=1 success=yes exit=7 a0=5 "
			 "a1=7ffc a2=7 a3=0 items=0 " PP " auid=0 uid=0 "
			 "gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
			 "tty=(none) ses=1 key=\"bt\"\n", wser);
		snprintf(r, sizeof(r), "type=SYSCALL msg=audit(1700000000.105:%s): "
			 "arch=c000003e syscall=0 success=yes exit=7 a0=4 "
			 "a1=7ffc a2=1000 a3=0 items=0 " PC " auid=0 uid=0 "
			 "gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
			 "tty=(none) ses=1 key=\"bt\"\n", rser);
		snprintf(text, sizeof(text), "%s%s%s%s",
		SC("100", "1", "293", "exit=0 a0=7ffc a1=0 a2=0 a3=0 items=0 " PP)
		"type=FD_PAIR msg=audit(1700000000.100:1): fd0=4 fd1=5\n"
		SC("101", "2", "57", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 " PP)
		SC("110", "3", "257", "exit=3 a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 " PP)
		CWD("110", "3")
		PATHR("110", "3", "0", "secret", "20", "0100600", "NORMAL")
		SC("112", "4", "0", "exit=7 a0=3 a1=7ffc a2=1000 a3=0 items=0 " PP),
		order == 1 ? w : r, order == 1 ? r : w,
		SC("130", "7", "257", "exit=6 a0=ffffff9c a1=7ffc a2=241 a3=1b6 items=2 " PC)
		CWD("130", "7")
		PATHR("130", "7", "0", "/w/", "10", "040755", "PARENT")
		PATHR("130", "7", "1", "out", "21", "0100644", "CREATE")
		SC("131", "8", "1", "exit=7 a0=6 a1=7ffc a2=7 a3=0 items=0 " PC));
		sem_import(text);
		ck_assert_msg(sem_reaches("#21", "#20"), "order %d", order);
	}
}
END_TEST

/* Memory shared with a child is never in a call, whatever the rules log:
 * the child stores what it read, and the parent's logged write after it
 * carries it (a read of the mapping first). */
START_TEST(logged_io_still_infers_shared_memory)
{
	static const char text[] =
	SC("100", "1", "9", "exit=140737354125312 a0=0 a1=1000 a2=3 a3=21 items=0 " PP)
	EOE("100", "1")
	SC("101", "2", "57", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 " PP)
	EOE("101", "2")
	SC("105", "3", "257", "exit=3 a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 " PC)
	CWD("105", "3")
	PATHR("105", "3", "0", "secret", "20", "0100600", "NORMAL")
	EOE("105", "3")
	SC("106", "4", "0", "exit=7 a0=3 a1=7ffc a2=1000 a3=0 items=0 " PC)
	EOE("106", "4")
	SC("107", "5", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 " PC)
	EOE("107", "5")
	SC("110", "6", "231", "exit=0 a0=0 a1=0 a2=0 a3=0 items=0 " PC)
	EOE("110", "6")
	SC("140", "7", "257", "exit=4 a0=ffffff9c a1=7ffc a2=241 a3=1b6 items=2 " PP)
	CWD("140", "7")
	PATHR("140", "7", "0", "/w/", "10", "040755", "PARENT")
	PATHR("140", "7", "1", "out", "21", "0100644", "CREATE")
	EOE("140", "7")
	SC("141", "8", "1", "exit=7 a0=4 a1=7ffc a2=7 a3=0 items=0 " PP)
	EOE("141", "8")
	SC("150", "9", "257", "exit=5 a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 " PP)
	CWD("150", "9")
	PATHR("150", "9", "0", "decoy", "22", "0100600", "NORMAL")
	EOE("150", "9")
	SC("151", "10", "0", "exit=5 a0=5 a1=7ffc a2=1000 a3=0 items=0 " PP)
	EOE("151", "10");

	sem_import(text);
	ck_assert(sem_reaches("#21", "#20"));
	ck_assert(!sem_reaches("#21", "#22"));
}
END_TEST

/* mmap(MAP_SHARED | MAP_ANONYMOUS) by the parent before its fork: the
 * child reads secret (and may store it there) and exits; the parent then
 * writes out, and after it reads decoy. */
START_TEST(anonymous_shared_memory_carries_data)
{
	static const char text[] =
	SC("100", "1", "9", "exit=140737354125312 a0=0 a1=1000 a2=3 a3=21 items=0 " PP)
	"type=MMAP msg=audit(1700000000.100:1): fd=-1 flags=0x21\n"
	EOE("100", "1")
	SC("101", "2", "57", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 " PP)
	EOE("101", "2")
	SC("105", "3", "257", "exit=3 a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 " PC)
	CWD("105", "3")
	PATHR("105", "3", "0", "secret", "20", "0100600", "NORMAL")
	EOE("105", "3")
	SC("107", "4", "3", "exit=0 a0=3 a1=0 a2=0 a3=0 items=0 " PC)
	EOE("107", "4")
	SC("110", "5", "231", "exit=0 a0=0 a1=0 a2=0 a3=0 items=0 " PC)
	EOE("110", "5")
	SC("140", "6", "257", "exit=4 a0=ffffff9c a1=7ffc a2=241 a3=1b6 items=2 " PP)
	CWD("140", "6")
	PATHR("140", "6", "0", "/w/", "10", "040755", "PARENT")
	PATHR("140", "6", "1", "out", "21", "0100644", "CREATE")
	EOE("140", "6")
	SC("150", "7", "3", "exit=0 a0=4 a1=0 a2=0 a3=0 items=0 " PP)
	EOE("150", "7")
	SC("160", "8", "257", "exit=5 a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 " PP)
	CWD("160", "8")
	PATHR("160", "8", "0", "decoy", "22", "0100600", "NORMAL")
	EOE("160", "8");
	const struct sem_obs *m;

	sem_import(text);
	ck_assert(sem_reaches("#21", "#20"));
	ck_assert(!sem_reaches("#21", "#22"));
	/* one anonymous object, mapped shared by the parent */
	ck_assert_ptr_nonnull(m = sem_find(BT_RAW_MMAP, 100));
	ck_assert(m->has_ino);
	ck_assert_uint_eq(m->file_flags, BT_FILEF_ANON);
	/* private anonymous memory (malloc's) is nothing */
	sem_import(SC("100", "1", "9", "exit=140737354125312 a0=0 a1=1000 a2=3 a3=22 items=0 " PP)
		   EOE("100", "1"));
	ck_assert_ptr_null(sem_find(BT_RAW_MMAP, 100));
}
END_TEST

/* A System V message queue (id 65536): the child (101) reads secret and
 * msgsnd()s it; the parent (100) msgrcv()s and writes out, then reads
 * decoy.  `waited` as mq_flow(). */
static void msg_flow(int waited)
{
	static char text[8192];
	const char *rms = waited ? "110" : "125";
	const char *sser = waited == 2 ? "5" : "4";
	const char *rser = waited == 2 ? "4" : "5";
	char rcv[1024], snd[1024];

	snprintf(rcv, sizeof(rcv),
		 "type=SYSCALL msg=audit(1700000000.%s:%s): arch=c000003e "
		 "syscall=70 success=yes exit=7 a0=10000 a1=7ffc a2=1000 "
		 "a3=0 items=0 " PP " auid=0 uid=0 gid=0 euid=0 suid=0 "
		 "fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 key=\"bt\"\n"
		 "type=EOE msg=audit(1700000000.%s:%s): \n",
		 rms, rser, rms, rser);
	snprintf(snd, sizeof(snd),
		 "type=SYSCALL msg=audit(1700000000.120:%s): arch=c000003e "
		 "syscall=69 success=yes exit=0 a0=10000 a1=7ffc a2=7 a3=0 "
		 "items=0 " PC " auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
		 "egid=0 sgid=0 fsgid=0 tty=(none) ses=1 key=\"bt\"\n"
		 "type=EOE msg=audit(1700000000.120:%s): \n", sser, sser);
	snprintf(text, sizeof(text), "%s",
	SC("101", "1", "57", "exit=101 a0=0 a1=0 a2=0 a3=0 items=0 " PP)
	EOE("101", "1")
	SC("105", "2", "257", "exit=5 a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 " PC)
	CWD("105", "2")
	PATHR("105", "2", "0", "secret", "20", "0100600", "NORMAL")
	EOE("105", "2")
	SC("115", "3", "39", "exit=300 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=300 comm=\"q\" exe=\"/bin/q\"")
	EOE("115", "3"));
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%s",
		 waited == 2 ? rcv : snd, waited == 2 ? snd : rcv);
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s",
	SC("140", "6", "257", "exit=6 a0=ffffff9c a1=7ffc a2=241 a3=1b6 items=2 " PP)
	CWD("140", "6")
	PATHR("140", "6", "0", "/w/", "10", "040755", "PARENT")
	PATHR("140", "6", "1", "out", "21", "0100644", "CREATE")
	EOE("140", "6")
	SC("145", "7", "257", "exit=7 a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 " PP)
	CWD("145", "7")
	PATHR("145", "7", "0", "decoy", "22", "0100600", "NORMAL")
	EOE("145", "7"));
	sem_import(text);
}

START_TEST(sysv_message_queue_carries_data)
{
	uint64_t sent, got, q = BT_SYSV_MSG_INO(65536);
	int waited;
	size_t k;

	for (waited = 0; waited <= 2; waited++) {
		msg_flow(waited);
		ck_assert_msg(sem_reaches("#21", "#20"), "waited %d", waited);
		ck_assert(!sem_reaches("#21", "#22"));
		sent = got = 0;
		for (k = 0; k < nsem; k++) {
			if (!sem[k].has_ino || sem[k].ino != q)
				continue;
			ck_assert_str_eq(sem[k].path, "sysv-msg:[65536]");
			ck_assert_uint_eq(sem[k].file_flags, BT_FILEF_PIPE);
			ck_assert_uint_eq(sem[k].bytes, 7);
			if (sem[k].op == BT_RAW_WRITE) {
				ck_assert_uint_eq(sem[k].pid, 101);
				sent = sem[k].time;
			} else {
				ck_assert_uint_eq(sem[k].op, BT_RAW_READ);
				ck_assert_uint_eq(sem[k].pid, 100);
				got = sem[k].time;
			}
		}
		ck_assert_uint_gt(sent, 0);
		ck_assert_uint_gt(got, sent);
		ck_assert_uint_lt(got, 1700000000140000000ULL);
	}
}
END_TEST

/* Names no queue has (a slash inside, empty, unquoted hex garbage): the
 * queue is kept by its inode, never as a file under the working
 * directory; a send on a descriptor the log never showed is a gap. */
START_TEST(message_queue_odd_names_keep_the_inode)
{
	static const char *const names[] = { "\"a/b\"", "\"\"", "(null)",
					      "\"/\"" };
	char text[4096];
	size_t i, k;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(text, sizeof(text), "%s" MQPATH("100", "1", "%s", "CREATE") "%s",
			 SC("100", "1", "240", "exit=3 a0=7ffc a1=c2 a2=180 a3=7ffc items=1 " PP)
			 CWD("100", "1"), names[i],
			 EOE("100", "1")
			 SC("110", "2", "242", "exit=0 a0=3 a1=7ffc a2=7 a3=0 items=1 " PP)
			 MQPATH("110", "2", "(null)", "NORMAL")
			 EOE("110", "2")
			 SC("120", "3", "242", "exit=0 a0=9 a1=7ffc a2=7 a3=0 items=1 " PP)
			 EOE("120", "3"));
		sem_import(text);
		ck_assert_uint_eq(sem_count(BT_RAW_WRITE, 100, NULL), 1);
		for (k = 0; k < nsem; k++) {
			ck_assert_msg(strncmp(sem[k].path, "/w", 2),
				      "%s named %s", names[i], sem[k].path);
			if (sem[k].op == BT_RAW_WRITE)
				ck_assert(sem[k].has_ino && sem[k].ino == 30);
		}
		ck_assert_uint_ge(sem_stats.gaps, 1);
	}
}
END_TEST

static void add_runtimes_tests(Suite *s)
{
	TCase *tc = tcase_create("runtimes");

	tcase_add_test(tc, clone3_threads_stay_in_their_process);
	tcase_add_test(tc, ipv6_addresses_are_canonical);
	tcase_add_test(tc, port_zero_listener_joins_its_client);
	tcase_add_test(tc, port_zero_datagram_receiver_learns_its_port);
	tcase_add_test(tc, blocking_accept_follows_the_connect_it_waited_for);
	tcase_add_test(tc, io_uring_and_aio_setups_are_counted);
	tcase_add_test(tc, shutdown_sends_before_the_close);
	tcase_add_test(tc, connected_datagram_sender_sends_before_the_receive);
	tcase_add_test(tc, client_write_follows_the_servers_send);
	tcase_add_test(tc, unix_stream_server_joins_its_one_client);
	tcase_add_test(tc, unix_datagram_comes_out_of_the_receivers_name);
	tcase_add_test(tc, connect_written_after_its_accept_joins_it);
	tcase_add_test(tc, unix_datagram_connect_sends_into_the_name);
	tcase_add_test(tc, unix_datagram_reply_goes_to_the_clients_name);
	tcase_add_test(tc, unix_datagram_write_is_inferred_at_the_receive);
	tcase_add_test(tc, rename_exchange_swaps_the_files);
	tcase_add_test(tc, sendmmsg_and_recvmmsg_are_datagrams);
	tcase_add_test(tc, receive_numbered_before_its_send_follows_it);
	tcase_add_test(tc, sysv_shared_memory_carries_data);
	tcase_add_test(tc, message_queue_carries_data);
	tcase_add_test(tc, message_queue_odd_names_keep_the_inode);
	tcase_add_test(tc, sysv_message_queue_carries_data);
	tcase_add_test(tc, anonymous_shared_memory_carries_data);
	tcase_add_test(tc, logged_kernel_copies_carry_data);
	tcase_add_test(tc, logged_pipe_read_that_waited_follows_the_write);
	tcase_add_test(tc, logged_io_still_infers_shared_memory);
	tcase_add_test(tc, events_end_at_their_proctitle);
	tcase_add_test(tc, accept_written_before_its_connect_learns_the_port);
	tcase_add_test(tc, relative_unix_name_is_made_absolute);
	tcase_add_test(tc, chrooted_unix_name_is_under_the_root);
	suite_add_tcase(s, tc);
}

static Suite *suite(void)
{
	Suite *s = suite_create("auditd");
	TCase *tc;

	tc = tcase_create("scenario");
	tcase_add_test(tc, scenario_backtracks_through_both_processes);
	tcase_add_test(tc, split_and_hex_arguments_rebuild_argv);
	suite_add_tcase(s, tc);
	tc = tcase_create("grouping");
	tcase_add_test(tc, serials_restart_at_boot);
	suite_add_tcase(s, tc);
	tc = tcase_create("names");
	tcase_add_test(tc, rename_and_unlink);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, malformed_lines_name_their_number);
	tcase_add_test(tc, nul_byte_is_a_bad_line);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hostile_lines_never_crash);
	suite_add_tcase(s, tc);
	/* the auditd (semantics) helper's cases */
	tc = tcase_create("semantics");
	tcase_add_test(tc, redirection_then_children_invents_no_write);
	tcase_add_test(tc, minimal_rules_write_once_at_open);
	tcase_add_test(tc, pipeline_joins_writer_and_reader);
	tcase_add_test(tc, pipeline_minimal_rules_invent_nothing);
	tcase_add_test(tc, symlink_names_link_and_target);
	tcase_add_test(tc, attributes_and_credentials);
	tcase_add_test(tc, sockets_send_recv_and_unknown_peers);
	tcase_add_test(tc, memfd_exec_is_the_creators_file);
	tcase_add_test(tc, truncate_and_directory_names);
	tcase_add_test(tc, ppid_change_at_exec_is_a_new_process);
	tcase_add_test(tc, logged_writes_are_not_inferred_again);
	tcase_add_test(tc, exec_reads_interpreter_and_loader);
	tcase_add_test(tc, self_made_pipe_counts_for_its_only_holder);
	tcase_add_test(tc, reader_closing_output_before_its_pipe);
	tcase_add_test(tc, parent_closing_its_write_end_late);
	tcase_add_test(tc, vfork_written_after_the_childs_exit_makes_no_ghost);
	suite_add_tcase(s, tc);
	add_record_layer_tests(s);
	tc = tcase_create("uid");
	tcase_add_test(tc, first_seen_process_has_its_records_uid);
	suite_add_tcase(s, tc);
	add_fidelity2_tests(s);
	add_fidelity7_tests(s);
	add_mem_tests(s);
	add_fidelity9_tests(s);
	add_runtimes_tests(s);
	return s;
}

int main(void)
{
	return tu_run(suite());
}
