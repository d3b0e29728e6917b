/*
 * check_watch.c - live response (live/): one Falco or generic alert line
 * (graph/alert.c bt_alert_parse), result names, the alert sources (a
 * followed file's rotation and truncation, long lines), the follower of a
 * log a writer in this process is writing (its temporary file, commits,
 * the rename at close, a replaced or cut log), and the engine end to end
 * with its journal (a second run answers nothing again).
 */
#include <check.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/log.h"
#include "../graph/alert.h"
#include "../live/alertsrc.h"
#include "../live/follow.h"
#include "../live/watch.h"
#include "testutil.h"

static int parse(struct bt_alert *a, const char *line)
{
	return bt_alert_parse(a, line, strlen(line), "alerts", 7);
}

/* ---- alerts ------------------------------------------------------------ */

START_TEST(falco_file_process_endpoint)
{
	struct bt_alert a;

	ck_assert_msg(parse(&a, "{\"time\":\"2026-11-21T10:00:01.123456789Z\","
		"\"rule\":\"Write below etc\",\"priority\":\"Error\","
		"\"output_fields\":{\"fd.name\":\"/etc/x\",\"proc.pid\":5,"
		"\"container.id\":\"abc123\"}}") == 0, "%s", bt_error_msg());
	ck_assert_str_eq(a.spec, "file:/etc/x");
	ck_assert_uint_eq(a.time, 1795255201123456789ULL);
	ck_assert_str_eq(a.priority, "Error");
	ck_assert_str_eq(a.container, "abc123");
	ck_assert_uint_eq(a.where, 7);

	/* No path: the process at the alert's time. */
	ck_assert_int_eq(parse(&a, "{\"time\":\"2026-11-21T10:00:02Z\","
		"\"output_fields\":{\"proc.pid\":77}}"), 0);
	ck_assert_str_eq(a.spec, "proc:77@2026-11-21T10:00:02.000000000Z");

	/* No pid: the remote endpoint, from fd.rip/fd.rport ... */
	ck_assert_int_eq(parse(&a, "{\"output_fields\":{\"fd.rip\":"
		"\"203.0.113.9\",\"fd.rport\":4444}}"), 0);
	ck_assert_str_eq(a.spec, "endpoint:203.0.113.9:4444");
	/* ... a string port, IPv6 in brackets ... */
	ck_assert_int_eq(parse(&a, "{\"output_fields\":{\"fd.sip\":"
		"\"2001:db8::1\",\"fd.sport\":\"443\"}}"), 0);
	ck_assert_str_eq(a.spec, "endpoint:[2001:db8::1]:443");
	/* ... or the remote end of fd.name. */
	ck_assert_int_eq(parse(&a, "{\"output_fields\":{\"fd.name\":"
		"\"10.0.0.1:5555->[2001:db8::2]:80\"}}"), 0);
	ck_assert_str_eq(a.spec, "endpoint:[2001:db8::2]:80");
	ck_assert_int_eq(parse(&a, "{\"output_fields\":{\"fd.name\":"
		"\"10.0.0.1:5555->10.0.0.2:22\"}}"), 0);
	ck_assert_str_eq(a.spec, "endpoint:10.0.0.2:22");

	/* Generic. */
	ck_assert_int_eq(parse(&a, "{\"object\":\"proc:1\",\"rule\":\"r\"}"),
			 0);
	ck_assert_str_eq(a.spec, "proc:1");
	ck_assert_uint_eq(a.time, BT_TIME_NONE);
}
END_TEST

START_TEST(falco_hostile)
{
	static const char *const bad[] = {
		"", "[]", "42", "{", "{\"output_fields\":{}}",
		"{\"output_fields\":{\"fd.rip\":\"1.2.3.4\",\"fd.rport\":0}}",
		"{\"output_fields\":{\"fd.rip\":\"1.2.3.4\",\"fd.rport\":70000}}",
		"{\"output_fields\":{\"fd.rip\":\"1.2.3.4 x\",\"fd.rport\":1}}",
		"{\"output_fields\":{\"fd.rip\":\"1.2.3.4\\n\",\"fd.rport\":1}}",
		"{\"output_fields\":{\"fd.name\":\"a->b\"}}",
		"{\"output_fields\":{\"fd.name\":\"a->1.2.3.4:x\"}}",
		"{\"output_fields\":{\"fd.name\":\"a->1.2.3.4:-1\"}}",
		"{\"output_fields\":{\"proc.pid\":-1}}",
		"{\"output_fields\":{\"proc.pid\":4294967296}}",
		"{\"time\":\"yesterday\",\"object\":\"file:/x\"}",
		"{\"object\":\"file:/x\",\"object\":\"file:/y\"}",
		"{\"object\":\"file:/a\\nb\"}",
		"{\"object\":\"\"}",
	};
	struct bt_alert a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(&a, bad[i]) == BT_ECORRUPT, "accepted %s",
			      bad[i]);
		ck_assert_msg(strstr(bt_error_msg(), "alerts:7"),
			      "message without its line: %s", bt_error_msg());
	}
	/* A NUL inside the bytes ends nothing: still refused, no overrun. */
	ck_assert_int_eq(bt_alert_parse(&a, "{\"object\":\"file:/x\"}\0junk",
					26, "alerts", 1), BT_ECORRUPT);
}
END_TEST

START_TEST(result_names)
{
	struct bt_alert a = { .time = 1795255207500000000ULL };
	char buf[128];

	snprintf(a.rule, sizeof(a.rule), "Write below /etc (../x)");
	bt_watch_name(buf, sizeof(buf), &a);
	ck_assert_str_eq(buf, "20261121T100007.500000000Z-Write_below_etc_x");
	snprintf(a.rule, sizeof(a.rule), "../../..");
	bt_watch_name(buf, sizeof(buf), &a);
	ck_assert_str_eq(buf, "20261121T100007.500000000Z-alert");
	a.time = BT_TIME_NONE;
	a.rule[0] = '\0';
	bt_watch_name(buf, sizeof(buf), &a);
	ck_assert_str_eq(buf, "notime-alert");
	memset(a.rule, 'r', sizeof(a.rule) - 1);
	a.rule[sizeof(a.rule) - 1] = '\0';
	bt_watch_name(buf, 20, &a);
	ck_assert_uint_eq(strlen(buf), 19);
	ck_assert_ptr_null(strchr(buf, '/'));
}
END_TEST

/* ---- sources ------------------------------------------------------------ */

struct got {
	char lines[16][64];
	size_t n, too_long, events;
};

static int on_line(void *arg, const char *line, size_t len, bool too_long)
{
	struct got *g = arg;

	ck_assert_uint_eq(strlen(line), len);
	if (too_long) {
		g->too_long++;
		ck_assert_uint_eq(len, BT_ALERT_LINE_MAX);
		return 0;
	}
	if (g->n < 16)
		snprintf(g->lines[g->n], sizeof(g->lines[0]), "%s", line);
	g->n++;
	return 0;
}

static void on_event(void *arg, const char *what)
{
	((struct got *)arg)->events++;
	(void)what;
}

static void append(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* Poll until g has n lines (2 s at most). */
static void poll_for(struct bt_alertsrc *s, struct got *g, size_t n)
{
	struct bt_alertsrc_ops ops = { on_line, on_event, g };
	int i;

	for (i = 0; i < 200 && g->n < n; i++)
		ck_assert_int_eq(bt_alertsrc_poll(s, 10, &ops), 0);
	ck_assert_uint_eq(g->n, n);
}

START_TEST(followed_file_rotation_truncation)
{
	const char *p = tu_path("alerts.json");
	char *old;
	struct bt_alertsrc *s;
	struct got g = { 0 };

	ck_assert_int_eq(bt_alertsrc_open(&s, p), 0);
	ck_assert(bt_alertsrc_is_durable(s));
	poll_for(s, &g, 0);                  /* not there yet: waited for */
	append(p, "one\n  \n\ttwo \r\nthr");
	poll_for(s, &g, 2);
	append(p, "ee\n");
	poll_for(s, &g, 3);
	ck_assert_str_eq(g.lines[1], "two");
	ck_assert_str_eq(g.lines[2], "three");
	/* Rotation: the old file's late line, then the new file. */
	ck_assert_int_ge(asprintf(&old, "%s.1", p), 0);
	ck_assert_int_eq(rename(p, old), 0);
	append(p, "four\n");
	poll_for(s, &g, 4);
	append(old, "late\n");
	poll_for(s, &g, 5);
	ck_assert_str_eq(g.lines[3], "four");
	ck_assert_str_eq(g.lines[4], "late");
	/* Truncation: read again from the start. */
	ck_assert_int_eq(truncate(p, 0), 0);
	poll_for(s, &g, 5);
	append(p, "six\n");
	poll_for(s, &g, 6);
	ck_assert_str_eq(g.lines[5], "six");
	ck_assert_uint_ge(g.events, 2);
	bt_alertsrc_close(s);
	free(old);
}
END_TEST

START_TEST(long_lines_are_cut_and_skipped)
{
	const char *p = tu_path("long.json");
	size_t big = BT_ALERT_LINE_MAX * 2 + 10;
	char *buf = malloc(big + 16);
	struct bt_alertsrc *s;
	struct got g = { 0 };

	memset(buf, 'x', big);
	memcpy(buf + big, "\nok\n", 5);
	ck_assert_int_eq(tu_write_file(p, buf, big + 4), 0);
	ck_assert_int_eq(bt_alertsrc_open(&s, p), 0);
	poll_for(s, &g, 1);
	ck_assert_uint_eq(g.too_long, 1);
	ck_assert_str_eq(g.lines[0], "ok");
	bt_alertsrc_close(s);
	free(buf);
}
END_TEST

START_TEST(socket_path_not_a_socket)
{
	struct bt_alertsrc *s;
	char *spec;

	ck_assert_int_eq(tu_write_file(tu_path("plain"), "x", 1), 0);
	ck_assert_int_ge(asprintf(&spec, "unix:%s", tu_path("plain")), 0);
	ck_assert_int_eq(bt_alertsrc_open(&s, spec), BT_EINVAL);
	free(spec);
}
END_TEST

/* ---- the follower ------------------------------------------------------- */

/* Process `id` (pid 100 + id) writes file id + 1 at time t. */
static void add_pair(struct bt_log_writer *w, uint32_t id, uint64_t t)
{
	ck_assert_int_eq(bt_log_append_process(w, id, 100 + id, t - 1, 1, 0),
			 0);
	ck_assert_int_eq(bt_log_append_file(w, id + 1, 0, 8, 1000 + id), 0);
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_WRITE, 0, 0, t, id,
					     id + 1), 0);
}

START_TEST(follows_a_log_being_written)
{
	const char *name = tu_path("live.btl");
	struct bt_log_writer *w;
	struct bt_follow *f;
	struct bt_follow_stats st;
	const struct bt_graph *g0;
	uint64_t n;
	uint32_t i;

	ck_assert_int_eq(bt_follow_open(&f, name), 0);
	ck_assert_int_eq(bt_follow_refresh(f, &n), 0);
	ck_assert_ptr_null(bt_follow_graph(f));      /* no log yet */

	ck_assert_int_eq(bt_log_writer_open(&w, name, BT_LOGW_CREATE), 0);
	add_pair(w, 1, 1000);
	bt_log_writer_commit(w);
	ck_assert_int_eq(bt_follow_refresh(f, &n), 0);
	ck_assert_ptr_nonnull(bt_follow_graph(f));
	ck_assert_str_eq(bt_follow_file(f), bt_log_writer_file(w));
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(bt_follow_last_time(f), 1000);
	ck_assert(!bt_follow_is_closed(f));

	/* Appended but not committed: not seen (a torn tail is waited
	 * for, not reported). */
	add_pair(w, 3, 2000);
	ck_assert_int_eq(bt_follow_refresh(f, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(bt_follow_last_time(f), 1000);
	bt_log_writer_commit(w);
	for (i = 5; i < 25; i += 2)
		add_pair(w, i, 3000 + i);
	bt_log_writer_commit(w);
	g0 = bt_follow_graph(f);
	ck_assert_int_eq(bt_follow_refresh(f, &n), 0);
	ck_assert_uint_eq(n, 11);
	ck_assert_uint_eq(bt_graph_nevents(bt_follow_graph(f)), 12);
	/* extended in place, not loaded again */
	ck_assert_ptr_eq(bt_follow_graph(f), g0);
	bt_follow_stats(f, &st);
	ck_assert(st.incremental);
	/* committed late with an earlier time: in the graph, in time
	 * order in its lists */
	ck_assert_int_eq(bt_log_append_event(w, BT_OP_READ, 0, 0, 1500, 2, 1),
			 0);
	bt_log_writer_commit(w);
	ck_assert_int_eq(bt_follow_refresh(f, &n), 0);
	ck_assert_uint_eq(n, 1);
	{
		const uint32_t *l;
		struct bt_rec_event e;

		ck_assert_uint_eq(bt_graph_in(bt_follow_graph(f), 1, &l), 1);
		ck_assert(bt_graph_event(bt_follow_graph(f), l[0], &e));
		ck_assert_uint_eq(e.time, 1500);
		ck_assert_uint_eq(bt_graph_out(bt_follow_graph(f), 2, &l), 1);
		ck_assert(!bt_graph_time_ordered(bt_follow_graph(f)));
	}

	/* The close renames the log onto its name: followed there. */
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	ck_assert_int_eq(bt_follow_refresh(f, &n), 0);
	ck_assert_str_eq(bt_follow_file(f), name);
	ck_assert(bt_follow_is_closed(f));
	ck_assert_uint_eq(bt_graph_nevents(bt_follow_graph(f)), 13);
	/* Nothing new: no reload. */
	bt_follow_stats(f, &st);
	n = st.loads;
	ck_assert_int_eq(bt_follow_refresh(f, NULL), 0);
	bt_follow_stats(f, &st);
	ck_assert_uint_eq(st.loads, n);
	ck_assert_uint_eq(st.restarts, 0);
	bt_follow_close(f);
}
END_TEST

/* A version 1 log cannot be extended: each refresh that finds records
 * loads it again, with the same answers. */
START_TEST(follows_a_version1_log)
{
	const char *name = tu_path("v1live.btl");
	struct bt_log_writer *w;
	struct bt_follow *f;
	struct bt_follow_stats st;
	uint64_t n;

	ck_assert_int_eq(bt_follow_open(&f, name), 0);
	ck_assert_int_eq(bt_log_writer_open(&w, name, BT_LOGW_CREATE |
					    BT_LOGW_V1), 0);
	add_pair(w, 1, 1000);
	bt_log_writer_commit(w);
	ck_assert_int_eq(bt_follow_refresh(f, &n), 0);
	ck_assert_uint_eq(n, 1);
	add_pair(w, 3, 2000);
	add_pair(w, 5, 3000);
	bt_log_writer_commit(w);
	ck_assert_int_eq(bt_follow_refresh(f, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(bt_graph_nevents(bt_follow_graph(f)), 3);
	bt_follow_stats(f, &st);
	ck_assert(!st.incremental);
	ck_assert_uint_eq(st.loads, 2);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	bt_follow_close(f);
}
END_TEST

static void make_log(const char *path, uint32_t pairs)
{
	struct bt_log_writer *w;
	uint32_t i;

	ck_assert_int_eq(bt_log_writer_open(&w, path, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	for (i = 0; i < pairs; i++)
		add_pair(w, 1 + 2 * i, 1000 + i);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
}

START_TEST(replaced_or_cut_log_is_reported)
{
	const char *name = tu_path("r.btl"), *other = tu_path("o.btl");
	struct bt_follow *f;
	struct bt_follow_stats st;

	make_log(name, 5);
	ck_assert_int_eq(bt_follow_open(&f, name), 0);
	ck_assert_int_eq(bt_follow_refresh(f, NULL), 0);
	ck_assert_uint_eq(bt_graph_nevents(bt_follow_graph(f)), 5);

	/* Another log renamed onto the name. */
	make_log(other, 2);
	ck_assert_int_eq(rename(other, name), 0);
	ck_assert_int_eq(bt_follow_refresh(f, NULL), BT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "replaced"));
	ck_assert_ptr_null(bt_follow_graph(f));
	ck_assert_int_eq(bt_follow_refresh(f, NULL), 0);
	ck_assert_uint_eq(bt_graph_nevents(bt_follow_graph(f)), 2);

	/* Cut in place (the mapping must not be read past the end): the
	 * check alone finds it. */
	ck_assert_int_eq(bt_follow_check(f), 0);
	ck_assert_int_eq(truncate(name, 100), 0);
	ck_assert_int_eq(bt_follow_check(f), BT_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "cut"));
	ck_assert_ptr_null(bt_follow_graph(f));
	/* What is left (a header, no records): read as it is, or
	 * reported; never a crash. */
	(void)bt_follow_refresh(f, NULL);
	ck_assert_int_eq(truncate(name, 0), 0);
	(void)bt_follow_refresh(f, NULL);   /* cut again: maybe reported */
	ck_assert_int_eq(bt_follow_refresh(f, NULL), 0);   /* waits */
	ck_assert_ptr_null(bt_follow_graph(f));
	bt_follow_stats(f, &st);
	ck_assert_uint_ge(st.restarts, 2);
	bt_follow_close(f);
}
END_TEST

/* ---- the engine --------------------------------------------------------- */

struct run {
	volatile sig_atomic_t stop;
	size_t answers, errors, behind, want_skipped;
	char first[256];
};

static void ans_cb(void *arg, const struct bt_watch_answer *a)
{
	struct run *r = arg;

	if (!r->answers++ && a->result)
		snprintf(r->first, sizeof(r->first), "%s", a->result);
	if (a->err)
		r->errors++;
	if (a->behind)
		r->behind++;
	if (r->answers == 4)
		r->stop = 1;
}

static void ev_cb(void *arg, bool warning, const char *msg)
{
	(void)arg;
	(void)warning;
	(void)msg;
}

static void st_cb(void *arg, const struct bt_watch_status *st)
{
	struct run *r = arg;

	if (r->want_skipped && st->skipped >= r->want_skipped)
		r->stop = 1;
}

START_TEST(engine_answers_once)
{
	const char *log = tu_path("e.btl"), *alerts = tu_path("e.json");
	const char *dir = tu_path("answers");
	struct run r = { 0 };
	struct bt_watch_ops ops = { ans_cb, ev_cb, st_cb, &r, NULL };
	struct bt_watch_opts o = {
		.log = log, .alerts = alerts, .dir = dir, .wait_ns = 0,
		.queue = 2, .outputs = BT_WATCH_OUT_JSON | BT_WATCH_OUT_TEXT,
		.stop = &r.stop
	};
	struct bt_watch_summary sum;
	char *path;
	size_t len;
	void *text;

	static const char lines[] =
		"{\"object\":\"proc:101\",\"time\":1000,\"rule\":\"a\"}\n"
		"{\"object\":\"proc:103\",\"time\":5000,\"rule\":\"b\"}\n"
		"junk\n"
		"{\"object\":\"proc:101\",\"time\":1000,\"rule\":\"a\"}\n";

	make_log(log, 3);
	bt_query_init(&o.query, BT_BACKWARD);
	/* proc 101 wrote file 2 at 1000; proc 103 file 4 at 1001. */
	ck_assert_int_eq(tu_write_file(alerts, lines, strlen(lines)), 0);
	ck_assert_int_eq(bt_watch_run(&o, &ops, &sum), 0);
	ck_assert_uint_eq(r.answers, 4);
	ck_assert_uint_eq(r.errors, 1);
	/* Time 5000 is past the log, but its writer closed it: complete,
	 * not behind. */
	ck_assert_uint_eq(r.behind, 0);
	ck_assert_uint_eq(sum.st.answered, 3);
	ck_assert_uint_eq(sum.st.failed, 1);
	/* Identical lines are two alerts: two results, the second -2. */
	ck_assert_int_ge(asprintf(&path, "%s.json", r.first), 0);
	ck_assert_int_eq(access(path, F_OK), 0);
	free(path);
	ck_assert_int_ge(asprintf(&path, "%s-2.json", r.first), 0);
	ck_assert_int_eq(access(path, F_OK), 0);
	free(path);
	ck_assert_int_ge(asprintf(&path, "%s/19700101T000000.000005000Z-b.txt",
				  dir), 0);
	text = tu_read_file(path, &len);
	free(path);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_null(strstr(text, "had not caught up"));
	free(text);

	/* Again: everything answered before, nothing answered twice. */
	memset(&r, 0, sizeof(r));
	r.want_skipped = 4;
	ck_assert_int_eq(bt_watch_run(&o, &ops, &sum), 0);
	ck_assert_uint_eq(r.answers, 0);
	ck_assert_uint_eq(sum.st.skipped, 4);
}
END_TEST

/* --- finish: the writer is done (capture --watch at its end) --- */

struct fin {
	size_t answers, reports;
	struct bt_watch_status last;
};

static void fin_ans(void *arg, const struct bt_watch_answer *a)
{
	struct fin *f = arg;

	ck_assert_int_eq(a->err, 0);
	f->answers++;
}

static void fin_report(void *arg, const struct bt_watch_status *st)
{
	struct fin *f = arg;

	f->reports++;
	f->last = *st;
}

START_TEST(engine_finish_answers_queue)
{
	const char *log = tu_path("f.btl"), *alerts = tu_path("f.json");
	struct fin f = { 0 };
	volatile sig_atomic_t finish = 1, report = 1;
	struct bt_watch_ops ops = { fin_ans, ev_cb, NULL, &f, fin_report };
	struct bt_watch_opts o = {
		.log = log, .alerts = alerts, .dir = tu_path("fin"),
		.wait_ns = 5000000000ull, .queue = 64,
		.outputs = BT_WATCH_OUT_JSON, .finish = &finish,
		.report = &report
	};
	struct bt_watch_summary sum;
	char lines[2048];
	size_t n = 0;
	int i;

	/* 20 alerts ready in the source, the log closed: all answered, then
	 * bt_watch_run() returns by itself (no stop flag, no wait). */
	for (i = 0; i < 20; i++)
		n += (size_t)snprintf(lines + n, sizeof(lines) - n,
				      "{\"object\":\"proc:101\",\"time\":1000,"
				      "\"rule\":\"r%d\"}\n", i);
	make_log(log, 3);
	bt_query_init(&o.query, BT_BACKWARD);
	ck_assert_int_eq(tu_write_file(alerts, lines, n), 0);
	ck_assert_int_eq(bt_watch_run(&o, &ops, &sum), 0);
	ck_assert_uint_eq(f.answers, 20);
	ck_assert_uint_eq(sum.st.answered, 20);
	ck_assert_uint_eq(sum.unanswered, 0);
	/* The stats: a fixed histogram's quantiles, the graph's size. */
	ck_assert_uint_gt(sum.st.latency_p50_ns, 0);
	ck_assert_uint_ge(sum.st.latency_p99_ns, sum.st.latency_p50_ns);
	ck_assert_uint_ge(sum.st.latency_max_ns + 1000000u,
			  sum.st.latency_p50_ns);
	ck_assert_uint_gt(sum.st.events, 0);
	ck_assert_uint_gt(sum.st.graph_bytes, 0);
	/* The report flag: one report, the flag cleared. */
	ck_assert_uint_eq(f.reports, 1);
	ck_assert_int_eq(report, 0);
}
END_TEST

/* --- memory: answering alerts must not hold memory per alert --- */

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_CLANG 1
#endif
#endif
#ifndef ASAN_CLANG
#define ASAN_CLANG 0
#endif

struct mem {
	volatile sig_atomic_t stop;
	int fd;                   /* the FIFO's writing end */
	size_t answers, errors, burst, warm, want;
	uint64_t anon_start, anon_burst;
	uint64_t heap_warm, anon_warm, heap_end, anon_end;
};

/* Bytes the heap has in use (every arena, mmap'd chunks included). */
static uint64_t heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* Resident anonymous bytes of this process (RssAnon). */
static uint64_t rss_anon(void)
{
	char line[256];
	unsigned long long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb * 1024;
}

/* Alert k: about process 101 + 2 * (k % 50) (log of mem_log()), a rule
 * of its own, as a line into the FIFO. */
static void mem_send(struct mem *m, size_t k)
{
	char line[160];
	int n = snprintf(line, sizeof(line),
			 "{\"object\":\"proc:%zu\",\"time\":%zu,"
			 "\"rule\":\"m%zu\"}\n", 101 + 2 * (k % 50),
			 1000 + k % 50, k);

	ck_assert_int_eq(write(m->fd, line, (size_t)n), n);
}

/* One alert at a time, as an IDS sends them: the next goes out when the
 * last is answered, so the queue never holds more than one. */
static void mem_ans(void *arg, const struct bt_watch_answer *a)
{
	struct mem *m = arg;

	if (a->err)
		m->errors++;
	m->answers++;
	if (m->answers == m->burst / 2)   /* the reader queued them all */
		m->anon_burst = rss_anon();
	if (m->answers == m->warm) {
		m->heap_warm = heap_used();
		m->anon_warm = rss_anon();
	}
	if (m->answers == m->want) {
		m->heap_end = heap_used();
		m->anon_end = rss_anon();
		m->stop = 1;
		return;
	}
	if (m->answers >= m->burst)
		mem_send(m, m->answers);
}

START_TEST(engine_memory_flat_over_alerts)
{
	const char *log = tu_path("m.btl"), *fifo = tu_path("m.fifo");
	struct mem m = { .burst = 500, .warm = 600, .want = 1600 };
	struct bt_watch_ops ops = { mem_ans, ev_cb, NULL, &m, NULL };
	struct bt_watch_opts o = {
		.log = log, .alerts = fifo, .dir = tu_path("mem"),
		.wait_ns = 0, .queue = 1024, .outputs = BT_WATCH_OUT_JSON,
		.stop = &m.stop
	};
	struct bt_watch_summary sum;
	uint64_t n;

	make_log(log, 100);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	m.fd = open(fifo, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(m.fd, 0);
	bt_query_init(&o.query, BT_BACKWARD);
	/* A burst first (all in the FIFO before the watcher starts: the
	 * queue holds them while the first are answered), then one at a
	 * time. */
	for (n = 0; n < m.burst; n++)
		mem_send(&m, n);
	m.anon_start = rss_anon();
	ck_assert_int_eq(bt_watch_run(&o, &ops, &sum), 0);
	close(m.fd);
	ck_assert_uint_eq(m.answers, m.want);
	ck_assert_uint_eq(m.errors, 0);
#if defined(__SANITIZE_ADDRESS__) || ASAN_CLANG
	/* The sanitizer's allocator keeps what was freed (quarantine):
	 * neither mallinfo2() nor RSS says what the watcher holds. */
	return;
#endif
	/* The burst: the queue holds lines, not 5 kB parsed alerts (which
	 * held 2.5 MB here); 0.3 MB measured with the graph, the reader's
	 * thread and its arena. */
	ck_assert_msg(m.anon_burst < m.anon_start + m.burst * 2048,
		      "RssAnon %" PRIu64 " -> %" PRIu64 " bytes with %zu "
		      "alerts queued", m.anon_start, m.anon_burst, m.burst);
	n = m.want - m.warm;
	/* Past the warm-up (the graph's event cache full, the allocator's
	 * pools made), the heap in use grows by the reader's key for each
	 * distinct line (a hash slot: 12 bytes, up to 4x with the table's
	 * doubling) and nothing else: a result left allocated is hundreds
	 * of bytes, its nodes, edges and labels. */
	ck_assert_msg(m.heap_end < m.heap_warm + n * 64,
		      "heap in use %" PRIu64 " -> %" PRIu64 " bytes over %"
		      PRIu64 " alerts", m.heap_warm, m.heap_end, n);
	/* Resident anonymous memory: flat but for page rounding and the
	 * allocator's moves, far below the 5 kB queue entry an alert
	 * touched when the queue's ring went round. */
	ck_assert_msg(m.anon_end < m.anon_warm + n * 1024,
		      "RssAnon %" PRIu64 " -> %" PRIu64 " bytes over %" PRIu64
		      " alerts", m.anon_warm, m.anon_end, n);
}
END_TEST

int main(void)
{
	const struct {
		const char *name;
		const TTest *t;
	} cases[] = {
		{ "falco_file_process_endpoint", falco_file_process_endpoint },
		{ "engine_finish_answers_queue", engine_finish_answers_queue },
		{ "falco_hostile", falco_hostile },
		{ "result_names", result_names },
		{ "followed_file_rotation_truncation",
		  followed_file_rotation_truncation },
		{ "long_lines_are_cut_and_skipped",
		  long_lines_are_cut_and_skipped },
		{ "socket_path_not_a_socket", socket_path_not_a_socket },
		{ "follows_a_log_being_written", follows_a_log_being_written },
		{ "follows_a_version1_log", follows_a_version1_log },
		{ "replaced_or_cut_log_is_reported",
		  replaced_or_cut_log_is_reported },
		{ "engine_answers_once", engine_answers_once },
		{ "engine_memory_flat_over_alerts",
		  engine_memory_flat_over_alerts },
	};
	Suite *s = suite_create("watch");
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_set_timeout(tc, 30);
		tcase_add_test(tc, cases[i].t);
		suite_add_tcase(s, tc);
	}
	tu_tmpdir();
	return tu_run(s);
}
