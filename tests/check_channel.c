/*
 * check_channel.c - both ends of one connection in one log are one channel
 * (graph/channel.c), the local address in ingest and JSONL (core/ingest.c,
 * capture/jsonl.c), and the walks across a connection (graph/walk.c).
 *
 * The logs are JSONL scenarios imported through the real importer; results
 * are compared as sets of readable names as in check_walk.c: a process
 * "p<pid>", a file its path without the leading '/', an endpoint its
 * address, "R<L" when it has a local address L.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/log.h"
#include "../core/timefmt.h"
#include "../graph/channel.h"
#include "../graph/graph.h"
#include "../graph/walk.h"
#include "testutil.h"

/* One JSONL line at 2026-11-21T10:MM:SS Z. */
#define L(ms, rest) "{\"time\":\"2026-11-21T10:" ms "Z\"," rest "}\n"
#define EP(op, pid, remote, local) \
	"\"op\":\"" op "\",\"pid\":" #pid ",\"remote\":\"" remote \
	"\",\"local\":\"" local "\""

static struct bt_graph *import(const char *name, const char *jsonl)
{
	struct bt_graph *g = NULL;
	int r = tu_log_from_jsonl(tu_path(name), jsonl);

	ck_assert_msg(r == 0, "import: %s", bt_error_msg());
	r = bt_graph_load(&g, tu_path(name), NULL, NULL);
	ck_assert_msg(r == 0, "load: %s", bt_error_msg());
	return g;
}

struct lab {
	char s[128];
};

static void lab_fn(void *arg, const char *v, size_t len, uint64_t t)
{
	struct lab *l = arg;

	(void)t;
	snprintf(l->s, sizeof(l->s), "%.*s", (int)len, v);
}

static void obj_name(const struct bt_graph *g, uint32_t obj, char *buf,
		     size_t len)
{
	struct bt_object_info in;
	struct lab l = { "" };

	ck_assert_int_eq(bt_graph_object(g, obj, &in), 0);
	switch (in.kind) {
	case BT_OBJ_PROCESS:
		snprintf(buf, len, "p%u", in.pid);
		break;
	case BT_OBJ_FILE:
		snprintf(buf, len, "%s", in.path ? in.path + 1 : "?");
		break;
	case BT_OBJ_ENDPOINT:
		bt_graph_labels(g, obj, BT_LABEL_LOCAL, lab_fn, &l);
		snprintf(buf, len, "%s%s%s", in.path, l.s[0] ? "<" : "", l.s);
		break;
	default:
		snprintf(buf, len, "%s", in.path ? in.path : "?");
		break;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *join_sorted(char **items, size_t n)
{
	static char out[8192];
	size_t i, k = 0;

	qsort(items, n, sizeof(*items), cmp_str);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		k += (size_t)snprintf(out + k, sizeof(out) - k, "%s%s",
				      i ? " " : "", items[i]);
		free(items[i]);
	}
	free(items);
	return out;
}

static const char *nodeset(const struct bt_result *r)
{
	char **items = calloc(r->nnodes + 1, sizeof(char *));
	size_t i;

	for (i = 0; i < r->nnodes; i++) {
		items[i] = malloc(256);
		obj_name(r->g, r->nodes[i].obj, items[i], 256);
	}
	return join_sorted(items, r->nnodes);
}

/* The connection edges of a result, "A=B" with A the cause. */
static const char *connections(const struct bt_result *r)
{
	char **items = calloc(r->nedges + 1, sizeof(char *));
	char a[256], b[256];
	size_t i, n = 0;

	for (i = 0; i < r->nedges; i++) {
		const struct bt_edge *e = &r->edges[i];

		if (e->op != BT_OP_CONNECTION)
			continue;
		obj_name(r->g, r->nodes[e->from].obj, a, sizeof(a));
		obj_name(r->g, r->nodes[e->to].obj, b, sizeof(b));
		items[n] = malloc(600);
		snprintf(items[n++], 600, "%s=%s", a, b);
	}
	return join_sorted(items, n);
}

static uint32_t file_id(const struct bt_graph *g, const char *path)
{
	uint32_t id = 0;

	ck_assert_msg(bt_graph_find_file(g, path, &id) == 0, "%s",
		      bt_error_msg());
	return id;
}

static struct bt_result *walk(const struct bt_graph *g, enum bt_dir dir,
			      uint32_t start)
{
	struct bt_walk_opts o;
	struct bt_result *r = NULL;
	int ret;

	bt_walk_opts_init(&o);
	ret = dir == BT_BACKWARD ? bt_backtrack(&r, g, start, &o) :
		bt_forward(&r, g, start, &o);
	ck_assert_msg(ret == 0, "walk: %s", bt_error_msg());
	return r;
}

static const struct bt_node *node_named(const struct bt_result *r,
					const char *name)
{
	char buf[256];
	size_t i;

	for (i = 0; i < r->nnodes; i++) {
		obj_name(r->g, r->nodes[i].obj, buf, sizeof(buf));
		if (!strcmp(buf, name))
			return &r->nodes[i];
	}
	ck_abort_msg("no node %s in %s", name, nodeset(r));
	return NULL;
}

static size_t count_endpoints(const struct bt_graph *g)
{
	uint32_t id;
	size_t n = 0;

	for (id = 1; id <= bt_graph_nobjects(g); id++)
		n += bt_graph_kind(g, id) == BT_OBJ_ENDPOINT;
	return n;
}

/* ---- addresses --------------------------------------------------------- */

static struct bt_sockaddr sa(const char *s)
{
	struct bt_sockaddr a;

	tu_assert(bt_sockaddr_parse(&a, s, strlen(s)) == 0, "%s: %s", s,
		  bt_error_msg());
	return a;
}

START_TEST(addresses)
{
	static const char *const bad[] = {
		"", "unix:/run/x.sock", "unix:/run/x.sock#12", "socket:[42]",
		"1.2.3.4", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536",
		"1.2.3.4:80x", "1.2.3:80", "[::1]", "[::1]80", "[::1]:",
		"[]:80", "[::1:80", "::1:80", "[1.2.3.4]:80", "a.b.c.d:80",
		"1.2.3.4:+80", "1.2.3.4: 80", "[::1]:-1", ":80",
		"[::ffff:1.2.3.4%]:80x",
	};
	struct bt_sockaddr a, b;
	char big[300];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(bt_sockaddr_parse(&a, bad[i], strlen(bad[i])) ==
			      BT_EINVAL, "accepted '%s'", bad[i]);
	memset(big, '1', sizeof(big));
	ck_assert_int_eq(bt_sockaddr_parse(&a, big, sizeof(big)), BT_EINVAL);
	ck_assert_int_eq(bt_sockaddr_parse(&a, NULL, 0), BT_EINVAL);
	/* the length bounds the string: no NUL needed, none read past */
	ck_assert_int_eq(bt_sockaddr_parse(&a, "1.2.3.4:80ZZ", 10), 0);
	ck_assert_uint_eq(a.port, 80);

	/* IPv4 and its IPv4-mapped IPv6 form are one address */
	a = sa("127.0.0.1:8000");
	b = sa("[::ffff:127.0.0.1]:8000");
	ck_assert(!a.any && !b.any);
	ck_assert_mem_eq(a.addr, b.addr, 16);
	ck_assert(bt_sockaddr_match(&a, &b));
	b = sa("[::ffff:127.0.0.1]:8001");
	ck_assert(!bt_sockaddr_match(&a, &b));
	b = sa("127.0.0.2:8000");
	ck_assert(!bt_sockaddr_match(&a, &b));
	/* IPv6 loopback is not IPv4 loopback */
	b = sa("[::1]:8000");
	ck_assert(!bt_sockaddr_match(&a, &b));
	/* a zone names the interface, not the address */
	a = sa("[fe80::1%eth0]:22");
	b = sa("[fe80::1]:22");
	ck_assert(bt_sockaddr_match(&a, &b));
	/* unspecified: any address, same port */
	a = sa("0.0.0.0:53");
	ck_assert(a.any);
	ck_assert(sa("[::]:53").any);
	ck_assert(sa("[::ffff:0.0.0.0]:53").any);
	b = sa("[2001:db8::7]:53");
	ck_assert(bt_sockaddr_match(&a, &b));
	ck_assert(bt_sockaddr_match(&b, &a));
	b = sa("[2001:db8::7]:54");
	ck_assert(!bt_sockaddr_match(&a, &b));
}
END_TEST

/* ---- the matching rule alone ------------------------------------------- */

static struct bt_conn_end end(const char *local, const char *remote,
			      uint64_t first, uint64_t last)
{
	struct bt_conn_end e = { sa(local), sa(remote), first, last, 0, 0 };

	return e;
}

#define S 1000000000ULL

START_TEST(match_rule)
{
	struct bt_conn_end e[8];
	size_t peer[8];

	/* a port pair used twice, 100 s apart: each end its own */
	e[0] = end("10.0.0.1:40000", "10.0.0.2:80", 0, 2 * S);
	e[1] = end("10.0.0.1:40000", "10.0.0.2:80", 100 * S, 102 * S);
	e[2] = end("10.0.0.2:80", "10.0.0.1:40000", 101 * S, 101 * S);
	e[3] = end("10.0.0.2:80", "10.0.0.1:40000", 1 * S, 1 * S);
	ck_assert_int_eq(bt_conn_match(peer, e, 4, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], 3);
	ck_assert_uint_eq(peer[3], 0);
	ck_assert_uint_eq(peer[1], 2);
	ck_assert_uint_eq(peer[2], 1);

	/* reused within the tolerance: still the nearest (overlap wins) */
	e[1].first = 4 * S, e[1].last = 5 * S;
	e[2].first = e[2].last = 4 * S + 1;
	ck_assert_int_eq(bt_conn_match(peer, e, 4, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], 3);
	ck_assert_uint_eq(peer[1], 2);

	/* disjoint but near (an accept after the client's last send) */
	e[0] = end("10.0.0.1:40000", "10.0.0.2:80", 0, 2 * S);
	e[1] = end("10.0.0.2:80", "10.0.0.1:40000", 5 * S, 6 * S);
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], 1);
	/* too far apart: no channel */
	e[1].first = 13 * S, e[1].last = 14 * S;
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], SIZE_MAX);
	ck_assert_uint_eq(peer[1], SIZE_MAX);

	/* an exact match is preferred to one through an unspecified
	 * address; the unspecified one pairs when alone */
	e[0] = end("10.0.0.1:40000", "10.0.0.2:80", 0, 2 * S);
	e[1] = end("0.0.0.0:80", "10.0.0.1:40000", 0, 2 * S);
	e[2] = end("10.0.0.2:80", "10.0.0.1:40000", 1 * S, 3 * S);
	ck_assert_int_eq(bt_conn_match(peer, e, 3, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], 2);
	ck_assert_uint_eq(peer[1], SIZE_MAX);
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], 1);

	/* a socket connected to itself is no pair; nothing with < 2 */
	e[0] = end("127.0.0.1:5000", "127.0.0.1:5000", 0, S);
	ck_assert_int_eq(bt_conn_match(peer, e, 1, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], SIZE_MAX);
	ck_assert_int_eq(bt_conn_match(peer, e, 0, 0), 0);

	/* two clients of one server at once: each its own server end */
	e[0] = end("127.0.0.1:5001", "127.0.0.1:8000", 0, 3 * S);
	e[1] = end("127.0.0.1:5002", "127.0.0.1:8000", 0, 3 * S);
	e[2] = end("[::ffff:127.0.0.1]:8000", "[::ffff:127.0.0.1]:5002",
		   1 * S, 2 * S);
	e[3] = end("[::ffff:127.0.0.1]:8000", "[::ffff:127.0.0.1]:5001",
		   1 * S, 2 * S);
	ck_assert_int_eq(bt_conn_match(peer, e, 4, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], 3);
	ck_assert_uint_eq(peer[1], 2);
}
END_TEST

/* Ends of two hosts (a case database): a loopback pair across hosts only
 * within BT_CHANNEL_LOOPBACK_NS and after the pairs within a host; other
 * addresses as in one log. */
START_TEST(match_hosts)
{
	struct bt_conn_end e[4];
	size_t peer[4];

	/* two recordings of one machine: loopback joins across them */
	e[0] = end("127.0.0.1:5001", "127.0.0.1:8000", 0, 3 * S);
	e[1] = end("127.0.0.1:8000", "127.0.0.1:5001", 1 * S, 2 * S);
	e[0].host = 1, e[1].host = 2;
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], 1);
	/* near in time (the client closed before the accept returned) */
	e[1].first = e[1].last = 3 * S + 500000000;
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], 1);
	/* but not farther: loopback of two machines */
	e[1].first = 5 * S, e[1].last = 6 * S;
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], SIZE_MAX);
	/* the same host's own end first, even a worse one in time */
	e[1].first = 1 * S, e[1].last = 2 * S;
	e[2] = end("127.0.0.1:8000", "[::ffff:127.0.0.1]:5001", 4 * S,
		   5 * S);
	e[2].host = 1;
	ck_assert_int_eq(bt_conn_match(peer, e, 3, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], 2);
	ck_assert_uint_eq(peer[1], SIZE_MAX);
	/* other addresses: across hosts as in one log, near is enough */
	e[0] = end("10.0.0.1:5001", "10.0.0.2:8000", 0, 3 * S);
	e[1] = end("10.0.0.2:8000", "10.0.0.1:5001", 5 * S, 6 * S);
	e[0].host = 1, e[1].host = 2;
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], 1);
}
END_TEST

/* A half-known end (audit: the client's own port unknown): "?#N" or
 * "ADDR:0#N" as a local; pairs with a server end only when unambiguous. */
static struct bt_conn_end hend(const char *local, const char *remote,
			       uint64_t first, uint64_t last)
{
	struct bt_conn_end e = { .remote = sa(remote), .first = first,
				 .last = last };

	tu_assert_int_eq(bt_sockaddr_parse_local(&e.local, local,
						 strlen(local)), 0);
	return e;
}

static size_t namb(const bool *amb, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += amb[i];
	return k;
}

START_TEST(match_half)
{
	struct bt_conn_end e[6];
	size_t peer[6];
	bool amb[6];
	struct bt_sockaddr a;

	/* the local spellings */
	ck_assert_int_eq(bt_sockaddr_parse_local(&a, "?#12", 4), 0);
	ck_assert_uint_eq(a.port, 0);
	ck_assert(a.any);
	ck_assert_int_eq(bt_sockaddr_parse_local(&a, "10.0.0.1:0#3", 12), 0);
	ck_assert_uint_eq(a.port, 0);
	ck_assert(!a.any);
	ck_assert_int_eq(bt_sockaddr_parse_local(&a, "10.0.0.1:80", 11), 0);
	ck_assert_uint_eq(a.port, 80);
	ck_assert_int_ne(bt_sockaddr_parse_local(&a, "10.0.0.1:80#3", 13), 0);
	ck_assert_int_ne(bt_sockaddr_parse_local(&a, "x:0#3", 5), 0);
	ck_assert_int_ne(bt_sockaddr_parse_local(&a, "", 0), 0);

	/* one client, one server: the accept began before the connect (a
	 * blocking accept: audit's time is the call's entry) */
	e[0] = hend("?#1", "127.0.0.1:8000", 2 * S, 3 * S);
	e[1] = end("127.0.0.1:8000", "127.0.0.1:5001", 1 * S, 4 * S);
	ck_assert_int_eq(bt_conn_match_ex(peer, amb, e, 2,
					  BT_CHANNEL_TOLERANCE_NS), 0);
	ck_assert_uint_eq(peer[0], 1);
	ck_assert_uint_eq(peer[1], 0);
	ck_assert_uint_eq(namb(amb, 2), 0);
	/* a listener bound to any address: the same */
	e[1] = end("0.0.0.0:8000", "127.0.0.1:5001", 1 * S, 4 * S);
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], 1);
	/* near, not overlapping (the client closed before the accept) */
	e[1] = end("127.0.0.1:8000", "127.0.0.1:5001", 5 * S, 6 * S);
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], 1);
	/* too far; another port; a peer not on loopback for a loopback
	 * server; a client whose address is known and not the peer's */
	e[1] = end("127.0.0.1:8000", "127.0.0.1:5001", 20 * S, 21 * S);
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], SIZE_MAX);
	e[1] = end("127.0.0.1:8001", "127.0.0.1:5001", 1 * S, 4 * S);
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], SIZE_MAX);
	e[1] = end("0.0.0.0:8000", "10.0.0.9:5001", 1 * S, 4 * S);
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], SIZE_MAX);
	e[0] = hend("10.0.0.1:0#1", "10.0.0.2:8000", 2 * S, 3 * S);
	e[1] = end("10.0.0.2:8000", "10.0.0.9:5001", 1 * S, 4 * S);
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], SIZE_MAX);
	e[1] = end("10.0.0.2:8000", "10.0.0.1:5001", 1 * S, 4 * S);
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], 1);
	/* two half-known ends never pair with each other */
	e[1] = hend("?#2", "10.0.0.2:8000", 1 * S, 4 * S);
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], SIZE_MAX);

	/* two clients at once: which accept took which connect, the log
	 * cannot tell: neither pairs (no wrong join), both counted */
	e[0] = hend("?#1", "127.0.0.1:8000", 2 * S, 3 * S);
	e[1] = hend("?#2", "127.0.0.1:8000", 2 * S + 1000, 3 * S);
	e[2] = end("127.0.0.1:8000", "127.0.0.1:5001", 1 * S, 4 * S);
	e[3] = end("127.0.0.1:8000", "127.0.0.1:5002", 1 * S + 10, 4 * S);
	ck_assert_int_eq(bt_conn_match_ex(peer, amb, e, 4,
					  BT_CHANNEL_TOLERANCE_NS), 0);
	ck_assert_uint_eq(peer[0], SIZE_MAX);
	ck_assert_uint_eq(peer[1], SIZE_MAX);
	ck_assert_uint_eq(peer[2], SIZE_MAX);
	ck_assert_uint_eq(peer[3], SIZE_MAX);
	ck_assert_uint_eq(namb(amb, 4), 4);
	/* one after the other (each connection done before the next):
	 * each pairs with the server end it overlaps */
	e[1] = hend("?#2", "127.0.0.1:8000", 6 * S, 7 * S);
	e[3] = end("127.0.0.1:8000", "127.0.0.1:5002", 5 * S, 8 * S);
	ck_assert_int_eq(bt_conn_match_ex(peer, amb, e, 4,
					  BT_CHANNEL_TOLERANCE_NS), 0);
	ck_assert_uint_eq(peer[0], 2);
	ck_assert_uint_eq(peer[1], 3);
	ck_assert_uint_eq(namb(amb, 4), 0);
	/* a known pair first: a server end paired with a known client is
	 * no candidate for a half-known one */
	e[0] = hend("?#1", "127.0.0.1:8000", 2 * S, 3 * S);
	e[1] = end("127.0.0.1:5001", "127.0.0.1:8000", 2 * S, 3 * S);
	e[2] = end("127.0.0.1:8000", "127.0.0.1:5001", 1 * S, 4 * S);
	ck_assert_int_eq(bt_conn_match_ex(peer, amb, e, 3,
					  BT_CHANNEL_TOLERANCE_NS), 0);
	ck_assert_uint_eq(peer[1], 2);
	ck_assert_uint_eq(peer[0], SIZE_MAX);
	ck_assert_uint_eq(namb(amb, 3), 0);
	/* loopback of two hosts: within BT_CHANNEL_LOOPBACK_NS only */
	e[0] = hend("?#1", "127.0.0.1:8000", 2 * S, 3 * S);
	e[1] = end("127.0.0.1:8000", "127.0.0.1:5001", 5 * S, 6 * S);
	e[0].host = 1, e[1].host = 2;
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], SIZE_MAX);
	e[1].first = 1 * S;
	ck_assert_int_eq(bt_conn_match(peer, e, 2, BT_CHANNEL_TOLERANCE_NS),
			 0);
	ck_assert_uint_eq(peer[0], 1);
}
END_TEST

/* Many half-known ends on one server port (a busy server's audit log):
 * bounded work; one connection after another, each pairs with the server
 * end it overlaps, none with another. */
START_TEST(match_half_many)
{
	enum { N = 20000 };
	struct bt_conn_end *e = calloc(N, sizeof(*e));
	size_t *peer = calloc(N, sizeof(*peer)), i;
	char loc[32];

	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(peer);
	for (i = 0; i < N; i++) {
		uint64_t t = (uint64_t)(i / 2) * 3 * S;

		if (i % 2) {
			snprintf(loc, sizeof(loc), "127.0.0.1:%zu",
				 1024 + i / 2 % 60000);
			e[i] = end("127.0.0.1:80", loc, t, t + S);
		} else {
			e[i] = hend("?#1", "127.0.0.1:80", t, t + S);
		}
	}
	ck_assert_int_eq(bt_conn_match(peer, e, N, BT_CHANNEL_TOLERANCE_NS),
			 0);
	for (i = 0; i < N; i++)
		tu_assert_uint_eq(peer[i], i ^ 1);
	free(e);
	free(peer);
}
END_TEST

/* Many ends on one port pair (a hostile or pathological log): bounded
 * work, pairs still symmetric. */
START_TEST(match_many)
{
	enum { N = 20000 };
	struct bt_conn_end *e = calloc(N, sizeof(*e));
	size_t *peer = calloc(N, sizeof(*peer)), i, pairs = 0;

	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(peer);
	for (i = 0; i < N; i++)
		e[i] = end(i % 2 ? "10.0.0.2:80" : "10.0.0.1:40000",
			   i % 2 ? "10.0.0.1:40000" : "10.0.0.2:80",
			   (uint64_t)(i / 2) * 3 * S, (uint64_t)(i / 2) * 3 * S);
	ck_assert_int_eq(bt_conn_match(peer, e, N, S), 0);
	for (i = 0; i < N; i++) {
		if (peer[i] == SIZE_MAX)
			continue;
		tu_assert_uint_eq(peer[peer[i]], i);
		/* the nearest: the one made at the same time */
		tu_assert_uint_eq(peer[i] / 2, i / 2);
		pairs++;
	}
	ck_assert_uint_eq(pairs, N);
	free(e);
	free(peer);
}
END_TEST

/* ---- ingest and JSONL ---------------------------------------------------- */

/* A (remote, local) pair is one endpoint per connection: a connect or
 * accept makes a new one, a send or recv takes the latest; without local
 * an endpoint is its remote address, as before; the label is the local
 * address as given. */
START_TEST(ingest_endpoints)
{
	static const char log[] =
		L("00:01", EP("connect", 100, "10.0.0.2:80", "10.0.0.1:40000"))
		L("00:02", EP("send", 100, "10.0.0.2:80", "10.0.0.1:40000"))
		L("00:03", EP("recv", 100, "10.0.0.2:80", "10.0.0.1:40001"))
		L("01:00", EP("connect", 100, "10.0.0.2:80", "10.0.0.1:40000"))
		L("01:01", EP("recv", 100, "10.0.0.2:80", "10.0.0.1:40000"))
		L("01:02", "\"op\":\"recv\",\"pid\":100,"
			   "\"remote\":\"10.0.0.2:80\"")
		L("01:04", "\"op\":\"write\",\"pid\":100,\"path\":\"/o\"");
	static const char bad_local[] =
		L("00:01", "\"op\":\"connect\",\"pid\":1,"
			   "\"remote\":\"10.0.0.2:80\",\"local\":7");
	static const char empty_local[] =
		L("00:01", "\"op\":\"connect\",\"pid\":1,"
			   "\"remote\":\"10.0.0.2:80\",\"local\":\"\"");
	struct bt_graph *g = import("ing.btl", log);
	struct bt_result *r;
	size_t i;

	/* 40000 first, 40001, 40000 again (a new connect), the remote
	 * alone: 4 endpoints */
	ck_assert_uint_eq(count_endpoints(g), 4);
	r = walk(g, BT_BACKWARD, file_id(g, "/o"));
	ck_assert_str_eq(nodeset(r), "10.0.0.2:80 10.0.0.2:80<10.0.0.1:40000 "
			 "10.0.0.2:80<10.0.0.1:40000 10.0.0.2:80<10.0.0.1:40001 "
			 "o p100");
	/* no other end in the log: every endpoint is an entry point */
	for (i = 0; i < r->nnodes; i++)
		if (r->nodes[i].kind == BT_OBJ_ENDPOINT)
			ck_assert(r->nodes[i].flags & BT_NODE_REMOTE &&
				  r->nodes[i].flags & BT_NODE_ENTRY);
	ck_assert_str_eq(connections(r), "");
	bt_result_free(r);
	bt_graph_free(g);

	ck_assert_int_ne(tu_log_from_jsonl(tu_path("bad.btl"), bad_local), 0);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "local"));
	ck_assert_int_ne(tu_log_from_jsonl(tu_path("bad.btl"), empty_local),
			 0);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "local"));
}
END_TEST

/* ---- walks across a connection ----------------------------------------- */

/*
 * One machine: a server (p200) reads /secret and sends it to a client
 * (p100) that writes /out; the server listens on all addresses (dual
 * stack), so it sees the client in the IPv4-mapped form.
 */
static const char one_log[] =
	L("00:01", "\"op\":\"read\",\"pid\":300,\"path\":\"/other\"")
	L("00:02", EP("connect", 100, "127.0.0.1:8000", "127.0.0.1:54321"))
	L("00:03", EP("accept", 200, "[::ffff:127.0.0.1]:54321",
		      "[::ffff:127.0.0.1]:8000"))
	L("00:04", EP("send", 100, "127.0.0.1:8000", "127.0.0.1:54321"))
	L("00:05", EP("recv", 200, "[::ffff:127.0.0.1]:54321",
		      "[::ffff:127.0.0.1]:8000"))
	L("00:06", "\"op\":\"read\",\"pid\":200,\"path\":\"/secret\"")
	L("00:07", EP("send", 200, "[::ffff:127.0.0.1]:54321",
		      "[::ffff:127.0.0.1]:8000"))
	L("00:08", EP("recv", 100, "127.0.0.1:8000", "127.0.0.1:54321"))
	L("00:09", "\"op\":\"write\",\"pid\":100,\"path\":\"/out\"")
	/* the server reads another file after it sent: no cause of /out
	 * (and, a read, nothing a forward walk reaches) */
	L("00:10", "\"op\":\"read\",\"pid\":200,\"path\":\"/later\"");

START_TEST(one_log_backward_forward)
{
	struct bt_graph *g = import("one.btl", one_log);
	struct bt_result *r = walk(g, BT_BACKWARD, file_id(g, "/out"));
	const struct bt_node *c, *s;

	ck_assert_str_eq(nodeset(r),
		"127.0.0.1:8000<127.0.0.1:54321 "
		"[::ffff:127.0.0.1]:54321<[::ffff:127.0.0.1]:8000 "
		"out p100 p200 secret");
	/* one connection edge: the server's end is the cause of the
	 * client's; neither end is an entry point; the secret is */
	ck_assert_str_eq(connections(r),
		"[::ffff:127.0.0.1]:54321<[::ffff:127.0.0.1]:8000="
		"127.0.0.1:8000<127.0.0.1:54321");
	c = node_named(r, "127.0.0.1:8000<127.0.0.1:54321");
	s = node_named(r, "[::ffff:127.0.0.1]:54321<[::ffff:127.0.0.1]:8000");
	ck_assert(!(c->flags & (BT_NODE_ENTRY | BT_NODE_REMOTE)));
	ck_assert(!(s->flags & BT_NODE_REMOTE));
	ck_assert(node_named(r, "secret")->flags & BT_NODE_ENTRY);
	bt_result_free(r);

	r = walk(g, BT_FORWARD, file_id(g, "/secret"));
	ck_assert_str_eq(nodeset(r),
		"127.0.0.1:8000<127.0.0.1:54321 "
		"[::ffff:127.0.0.1]:54321<[::ffff:127.0.0.1]:8000 "
		"out p100 p200 secret");
	ck_assert_str_eq(connections(r),
		"[::ffff:127.0.0.1]:54321<[::ffff:127.0.0.1]:8000="
		"127.0.0.1:8000<127.0.0.1:54321");
	bt_result_free(r);

	/* from the other file the server read before: nothing reaches /out
	 * (p300 never talks) */
	r = walk(g, BT_FORWARD, file_id(g, "/other"));
	ck_assert_str_eq(nodeset(r), "other p300");
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

/* Two clients of one server at once, each served by its own worker: each
 * client's output reaches only its own secret (with endpoints named by
 * the remote address alone both clients would share one). */
START_TEST(two_clients)
{
	static const char log[] =
		L("00:01", EP("connect", 101, "127.0.0.1:8000",
			      "127.0.0.1:5001"))
		L("00:01", EP("connect", 102, "127.0.0.1:8000",
			      "127.0.0.1:5002"))
		L("00:02", EP("accept", 201, "127.0.0.1:5001",
			      "127.0.0.1:8000"))
		L("00:02", EP("accept", 202, "127.0.0.1:5002",
			      "127.0.0.1:8000"))
		L("00:03", "\"op\":\"read\",\"pid\":201,\"path\":\"/s1\"")
		L("00:03", "\"op\":\"read\",\"pid\":202,\"path\":\"/s2\"")
		L("00:04", EP("send", 201, "127.0.0.1:5001", "127.0.0.1:8000"))
		L("00:04", EP("send", 202, "127.0.0.1:5002", "127.0.0.1:8000"))
		L("00:05", EP("recv", 101, "127.0.0.1:8000", "127.0.0.1:5001"))
		L("00:05", EP("recv", 102, "127.0.0.1:8000", "127.0.0.1:5002"))
		L("00:06", "\"op\":\"write\",\"pid\":101,\"path\":\"/o1\"")
		L("00:06", "\"op\":\"write\",\"pid\":102,\"path\":\"/o2\"");
	struct bt_graph *g = import("two.btl", log);
	struct bt_result *r = walk(g, BT_BACKWARD, file_id(g, "/o1"));

	ck_assert_str_eq(nodeset(r), "127.0.0.1:5001<127.0.0.1:8000 "
			 "127.0.0.1:8000<127.0.0.1:5001 o1 p101 p201 s1");
	bt_result_free(r);
	r = walk(g, BT_BACKWARD, file_id(g, "/o2"));
	ck_assert_str_eq(nodeset(r), "127.0.0.1:5002<127.0.0.1:8000 "
			 "127.0.0.1:8000<127.0.0.1:5002 o2 p102 p202 s2");
	bt_result_free(r);
	r = walk(g, BT_FORWARD, file_id(g, "/s2"));
	ck_assert_str_eq(nodeset(r), "127.0.0.1:5002<127.0.0.1:8000 "
			 "127.0.0.1:8000<127.0.0.1:5002 o2 p102 p202 s2");
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

/* A port pair reused 2 minutes later by other processes: the second
 * client's output reaches the second server's file, not the first's. */
START_TEST(ports_reused)
{
	static const char log[] =
		L("00:01", EP("connect", 101, "10.0.0.2:80", "10.0.0.1:40000"))
		L("00:02", EP("accept", 201, "10.0.0.1:40000", "10.0.0.2:80"))
		L("00:03", "\"op\":\"read\",\"pid\":201,\"path\":\"/s1\"")
		L("00:04", EP("send", 201, "10.0.0.1:40000", "10.0.0.2:80"))
		L("00:05", EP("recv", 101, "10.0.0.2:80", "10.0.0.1:40000"))
		L("00:06", "\"op\":\"write\",\"pid\":101,\"path\":\"/o1\"")
		L("02:01", EP("connect", 102, "10.0.0.2:80", "10.0.0.1:40000"))
		L("02:02", EP("accept", 202, "10.0.0.1:40000", "10.0.0.2:80"))
		L("02:03", "\"op\":\"read\",\"pid\":202,\"path\":\"/s2\"")
		L("02:04", EP("send", 202, "10.0.0.1:40000", "10.0.0.2:80"))
		L("02:05", EP("recv", 102, "10.0.0.2:80", "10.0.0.1:40000"))
		L("02:06", "\"op\":\"write\",\"pid\":102,\"path\":\"/o2\"");
	struct bt_graph *g = import("reuse.btl", log);
	struct bt_result *r = walk(g, BT_BACKWARD, file_id(g, "/o2"));
	struct bt_channels *ch;

	ck_assert_uint_eq(count_endpoints(g), 4);
	ck_assert_int_eq(bt_channels_new(&ch, g, BT_CHANNEL_TOLERANCE_NS), 0);
	ck_assert_uint_eq(bt_channels_count(ch), 2);
	bt_channels_free(ch);
	ck_assert_str_eq(nodeset(r), "10.0.0.1:40000<10.0.0.2:80 "
			 "10.0.0.2:80<10.0.0.1:40000 o2 p102 p202 s2");
	bt_result_free(r);
	r = walk(g, BT_FORWARD, file_id(g, "/s1"));
	ck_assert_str_eq(nodeset(r), "10.0.0.1:40000<10.0.0.2:80 "
			 "10.0.0.2:80<10.0.0.1:40000 o1 p101 p201 s1");
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

/* IPv6 between two addresses of one machine, the server's end reported
 * with the address it is bound to (::, as a UDP server sees itself): still
 * one channel. */
START_TEST(ipv6_and_any)
{
	static const char log[] =
		L("00:01", EP("send", 100, "[2001:db8::2]:53",
			      "[2001:db8::1]:40000"))
		L("00:02", EP("recv", 200, "[2001:db8::1]:40000", "[::]:53"))
		L("00:03", "\"op\":\"read\",\"pid\":200,\"path\":\"/zone\"")
		L("00:04", EP("send", 200, "[2001:db8::1]:40000", "[::]:53"))
		L("00:05", EP("recv", 100, "[2001:db8::2]:53",
			      "[2001:db8::1]:40000"))
		L("00:06", "\"op\":\"write\",\"pid\":100,\"path\":\"/answer\"");
	struct bt_graph *g = import("v6.btl", log);
	struct bt_result *r = walk(g, BT_BACKWARD, file_id(g, "/answer"));

	ck_assert_str_eq(nodeset(r), "[2001:db8::1]:40000<[::]:53 "
			 "[2001:db8::2]:53<[2001:db8::1]:40000 answer p100 "
			 "p200 zone");
	ck_assert_str_eq(connections(r), "[2001:db8::1]:40000<[::]:53="
			 "[2001:db8::2]:53<[2001:db8::1]:40000");
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

/* The other end not in the log (a server elsewhere), or an end without a
 * local address (an older source): an entry point, no connection. */
START_TEST(other_end_absent)
{
	static const char log[] =
		L("00:01", EP("connect", 100, "203.0.113.9:4444",
			      "10.0.0.1:40000"))
		L("00:02", EP("recv", 100, "203.0.113.9:4444",
			      "10.0.0.1:40000"))
		L("00:03", "\"op\":\"recv\",\"pid\":100,"
			   "\"remote\":\"10.0.0.1:40000\"")
		L("00:04", "\"op\":\"write\",\"pid\":100,\"path\":\"/drop\"");
	struct bt_graph *g = import("absent.btl", log);
	struct bt_result *r = walk(g, BT_BACKWARD, file_id(g, "/drop"));
	size_t i, n = 0;

	ck_assert_str_eq(connections(r), "");
	for (i = 0; i < r->nnodes; i++) {
		if (r->nodes[i].kind != BT_OBJ_ENDPOINT)
			continue;
		ck_assert(r->nodes[i].flags & BT_NODE_REMOTE);
		ck_assert(r->nodes[i].flags & BT_NODE_ENTRY);
		n++;
	}
	ck_assert_uint_eq(n, 2);
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

/* A walk stopped by --max-nodes before the peer: the endpoint stays an
 * entry point of the truncated result, and nothing breaks. */
START_TEST(limit_before_peer)
{
	struct bt_graph *g = import("lim.btl", one_log);
	struct bt_walk_opts o;
	struct bt_result *r = NULL;

	bt_walk_opts_init(&o);
	o.max_nodes = 3;
	ck_assert_int_eq(bt_backtrack(&r, g, file_id(g, "/out"), &o), 0);
	ck_assert(r->truncated);
	ck_assert_uint_eq(r->nnodes, 3);
	ck_assert_str_eq(connections(r), "");
	bt_result_free(r);
	bt_graph_free(g);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("channel");
	SRunner *sr;
	int failed;
	struct {
		const char *name;
		const TTest *t;
	} cases[] = {
		{ "addresses", addresses },
		{ "match_rule", match_rule },
		{ "match_hosts", match_hosts },
		{ "match_many", match_many },
		{ "match_half", match_half },
		{ "match_half_many", match_half_many },
		{ "ingest_endpoints", ingest_endpoints },
		{ "one_log_backward_forward", one_log_backward_forward },
		{ "two_clients", two_clients },
		{ "ports_reused", ports_reused },
		{ "ipv6_and_any", ipv6_and_any },
		{ "other_end_absent", other_end_absent },
		{ "limit_before_peer", limit_before_peer },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_test(tc, cases[i].t);
		suite_add_tcase(s, tc);
	}
	tu_tmpdir();
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
