/*
 * check_auditd.c - the audit log importer: grouping of interleaved records,
 * what each syscall becomes, EXECVE's split and hex arguments, both log
 * formats, and malformed or hostile lines.  The scenarios are written as
 * auditd writes them (the field layout of a real Debian 12 audit.log) and
 * checked by what a user sees: the backtracked graph.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../capture/auditd.h"
#include "../core/error.h"
#include "../core/graph.h"
#include "../core/ingest.h"
#include "../core/log.h"
#include "../core/walk.h"
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
	return s;
}

int main(void)
{
	return tu_run(suite());
}
