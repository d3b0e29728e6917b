/*
 * check_recorder.c - the recorder's pieces that need no tracee (fd table
 * semantics of dup/close/cloexec/fork/exec, path resolution against a cwd
 * or a dirfd's path, sockaddr formatting of hostile input, the static
 * binary test), the parsers of /proc text (status, net/tcp) on hostile
 * input, small end-to-end recordings of /bin/true, /bin/false, a missing
 * program and a shell redirection, and what the recorder observes (through
 * its observation sink, before ingest) for each channel a program can move
 * data through: splice, tee, vmsplice, socketpair, accept without an
 * address, UDP, memfd + fexecve, names and attributes, set*id, io_uring.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "../capture/fdtable.h"
#include "../capture/recorder.h"
#include "../core/error.h"
#include "../core/ingest.h"
#include "../core/log.h"
#include "../core/util.h"
#include "testutil.h"

/* ---- fd tables --------------------------------------------------------- */

START_TEST(fd_set_get_close)
{
	struct bt_fdtable *t;
	const struct bt_fd *f;

	ck_assert_int_eq(bt_fdtable_new(&t), 0);
	ck_assert_ptr_null(bt_fdtable_get(t, 3));
	ck_assert_int_eq(bt_fdtable_set(t, 3, BT_FD_FILE, 8, 42, "/a/b",
					NULL, false), 0);
	f = bt_fdtable_get(t, 3);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->path, "/a/b");
	ck_assert_uint_eq(f->ino, 42);
	ck_assert_ptr_null(bt_fdtable_get(t, 2));
	ck_assert_ptr_null(bt_fdtable_get(t, -1));
	/* reuse of the number replaces the entry */
	ck_assert_int_eq(bt_fdtable_set(t, 3, BT_FD_PIPE, 9, 7, "pipe:[7]",
					NULL, false), 0);
	ck_assert_str_eq(bt_fdtable_get(t, 3)->path, "pipe:[7]");
	bt_fdtable_close(t, 3);
	ck_assert_ptr_null(bt_fdtable_get(t, 3));
	bt_fdtable_close(t, 1000);   /* unknown: ignored */
	bt_fdtable_close(t, -5);
	ck_assert_int_eq(bt_fdtable_set(t, -1, BT_FD_FILE, 0, 0, NULL, NULL,
					false), BT_EINVAL);
	ck_assert_int_eq(bt_fdtable_set(t, BT_FDTABLE_MAX, BT_FD_FILE, 0, 0,
					NULL, NULL, false), BT_ELIMIT);
	/* a large fd grows the table */
	ck_assert_int_eq(bt_fdtable_set(t, 70000, BT_FD_FILE, 1, 2, "/x",
					NULL, false), 0);
	ck_assert_str_eq(bt_fdtable_get(t, 70000)->path, "/x");
	bt_fdtable_unref(t);
	bt_fdtable_unref(NULL);
}
END_TEST

START_TEST(fd_dup_semantics)
{
	struct bt_fdtable *t;

	bt_fdtable_new(&t);
	bt_fdtable_set(t, 3, BT_FD_FILE, 1, 10, "/f", NULL, true);
	/* dup2 3 -> 1: fd 1 is the file, without close-on-exec */
	ck_assert_int_eq(bt_fdtable_dup(t, 3, 1, false), 0);
	ck_assert_str_eq(bt_fdtable_get(t, 1)->path, "/f");
	ck_assert(!bt_fdtable_get(t, 1)->cloexec);
	ck_assert(bt_fdtable_get(t, 3)->cloexec);
	/* closing the original leaves the copy */
	bt_fdtable_close(t, 3);
	ck_assert_ptr_nonnull(bt_fdtable_get(t, 1));
	/* dup of an unknown fd forgets the target (it now is something we
	 * do not know, not what it was) */
	bt_fdtable_set(t, 5, BT_FD_FILE, 1, 11, "/old", NULL, false);
	ck_assert_int_eq(bt_fdtable_dup(t, 4, 5, false), 0);
	ck_assert_ptr_null(bt_fdtable_get(t, 5));
	/* dup onto itself changes nothing */
	ck_assert_int_eq(bt_fdtable_dup(t, 1, 1, true), 0);
	ck_assert(!bt_fdtable_get(t, 1)->cloexec);
	/* sockets keep their remote across dup */
	bt_fdtable_set(t, 6, BT_FD_SOCKET, 0, 99, NULL, NULL, false);
	ck_assert_int_eq(bt_fdtable_set_remote(t, 6, "10.0.0.1:80"), 0);
	bt_fdtable_dup(t, 6, 200, true);
	ck_assert_str_eq(bt_fdtable_get(t, 200)->remote, "10.0.0.1:80");
	ck_assert_int_eq(bt_fdtable_set_remote(t, 7, "x"), BT_ENOTFOUND);
	bt_fdtable_unref(t);
}
END_TEST

START_TEST(fd_cloexec_exec)
{
	struct bt_fdtable *t;

	bt_fdtable_new(&t);
	bt_fdtable_set(t, 0, BT_FD_FILE, 1, 1, "/in", NULL, false);
	bt_fdtable_set(t, 3, BT_FD_FILE, 1, 3, "/ce", NULL, true);
	bt_fdtable_set(t, 4, BT_FD_FILE, 1, 4, "/set", NULL, false);
	bt_fdtable_set(t, 5, BT_FD_FILE, 1, 5, "/clr", NULL, true);
	bt_fdtable_set_cloexec(t, 4, true);    /* fcntl(F_SETFD, 1) */
	bt_fdtable_set_cloexec(t, 5, false);   /* fcntl(F_SETFD, 0) */
	bt_fdtable_set_cloexec(t, 999, true);  /* unknown: ignored */
	bt_fdtable_exec(t);
	ck_assert_ptr_nonnull(bt_fdtable_get(t, 0));
	ck_assert_ptr_null(bt_fdtable_get(t, 3));
	ck_assert_ptr_null(bt_fdtable_get(t, 4));
	ck_assert_ptr_nonnull(bt_fdtable_get(t, 5));
	bt_fdtable_unref(t);
}
END_TEST

START_TEST(fd_close_range)
{
	struct bt_fdtable *t;
	int i;

	bt_fdtable_new(&t);
	for (i = 0; i < 10; i++)
		bt_fdtable_set(t, i, BT_FD_FILE, 1, (uint64_t)i, "/p", NULL,
			       false);
	bt_fdtable_close_range(t, 3, 6);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(bt_fdtable_get(t, i) != NULL, i < 3 || i > 6);
	bt_fdtable_close_range(t, 8, ~0u);
	ck_assert_ptr_null(bt_fdtable_get(t, 9));
	ck_assert_ptr_nonnull(bt_fdtable_get(t, 7));
	bt_fdtable_unref(t);
}
END_TEST

START_TEST(fd_fork_copy_and_share)
{
	struct bt_fdtable *t, *c, *s;

	bt_fdtable_new(&t);
	bt_fdtable_set(t, 3, BT_FD_FILE, 1, 3, "/three", NULL, false);
	/* fork: a copy that changes on its own */
	ck_assert_int_eq(bt_fdtable_copy(&c, t), 0);
	bt_fdtable_close(c, 3);
	bt_fdtable_set(c, 4, BT_FD_FILE, 1, 4, "/four", NULL, false);
	ck_assert_ptr_nonnull(bt_fdtable_get(t, 3));
	ck_assert_ptr_null(bt_fdtable_get(t, 4));
	ck_assert_ptr_null(bt_fdtable_get(c, 3));
	/* CLONE_FILES: one table, changes seen by both */
	s = bt_fdtable_ref(t);
	bt_fdtable_set(s, 7, BT_FD_FILE, 1, 7, "/seven", NULL, false);
	ck_assert_str_eq(bt_fdtable_get(t, 7)->path, "/seven");
	bt_fdtable_unref(s);
	ck_assert_str_eq(bt_fdtable_get(t, 7)->path, "/seven");
	bt_fdtable_unref(t);
	bt_fdtable_unref(c);
}
END_TEST

/* ---- sockaddrs --------------------------------------------------------- */

START_TEST(sockaddr_inet)
{
	struct sockaddr_in in = { 0 };
	struct sockaddr_in6 in6 = { 0 };
	char out[128];

	in.sin_family = AF_INET;
	in.sin_port = htons(4444);
	inet_pton(AF_INET, "203.0.113.9", &in.sin_addr);
	ck_assert_int_eq(bt_record_sockaddr_fmt(out, sizeof(out), &in,
						sizeof(in)), 0);
	ck_assert_str_eq(out, "203.0.113.9:4444");
	in6.sin6_family = AF_INET6;
	in6.sin6_port = htons(80);
	inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr);
	ck_assert_int_eq(bt_record_sockaddr_fmt(out, sizeof(out), &in6,
						sizeof(in6)), 0);
	ck_assert_str_eq(out, "[2001:db8::1]:80");
	/* too short for its family */
	ck_assert_int_eq(bt_record_sockaddr_fmt(out, sizeof(out), &in, 8),
			 BT_EINVAL);
	ck_assert_int_eq(bt_record_sockaddr_fmt(out, sizeof(out), &in6, 20),
			 BT_EINVAL);
	/* a tiny output buffer truncates, never overflows */
	ck_assert_int_eq(bt_record_sockaddr_fmt(out, 5, &in, sizeof(in)), 0);
	ck_assert_uint_eq(strlen(out), 4);
}
END_TEST

START_TEST(sockaddr_unix)
{
	struct sockaddr_un un;
	char out[512];
	size_t base = offsetof(struct sockaddr_un, sun_path);

	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	strcpy(un.sun_path, "/run/x.sock");
	ck_assert_int_eq(bt_record_sockaddr_fmt(out, sizeof(out), &un,
						base + 12), 0);
	ck_assert_str_eq(out, "unix:/run/x.sock");
	ck_assert_int_eq(bt_record_sockaddr_fmt(out, sizeof(out), &un, base),
			 0);
	ck_assert_str_eq(out, "unix:unnamed");
	/* abstract, with bytes that must not reach a terminal raw */
	memset(un.sun_path, 0, sizeof(un.sun_path));
	memcpy(un.sun_path, "\0ab\x1b[2Jc d", 10);
	ck_assert_int_eq(bt_record_sockaddr_fmt(out, sizeof(out), &un,
						base + 10), 0);
	ck_assert_str_eq(out, "unix:@ab\\x1b[2Jc\\x20d");
	/* a path filling sun_path with no NUL, and a length beyond it */
	memset(un.sun_path, 'p', sizeof(un.sun_path));
	ck_assert_int_eq(bt_record_sockaddr_fmt(out, sizeof(out), &un,
						sizeof(un) + 100), 0);
	ck_assert_uint_eq(strlen(out), 5 + sizeof(un.sun_path));
}
END_TEST

START_TEST(sockaddr_hostile)
{
	unsigned char junk[64];
	char out[64];
	size_t i;

	ck_assert_int_eq(bt_record_sockaddr_fmt(out, sizeof(out), NULL, 16),
			 BT_EINVAL);
	ck_assert_int_eq(bt_record_sockaddr_fmt(out, sizeof(out), junk, 1),
			 BT_EINVAL);
	junk[0] = 0xff;
	junk[1] = 0x7f;   /* family 0x7fff */
	ck_assert_int_eq(bt_record_sockaddr_fmt(out, sizeof(out), junk,
						sizeof(junk)), BT_EINVAL);
	ck_assert_str_eq(out, "family 32767");
	/* every family number and length: no crash, always a C string */
	for (i = 0; i < 4096; i++) {
		unsigned short fam = (unsigned short)(i % 64);

		memset(junk, (int)(i * 37), sizeof(junk));
		memcpy(junk, &fam, 2);
		bt_record_sockaddr_fmt(out, sizeof(out), junk,
				       (i / 64) % sizeof(junk));
		ck_assert(memchr(out, '\0', sizeof(out)));
	}
}
END_TEST

/* ---- ELF --------------------------------------------------------------- */

START_TEST(elf_interp)
{
	size_t len;
	void *d = tu_read_file("/bin/true", &len);
	unsigned char junk[256];
	char bin[4096];

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(bt_record_elf_has_interp(d, len), 1);
	/* the same headers, cut before the program headers */
	ck_assert_int_eq(bt_record_elf_has_interp(d, 70), BT_EINVAL);
	free(d);
	snprintf(bin, sizeof(bin), "%s/build/progs/record-static",
		 getenv("BTRACK_TOP") ? getenv("BTRACK_TOP") : ".");
	d = tu_read_file(bin, &len);
	if (d) {
		ck_assert_int_eq(bt_record_elf_has_interp(d, len), 0);
		free(d);
	}
	memset(junk, 0xa5, sizeof(junk));
	ck_assert_int_eq(bt_record_elf_has_interp(junk, sizeof(junk)),
			 BT_EINVAL);
	ck_assert_int_eq(bt_record_elf_has_interp(junk, 3), BT_EINVAL);
	/* a valid ident with program headers at a huge offset */
	memset(junk, 0, sizeof(junk));
	memcpy(junk, "\177ELF\2\1\1", 7);
	junk[0x36] = 56;                        /* e_phentsize */
	junk[0x38] = 0xff;                      /* e_phnum */
	junk[0x38 + 1] = 0xff;
	memset(junk + 0x20, 0xff, 8);           /* e_phoff */
	ck_assert_int_eq(bt_record_elf_has_interp(junk, sizeof(junk)),
			 BT_EINVAL);
}
END_TEST

/* ---- end to end -------------------------------------------------------- */

struct seen {
	int exec_true, write_out, exits, processes;
	char out_path[4096];
};

/* Walk a log: count what a user would look for. */
static void scan(const char *path, struct seen *s)
{
	struct bt_log *log;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	uint32_t out_file = 0, true_file = 0;
	char truepath[4096];
	int r;

	/* /bin may be a link to /usr/bin: the kernel names the real file */
	ck_assert_ptr_nonnull(realpath("/bin/true", truepath));
	memset(s, 0, offsetof(struct seen, out_path));
	ck_assert_int_eq(bt_log_open(&log, path), 0);
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		if (h->type == BT_REC_PROCESS)
			s->processes++;
		if (h->type == BT_REC_LABEL) {
			const struct bt_rec_label *l = (const void *)h;

			if (l->key == BT_LABEL_PATH &&
			    !strcmp(l->value.s, truepath))
				true_file = l->object;
			if (l->key == BT_LABEL_PATH && s->out_path[0] &&
			    !strcmp(l->value.s, s->out_path))
				out_file = l->object;
		}
		if (h->type == BT_REC_EVENT) {
			const struct bt_rec_event *e = (const void *)h;

			if (e->op == BT_OP_EXEC && e->cause == true_file)
				s->exec_true++;
			if (e->op == BT_OP_WRITE && e->effect == out_file &&
			    out_file)
				s->write_out++;
		}
	}
	ck_assert_int_eq(r, 0);
	bt_log_iter_release(&it);
	bt_log_close(log);
}

static int record(const char *log, char *const *argv,
		  struct bt_record_stats *st)
{
	struct bt_log_writer *w;
	struct bt_record_opts o = { 0 };
	int r;

	o.argv = argv;
	o.pages = false;
	ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	r = bt_record_run(w, &o, st);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	return r;
}

START_TEST(e2e_true_false)
{
	char *t[] = { "/bin/true", NULL }, *f[] = { "false", NULL };
	struct bt_record_stats st;
	struct seen s;

	ck_assert_int_eq(record(tu_path("true.btl"), t, &st), 0);
	ck_assert(st.ran);
	ck_assert_int_eq(st.status, 0);
	ck_assert_uint_ge(st.events, 1);
	ck_assert_uint_eq(st.processes, 1);
	s.out_path[0] = '\0';
	scan(tu_path("true.btl"), &s);
	ck_assert_int_eq(s.processes, 1);
	ck_assert_int_eq(s.exec_true, 1);
	/* found through PATH; its status comes back */
	ck_assert_int_eq(record(tu_path("false.btl"), f, &st), 0);
	ck_assert_int_eq(st.status, 1);
}
END_TEST

START_TEST(e2e_missing_program)
{
	char *m[] = { "/nonexistent/program", NULL }, *none[] = { NULL };
	struct bt_record_stats st;

	ck_assert_int_eq(record(tu_path("missing.btl"), m, &st), BT_EIO);
	ck_assert(!st.ran);
	ck_assert_int_eq(st.status, 127);
	ck_assert_ptr_nonnull(strstr(bt_error_msg(), "No such file"));
	ck_assert_int_eq(record(tu_path("none.btl"), none, &st), BT_EINVAL);
}
END_TEST

START_TEST(e2e_redirect)
{
	struct bt_record_stats st;
	struct seen s;
	static char cmd[9000];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	snprintf(s.out_path, sizeof(s.out_path), "%s", tu_path("out"));
	/* one write through a dup2'd inherited fd, one failing write */
	snprintf(cmd, sizeof(cmd), "echo hi > '%s'; /bin/echo there >> '%s'; "
		 "echo x > /nonexistent/dir/f; exit 3", s.out_path,
		 s.out_path);
	ck_assert_int_eq(record(tu_path("sh.btl"), argv, &st), 0);
	ck_assert_int_eq(st.status, 3);
	ck_assert_uint_ge(st.processes, 2);
	scan(tu_path("sh.btl"), &s);
	ck_assert_int_eq(s.write_out, 2);
}
END_TEST

/* ---- observations, through a sink ------------------------------------- */

/* What the recorder observed, copied (strings too) for the assertions. */
struct ob {
	unsigned op;
	uint32_t pid, child, uid, euid, gid, egid, file_flags, mode, owner;
	uint32_t group;
	uint64_t time, dev, ino, bytes, ino2;
	uint32_t peer;
	uint64_t start, peer_start, child_start;
	bool has_ino, empties, exchange, has_ino2;
	char path[256], new_path[256], target[256], remote[128];
};

static struct ob obs[8192];
static size_t nobs;

static void cpy(char *d, size_t n, const char *s)
{
	snprintf(d, n, "%s", s ? s : "");
}

static int collect(void *arg, const struct bt_obs *o)
{
	struct ob *x;

	(void)arg;
	if (nobs >= BT_ARRAY_SIZE(obs))
		return 0;
	x = &obs[nobs++];
	x->op = o->op;
	x->pid = o->pid;
	x->child = o->child;
	x->uid = o->uid;
	x->euid = o->euid;
	x->gid = o->gid;
	x->egid = o->egid;
	x->file_flags = o->file_flags;
	x->mode = o->mode;
	x->owner = o->owner;
	x->group = o->group;
	x->time = o->time;
	x->has_ino = o->has_ino;
	x->dev = o->dev;
	x->ino = o->ino;
	x->exchange = o->exchange;
	x->has_ino2 = o->has_ino2;
	x->ino2 = o->ino2;
	x->bytes = o->bytes;
	x->peer = o->peer;
	x->start = o->start;
	x->peer_start = o->peer_start;
	x->child_start = o->child_start;
	x->empties = o->empties;
	cpy(x->path, sizeof(x->path), o->path);
	cpy(x->new_path, sizeof(x->new_path), o->new_path);
	cpy(x->target, sizeof(x->target), o->target);
	cpy(x->remote, sizeof(x->remote), o->remote);
	return 0;
}

/* Record argv into the test's log, observations into obs[]. */
static int record_obs(const char *log, char *const *argv, bool pages,
		      struct bt_record_stats *st)
{
	struct bt_log_writer *w;
	struct bt_record_opts o = { 0 };
	struct bt_obs_sink sink = { collect, NULL };
	static char so[4096];
	int r;

	nobs = 0;
	o.argv = argv;
	o.sink = &sink;
	if (pages) {
		snprintf(so, sizeof(so), "%s/build/libbtrack-pages.so",
			 getenv("BTRACK_TOP") ? getenv("BTRACK_TOP") : ".");
		o.pages = true;
		o.preload = so;
	}
	ck_assert_int_eq(bt_log_writer_open(&w, log, BT_LOGW_CREATE |
					    BT_LOGW_TRUNC), 0);
	r = bt_record_run(w, &o, st);
	ck_assert_int_eq(bt_log_writer_close(w), 0);
	return r;
}

static void dump_obs(void)
{
	size_t i;

	for (i = 0; i < nobs; i++)
		fprintf(stderr, "  %s pid=%u path=%s ino=%llu ff=%u "
			"remote=%s\n", bt_raw_op_name(obs[i].op), obs[i].pid,
			obs[i].path, (unsigned long long)obs[i].ino,
			obs[i].file_flags, obs[i].remote);
}

/* The first observation of op on path (NULL: any) after index from. */
static const struct ob *find_ob(unsigned op, const char *path)
{
	size_t i;

	for (i = 0; i < nobs; i++)
		if (obs[i].op == op && (!path || !strcmp(obs[i].path, path)))
			return &obs[i];
	return NULL;
}

/*
 * Does data flow from the file (dev, ino) to the file (dev2, ino2) in the
 * observations, through reads, writes, forks and execs (in time order,
 * each object reached at some time passes on only to later events)?
 * What a forward walk from the first file would find.
 */
static bool flows(uint64_t dev, uint64_t ino, uint64_t dev2, uint64_t ino2)
{
	static struct { bool proc; uint64_t a, b; } reached[4096];
	size_t nr = 1, i, j;
	bool cause;

	reached[0].proc = false;
	reached[0].a = dev;
	reached[0].b = ino;
	for (i = 0; i < nobs; i++) {
		const struct ob *o = &obs[i];
		bool from_file = o->op == BT_RAW_READ || o->op == BT_RAW_EXEC;
		bool to_file = o->op == BT_RAW_WRITE;

		cause = false;
		for (j = 0; j < nr && !cause; j++) {
			if (from_file && o->has_ino && !reached[j].proc &&
			    reached[j].a == o->dev && reached[j].b == o->ino)
				cause = true;
			if ((to_file || o->op == BT_RAW_FORK) &&
			    reached[j].proc && reached[j].a == o->pid)
				cause = true;
		}
		if (!cause || nr >= BT_ARRAY_SIZE(reached))
			continue;
		if (to_file) {
			if (o->dev == dev2 && o->ino == ino2)
				return true;
			reached[nr].proc = false;
			reached[nr].a = o->dev;
			reached[nr++].b = o->ino;
		} else {
			reached[nr].proc = true;
			reached[nr++].a = o->op == BT_RAW_FORK ? o->child :
					  o->pid;
		}
	}
	return false;
}

static void stat_ok(const char *path, struct stat *sb)
{
	ck_assert_msg(stat(path, sb) == 0, "stat %s", path);
}

static char prog[4096];

static char *channels(void)
{
	snprintf(prog, sizeof(prog), "%s/build/progs/record-channels",
		 getenv("BTRACK_TOP") ? getenv("BTRACK_TOP") : ".");
	return prog;
}

static void make_src(void)
{
	FILE *f = fopen(tu_path("src"), "w");

	ck_assert_ptr_nonnull(f);
	fputs("the secret\n", f);
	fclose(f);
}

/* One channel mode: SRC's data reaches OUT in the observations. */
static void channel_case(const char *mode)
{
	char src[4096], out[4096], log[4096];
	char *argv[] = { channels(), (char *)mode, src, out, NULL };
	struct bt_record_stats st;
	struct stat s1, s2;

	snprintf(src, sizeof(src), "%s", tu_path("src"));
	snprintf(out, sizeof(out), "%s", tu_path("out"));
	snprintf(log, sizeof(log), "%s", tu_path("ch.btl"));
	make_src();
	ck_assert_int_eq(record_obs(log, argv, false, &st), 0);
	ck_assert_int_eq(st.status, 0);
	stat_ok(src, &s1);
	stat_ok(out, &s2);
	if (!flows(s1.st_dev, s1.st_ino, s2.st_dev, s2.st_ino))
		dump_obs();
	ck_assert_msg(flows(s1.st_dev, s1.st_ino, s2.st_dev, s2.st_ino),
		      "%s: the source does not reach the sink", mode);
}

START_TEST(obs_splice)     { channel_case("splice"); } END_TEST
START_TEST(obs_tee)        { channel_case("tee"); } END_TEST
START_TEST(obs_vmsplice)   { channel_case("vmsplice"); } END_TEST
/* An O_TMPFILE file linked through /proc/self/fd/N: the link names the
 * file written (its inode), and /proc/self/fd/N is never a name. */
START_TEST(obs_tmpfile_link)
{
	size_t i;
	struct stat sb;
	const struct ob *c;

	channel_case("tmpfile");
	stat_ok(tu_path("out"), &sb);
	c = find_ob(BT_RAW_CREATE, tu_path("out"));
	ck_assert_ptr_nonnull(c);
	ck_assert(c->has_ino && c->ino == sb.st_ino);
	for (i = 0; i < nobs; i++)
		ck_assert_msg(!strstr(obs[i].path, "/proc/") &&
			      !strstr(obs[i].new_path, "/proc/"),
			      "%s names %s", bt_raw_op_name(obs[i].op),
			      obs[i].path);
}
END_TEST

/* renameat2(RENAME_EXCHANGE): each name now names the other file; one
 * rename, an exchange, says which file (inode) each name had. */
START_TEST(obs_rename_exchange)
{
	char src[4096], out[4096];
	char *argv[] = { channels(), "exchange", src, out, NULL };
	struct bt_record_stats st;
	struct stat s1, s2, a1, a2;
	const struct ob *r1;
	FILE *f;

	snprintf(src, sizeof(src), "%s", tu_path("one"));
	snprintf(out, sizeof(out), "%s", tu_path("two"));
	f = fopen(src, "w");
	fclose(f);
	f = fopen(out, "w");
	fclose(f);
	stat_ok(src, &s1);
	stat_ok(out, &s2);
	ck_assert_int_eq(record_obs(tu_path("ex.btl"), argv, false, &st), 0);
	ck_assert_int_eq(st.status, 0);
	stat_ok(src, &a1);
	stat_ok(out, &a2);
	ck_assert_uint_eq(a2.st_ino, s1.st_ino);
	r1 = find_ob(BT_RAW_RENAME, src);
	ck_assert_ptr_nonnull(r1);
	ck_assert(r1->exchange);
	ck_assert_str_eq(r1->new_path, out);
	ck_assert_uint_eq(r1->ino, a2.st_ino);
	ck_assert(r1->has_ino2);
	ck_assert_uint_eq(r1->ino2, a1.st_ino);
	/* (two renames in a row would end the second file at the first) */
	ck_assert_ptr_null(find_ob(BT_RAW_RENAME, out));
}
END_TEST

/* A unix stream connection is one endpoint seen from both ends: what the
 * client sends, the server receives, and back; named by the server's
 * path, so a server outside the recording is still named. */
static void unix_case(const char *mode)
{
	char src[4096], out[4096];
	char *argv[] = { channels(), (char *)mode, src, out, NULL };
	struct bt_record_stats st;
	size_t i, n = 0;
	const char *ep = NULL;
	char sock[4200];

	make_src();
	snprintf(src, sizeof(src), "%s", tu_path("src"));
	snprintf(out, sizeof(out), "%s", tu_path("out"));
	if (strlen(out) > 90)
		return;   /* a socket path has 108 bytes */
	ck_assert_int_eq(record_obs(tu_path("unix.btl"), argv, false, &st),
			 0);
	ck_assert_int_eq(st.status, 0);
	snprintf(sock, sizeof(sock), "unix:%s", tu_path("sock"));
	for (i = 0; i < nobs; i++) {
		const struct ob *o = &obs[i];

		if (o->op != BT_RAW_SEND && o->op != BT_RAW_RECV &&
		    o->op != BT_RAW_ACCEPT && o->op != BT_RAW_CONNECT)
			continue;
		if (!ep)
			ep = o->remote;
		ck_assert_msg(!strcmp(o->remote, ep), "%s with '%s', not '%s'",
			      bt_raw_op_name(o->op), o->remote, ep);
		n++;
	}
	/* connect, accept, send, recv, send, recv (late: one way) */
	ck_assert_uint_eq(n, strcmp(mode, "unix-late") ? 6 : 4);
	ck_assert_msg(!strncmp(ep, sock, strlen(sock)) &&
		      ep[strlen(sock)] == '#', "endpoint '%s'", ep);
}

START_TEST(obs_unix_stream) { unix_case("unix"); } END_TEST
/* bind("sock") and connect("./sock"): one endpoint all the same */
START_TEST(obs_unix_relative) { unix_case("unix-rel"); } END_TEST
/* the client has closed its end before the server accepts: the kernel
 * no longer names the peer; the recorder matched the connect */
START_TEST(obs_unix_late_accept) { unix_case("unix-late"); } END_TEST

START_TEST(obs_socketpair)
{
	size_t i, pipes = 0;

	channel_case("socketpair");
	/* two objects, one per direction, both channels */
	for (i = 0; i < nobs; i++)
		if (obs[i].op == BT_RAW_PIPE) {
			ck_assert_uint_eq(obs[i].file_flags, BT_FILEF_PIPE);
			ck_assert_str_eq(obs[i].path, "");
			pipes++;
		}
	ck_assert_uint_eq(pipes, 2);
}
END_TEST

/* A pseudo-terminal is two channels (core/raw.h BT_PTY_INO): what the
 * master writes is what the slave reads (SRC reaches OUT), and what is
 * shown on the slave is another object (the decoy does not). */
START_TEST(obs_pty)
{
	char decoy[4096];
	FILE *f;
	struct stat sd, so;
	size_t i, rd = 0, wr = 0;
	uint64_t in = 0, outd = 0;

	snprintf(decoy, sizeof(decoy), "%s.decoy", tu_path("out"));
	f = fopen(decoy, "w");
	ck_assert_ptr_nonnull(f);
	fputs("shown on the terminal\n", f);
	fclose(f);
	channel_case("pty");
	stat_ok(decoy, &sd);
	stat_ok(tu_path("out"), &so);
	ck_assert_msg(!flows(sd.st_dev, sd.st_ino, so.st_dev, so.st_ino),
		      "what the terminal shows flows into what is typed");
	/* the master's write and the slave's read are one object, the
	 * slave's write and the master's read the other; both channels */
	for (i = 0; i < nobs; i++) {
		const struct ob *o = &obs[i];

		if ((o->op != BT_RAW_READ && o->op != BT_RAW_WRITE) ||
		    !BT_PTY_IS(o->ino))
			continue;
		ck_assert_uint_eq(o->file_flags, BT_FILEF_PIPE);
		ck_assert(!strncmp(o->path, "pty:[", 5));
		if (BT_PTY_DIR_OF(o->ino) == BT_PTY_IN)
			in = o->ino;
		else
			outd = o->ino;
		if (o->op == BT_RAW_READ)
			rd++;
		else
			wr++;
	}
	ck_assert_uint_ge(rd, 2);   /* the reader may take two reads */
	ck_assert_uint_eq(wr, 2);
	ck_assert(in && outd && in != outd);
	ck_assert_uint_eq(BT_PTY_INDEX_OF(in), BT_PTY_INDEX_OF(outd));
}
END_TEST

/* ioctl TIOCSTI pushes input into a terminal as if typed (on the slave
 * here): a write into the pty's "in" channel, which its reader reads. */
START_TEST(obs_pty_sti)
{
	if (access("/proc/sys/dev/tty/legacy_tiocsti", F_OK) == 0 &&
	    geteuid() != 0) {
		FILE *f = fopen("/proc/sys/dev/tty/legacy_tiocsti", "r");
		int on = 1;

		if (f && fscanf(f, "%d", &on) != 1)
			on = 1;
		if (f)
			fclose(f);
		if (!on)
			return;   /* TIOCSTI refused to non-root: nothing to see */
	}
	channel_case("pty-sti");
}
END_TEST

/* accept(fd, NULL, NULL) still names the peer: the connecting child's
 * own address, as the kernel's socket table has it. */
START_TEST(obs_accept_null)
{
	const struct ob *a;

	make_src();
	{
		char src[4096], out[4096];
		char *argv[] = { channels(), "accept", src, out, NULL };
		struct bt_record_stats st;

		snprintf(src, sizeof(src), "%s", tu_path("src"));
		snprintf(out, sizeof(out), "%s", tu_path("out"));
		ck_assert_int_eq(record_obs(tu_path("acc.btl"), argv, false,
					    &st), 0);
		ck_assert_int_eq(st.status, 0);
	}
	a = find_ob(BT_RAW_ACCEPT, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_msg(!strncmp(a->remote, "127.0.0.1:", 10), "accept from "
		      "'%s'", a->remote);
	/* the data read from the accepted socket comes from that peer */
	a = find_ob(BT_RAW_RECV, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert(!strncmp(a->remote, "127.0.0.1:", 10));
}
END_TEST

/* UDP: sendto, sendmsg and a connected send each reach the receiver's
 * port; recvfrom and recvmsg name the sender. */
START_TEST(obs_udp)
{
	char src[4096], out[4096];
	char *argv[] = { channels(), "udp", src, out, NULL };
	struct bt_record_stats st;
	size_t i, sends = 0, recvs = 0;
	const char *to = NULL;

	snprintf(src, sizeof(src), "%s", tu_path("src"));
	snprintf(out, sizeof(out), "%s", tu_path("out"));
	make_src();
	ck_assert_int_eq(record_obs(tu_path("udp.btl"), argv, false, &st), 0);
	ck_assert_int_eq(st.status, 0);
	for (i = 0; i < nobs; i++) {
		if (obs[i].op == BT_RAW_SEND) {
			if (!to)
				to = obs[i].remote;
			ck_assert_str_eq(obs[i].remote, to);
			ck_assert(!strncmp(to, "127.0.0.1:", 10));
			sends++;
		}
		if (obs[i].op == BT_RAW_RECV) {
			if (recvs < 2)
				ck_assert_msg(!strncmp(obs[i].remote,
						       "127.0.0.1:", 10),
					      "recv from '%s'", obs[i].remote);
			recvs++;
		}
	}
	ck_assert_uint_eq(sends, 3);
	ck_assert_uint_eq(recvs, 3);
}
END_TEST

/* memfd_create + fexecve: the memfd is an anonymous file, written by its
 * creator, then executed; no name is invented for it. */
static void memfd_case(const char *mode)
{
	char out[4096];
	char *argv[] = { channels(), (char *)mode, "/bin/true", out, NULL };
	struct bt_record_stats st;
	const struct ob *w = NULL, *e = NULL;
	size_t i;

	snprintf(out, sizeof(out), "%s", tu_path("unused"));
	ck_assert_int_eq(record_obs(tu_path("memfd.btl"), argv, false, &st),
			 0);
	ck_assert_int_eq(st.status, 0);
	for (i = 0; i < nobs; i++) {
		if (obs[i].op == BT_RAW_WRITE &&
		    (obs[i].file_flags & BT_FILEF_ANON))
			w = &obs[i];
		if (obs[i].op == BT_RAW_EXEC && w && obs[i].ino == w->ino)
			e = &obs[i];
	}
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(w->path, "");
	ck_assert_str_eq(e->path, "");
	ck_assert_uint_eq(e->file_flags & BT_FILEF_ANON, BT_FILEF_ANON);
	ck_assert_uint_ne(e->pid, w->pid);
	/* one exec, of that file: "/proc/self/fd/N" is the tracee's, not
	 * the recorder's, and never a name */
	for (i = 0; i < nobs; i++)
		if (obs[i].op == BT_RAW_EXEC && obs[i].pid == e->pid)
			ck_assert_uint_eq(obs[i].ino, w->ino);
	for (i = 0; i < nobs; i++)
		ck_assert(!strstr(obs[i].path, "/proc/"));
}

START_TEST(obs_memfd_exec) { memfd_case("memfd"); } END_TEST
START_TEST(obs_memfd_proc_exec) { memfd_case("memfd-proc"); } END_TEST

/* io_uring is seen and said: stats, and a note in the log. */
START_TEST(obs_io_uring)
{
	char *argv[] = { channels(), "io_uring", "x", "y", NULL };
	struct bt_record_stats st;
	struct bt_log *log;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	int r, notes = 0;

	ck_assert_int_eq(record_obs(tu_path("uring.btl"), argv, false, &st),
			 0);
	ck_assert_uint_ge(st.io_uring, 1);
	ck_assert_uint_eq(st.io_uring_procs, 1);
	ck_assert_int_eq(bt_log_open(&log, tu_path("uring.btl")), 0);
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1)
		if (h->type == BT_REC_NOTE &&
		    strstr(((const struct bt_rec_note *)h)->text.s, "io_uring"))
			notes++;
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(notes, 2);  /* the text note and the drops note */
	bt_log_iter_release(&it);
	bt_log_close(log);
}
END_TEST

/* open(O_TRUNC) without O_CREAT truncates, as btrack-record(1) says;
 * then ftruncate(fd, 3), truncate(path, 0), ftruncate(fd, 0): each a
 * truncate, emptying the file (to length 0, from the call's registers)
 * but the one to 3. */
START_TEST(obs_trunc_without_creat)
{
	char out[4096];
	char *argv[] = { channels(), "trunc", "x", out, NULL };
	struct bt_record_stats st;
	const bool want[] = { true, false, true, true };
	size_t i, k = 0;
	FILE *f;

	snprintf(out, sizeof(out), "%s", tu_path("old"));
	f = fopen(out, "w");
	fputs("old content\n", f);
	fclose(f);
	ck_assert_int_eq(record_obs(tu_path("tr.btl"), argv, false, &st), 0);
	ck_assert_int_eq(st.status, 0);
	ck_assert_ptr_nonnull(find_ob(BT_RAW_TRUNCATE, out));
	for (i = 0; i < nobs; i++) {
		if (obs[i].op != BT_RAW_TRUNCATE)
			continue;
		ck_assert_uint_lt(k, BT_ARRAY_SIZE(want));
		ck_assert_str_eq(obs[i].path, out);
		ck_assert_msg(obs[i].empties == want[k], "truncate %zu", k);
		k++;
	}
	ck_assert_uint_eq(k, BT_ARRAY_SIZE(want));
}
END_TEST

/* Names and attributes: a rename keeps the file's inode (the one the
 * writer wrote), a symlink names its own inode and its content, chmod and
 * chown the file, mkdir/rmdir/mkfifo their names; credentials ride on
 * every observation. */
START_TEST(obs_names_attrs)
{
	static char cmd[8192], d[2048];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	struct bt_record_stats st;
	const struct ob *c, *rn, *o;
	char p[4200], q[4200];
	struct stat sb;
	size_t i;

	snprintf(d, sizeof(d), "%s", tu_path("names"));
	ck_assert_int_eq(mkdir(d, 0755), 0);
	snprintf(cmd, sizeof(cmd), "cd '%s' && echo s3cret > secret && "
		 "cat secret > t && mv t a && cp a b && ln -s a l && "
		 "chmod 600 b && chown %u:%u b && mkdir dd && rmdir dd && "
		 "mkfifo ff && cat l > /dev/null", d, (unsigned)getuid(),
		 (unsigned)getgid());
	ck_assert_int_eq(record_obs(tu_path("names.btl"), argv, false, &st),
			 0);
	ck_assert_int_eq(st.status, 0);
	snprintf(p, sizeof(p), "%s/t", d);
	snprintf(q, sizeof(q), "%s/a", d);
	c = find_ob(BT_RAW_CREATE, p);
	rn = find_ob(BT_RAW_RENAME, p);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(rn);
	ck_assert_str_eq(rn->new_path, q);
	ck_assert(rn->has_ino && rn->ino == c->ino);
	stat_ok(q, &sb);
	ck_assert_uint_eq(sb.st_ino, c->ino);
	/* the copy: secret -> cat -> t = a -> cp -> b */
	{
		struct stat s1, s2;

		snprintf(p, sizeof(p), "%s/secret", d);
		snprintf(q, sizeof(q), "%s/b", d);
		stat_ok(p, &s1);
		stat_ok(q, &s2);
		ck_assert(flows(s1.st_dev, s1.st_ino, s2.st_dev, s2.st_ino));
	}
	snprintf(p, sizeof(p), "%s/l", d);
	o = find_ob(BT_RAW_SYMLINK, p);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(o->target, "a");
	ck_assert_int_eq(lstat(p, &sb), 0);
	ck_assert(o->has_ino && o->ino == sb.st_ino);
	snprintf(p, sizeof(p), "%s/b", d);
	o = find_ob(BT_RAW_CHMOD, p);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(o->mode, 0600);
	stat_ok(p, &sb);
	ck_assert_uint_eq(o->ino, sb.st_ino);
	o = find_ob(BT_RAW_CHOWN, p);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(o->owner, getuid());
	ck_assert_uint_eq(o->group, getgid());
	snprintf(p, sizeof(p), "%s/dd", d);
	ck_assert_ptr_nonnull(find_ob(BT_RAW_CREATE, p));
	ck_assert_ptr_nonnull(find_ob(BT_RAW_UNLINK, p));
	snprintf(p, sizeof(p), "%s/ff", d);
	ck_assert_ptr_nonnull(find_ob(BT_RAW_CREATE, p));
	for (i = 0; i < nobs; i++) {
		ck_assert_uint_eq(obs[i].uid, getuid());
		ck_assert_uint_eq(obs[i].euid, geteuid());
		ck_assert_uint_eq(obs[i].gid, getgid());
		ck_assert_uint_eq(obs[i].egid, getegid());
	}
}
END_TEST

/* As root: set*id calls give SETID with the credentials after the call,
 * and the observations after it carry them. */
START_TEST(obs_setid)
{
	char src[4096], out[4096];
	char *argv[] = { channels(), "setid", src, out, NULL };
	struct bt_record_stats st;
	const struct ob *s = NULL, *w;
	size_t i;

	if (geteuid() != 0)
		return;   /* needs root; the rest of the suite does not */
	snprintf(src, sizeof(src), "%s", tu_path("src"));
	snprintf(out, sizeof(out), "/tmp/btrack-setid-%d", (int)getpid());
	make_src();
	ck_assert_int_eq(chmod(tu_path("src"), 0644), 0);
	ck_assert_int_eq(chmod(tu_tmpdir(), 0755), 0);
	ck_assert_int_eq(record_obs(tu_path("setid.btl"), argv, false, &st),
			 0);
	unlink(out);
	ck_assert_int_eq(st.status, 0);
	for (i = 0; i < nobs; i++)
		if (obs[i].op == BT_RAW_SETID)
			s = &obs[i];
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->uid, 65534);
	ck_assert_uint_eq(s->euid, 65534);
	ck_assert_uint_eq(s->gid, 65534);
	ck_assert_uint_eq(obs[0].uid, 0);
	w = find_ob(BT_RAW_CREATE, out);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(w->uid, 65534);
}
END_TEST

/* process_vm_writev into a child of the recording: a MEM_WRITE naming
 * it (pid and start, as its fork did), stamped before the child wrote
 * what it got; process_vm_readv a MEM_READ. */
START_TEST(obs_process_vm)
{
	char src[4096], out[4096];
	char *argv[] = { channels(), "vm", src, out, NULL };
	struct bt_record_stats st;
	const struct ob *f, *w, *r, *c;

	snprintf(src, sizeof(src), "%s", tu_path("src"));
	snprintf(out, sizeof(out), "%s", tu_path("out"));
	make_src();
	ck_assert_int_eq(record_obs(tu_path("vm.btl"), argv, false, &st), 0);
	ck_assert_int_eq(st.status, 0);
	f = find_ob(BT_RAW_FORK, NULL);
	w = find_ob(BT_RAW_MEM_WRITE, NULL);
	r = find_ob(BT_RAW_MEM_READ, NULL);
	c = find_ob(BT_RAW_CREATE, out);
	if (!f || !w || !r || !c)
		dump_obs();
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(w->pid, f->pid);
	ck_assert_uint_eq(w->peer, f->child);
	ck_assert_uint_eq(w->peer_start, f->child_start);
	ck_assert_uint_gt(w->bytes, 0);
	ck_assert_uint_eq(r->pid, f->pid);
	ck_assert_uint_eq(r->peer, f->child);
	ck_assert_uint_eq(c->pid, f->child);
	ck_assert_uint_lt(w->time, c->time);
}
END_TEST

/* process_vm_writev naming a thread of the child (not its leader): the
 * MEM_WRITE names the child's process. */
START_TEST(obs_process_vm_thread)
{
	char src[4096], out[4096];
	char *argv[] = { channels(), "vm-thread", src, out, NULL };
	struct bt_record_stats st;
	const struct ob *f, *w, *c;

	snprintf(src, sizeof(src), "%s", tu_path("src"));
	snprintf(out, sizeof(out), "%s", tu_path("out"));
	make_src();
	ck_assert_int_eq(record_obs(tu_path("vmt.btl"), argv, false, &st), 0);
	ck_assert_int_eq(st.status, 0);
	f = find_ob(BT_RAW_FORK, NULL);
	w = find_ob(BT_RAW_MEM_WRITE, NULL);
	c = find_ob(BT_RAW_CREATE, out);
	if (!f || !w || !c)
		dump_obs();
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(w->peer, f->child);
	ck_assert_uint_eq(w->peer_start, f->child_start);
	ck_assert_uint_eq(c->pid, f->child);
}
END_TEST

/* ptrace of a process outside the recording (root): PEEKDATA is a
 * MEM_READ and POKEDATA a MEM_WRITE of it, its start unknown; attach,
 * PEEKUSER, GETREGS and detach are nothing. */
static volatile long poke_word = 41;

START_TEST(obs_ptrace_poke)
{
	char pid[32], addr[32];
	char *argv[] = { channels(), "poke", pid, addr, NULL };
	struct bt_record_stats st;
	const struct ob *w, *r;
	size_t i, n = 0;
	int fds[2];
	char ok = 0;
	pid_t h = 0, mid;

	if (geteuid() != 0)
		return;   /* attaching a process not one's child needs root */
	/* A grandchild, so that the recorder (which reaps any child of
	 * this process) does not reap it: it says over a pipe whether the
	 * poke reached it. */
	ck_assert_int_eq(pipe(fds), 0);
	mid = fork();
	ck_assert_int_ge(mid, 0);
	if (mid == 0) {
		h = fork();
		if (h == 0) {
			for (i = 0; i < 10000 && poke_word == 41; i++)
				usleep(1000);
			ok = poke_word == 42 ? 'y' : 'n';
			_exit(write(fds[1], &ok, 1) == 1 ? 0 : 1);
		}
		_exit(write(fds[1], &h, sizeof(h)) == sizeof(h) ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(mid, NULL, 0), mid);
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &h, sizeof(h)), sizeof(h));
	ck_assert_int_gt(h, 0);
	snprintf(pid, sizeof(pid), "%d", (int)h);
	snprintf(addr, sizeof(addr), "%lx", (unsigned long)&poke_word);
	ck_assert_int_eq(record_obs(tu_path("poke.btl"), argv, false, &st), 0);
	ck_assert_int_eq(st.status, 0);
	/* the poke reached it */
	ck_assert_int_eq(read(fds[0], &ok, 1), 1);
	ck_assert_int_eq(ok, 'y');
	close(fds[0]);
	w = find_ob(BT_RAW_MEM_WRITE, NULL);
	r = find_ob(BT_RAW_MEM_READ, NULL);
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(w->peer, (uint32_t)h);
	ck_assert_uint_eq(w->peer_start, 0);
	ck_assert_uint_eq(w->bytes, sizeof(long));
	ck_assert_uint_eq(r->peer, (uint32_t)h);
	for (n = 0, i = 0; i < nobs; i++)
		n += obs[i].op == BT_RAW_MEM_READ ||
		     obs[i].op == BT_RAW_MEM_WRITE;
	ck_assert_uint_eq(n, 2);
}
END_TEST

/* A script run through #!: the kernel reads it, then the interpreter:
 * the script is executed (an exec of its inode), the exe stays the
 * interpreter's. */
START_TEST(obs_script_exec)
{
	static char cmd[8192], script[4096];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	struct bt_record_stats st;
	struct stat sb;
	size_t i;
	bool seen = false;
	FILE *f;

	snprintf(script, sizeof(script), "%s", tu_path("run.sh"));
	f = fopen(script, "w");
	ck_assert_ptr_nonnull(f);
	fputs("#!/bin/sh\nexit 0\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(script, 0755), 0);
	stat_ok(script, &sb);
	snprintf(cmd, sizeof(cmd), "'%s'", script);
	ck_assert_int_eq(record_obs(tu_path("sc.btl"), argv, false, &st), 0);
	ck_assert_int_eq(st.status, 0);
	for (i = 0; i < nobs; i++)
		if (obs[i].op == BT_RAW_EXEC && obs[i].ino == sb.st_ino &&
		    !strcmp(obs[i].path, script))
			seen = true;
	ck_assert_msg(seen, "no exec of the script");
}
END_TEST

/* The page monitor library is loaded into every process: its open, read
 * and mappings by the loader are never recorded. */
START_TEST(obs_preload_not_recorded)
{
	char *argv[] = { "/bin/cat", "/dev/null", NULL };
	struct bt_record_stats st;
	size_t i;

	ck_assert_int_eq(record_obs(tu_path("pre.btl"), argv, true, &st), 0);
	ck_assert_int_eq(st.status, 0);
	ck_assert_uint_ge(nobs, 2);
	for (i = 0; i < nobs; i++)
		ck_assert_msg(!strstr(obs[i].path, "libbtrack-pages"),
			      "%s of %s recorded", bt_raw_op_name(obs[i].op),
			      obs[i].path);
}
END_TEST

/* Every read from a pipe comes no earlier than the first write into it,
 * whatever order the two tasks' stops reached the recorder in; a pipe is
 * an object with no name. */
START_TEST(e2e_pipe_order)
{
	char *argv[] = { "/bin/sh", "-c", "i=0; while [ $i -lt 40 ]; do "
			 "echo $i$i$i | cat > /dev/null; i=$((i + 1)); done",
			 NULL };
	struct bt_record_stats st;
	size_t i, j, pipes = 0;

	ck_assert_int_eq(record_obs(tu_path("pipe.btl"), argv, false, &st),
			 0);
	ck_assert_int_eq(st.status, 0);
	for (i = 0; i < nobs; i++) {
		uint64_t fw = 0, fr = 0;

		if (obs[i].op != BT_RAW_PIPE)
			continue;
		ck_assert_uint_eq(obs[i].file_flags, BT_FILEF_PIPE);
		for (j = i + 1; j < nobs; j++) {
			if (!obs[j].has_ino || obs[j].ino != obs[i].ino ||
			    obs[j].dev != obs[i].dev)
				continue;
			ck_assert_str_eq(obs[j].path, "");
			ck_assert_uint_eq(obs[j].file_flags, BT_FILEF_PIPE);
			if (obs[j].op == BT_RAW_WRITE && (!fw ||
							  obs[j].time < fw))
				fw = obs[j].time;
			if (obs[j].op == BT_RAW_READ && (!fr ||
							 obs[j].time < fr))
				fr = obs[j].time;
		}
		if (!fr)
			continue;
		pipes++;
		ck_assert_uint_ne(fw, 0);
		ck_assert_uint_le(fw, fr);
	}
	ck_assert_uint_eq(pipes, 40);
}
END_TEST

/* ---- parsers of /proc text --------------------------------------------- */

START_TEST(status_parse)
{
	static const char ok[] = "Name:\tcat\nUmask:\t0022\nUid:\t1000\t0\t"
		"0\t0\nGid:\t100\t50\t50\t50\nGroups:\t\n";
	uint32_t c[4] = { 9, 9, 9, 9 };
	static const char *const bad[] = {
		"", "Uid:\n", "Uid:\t1\t2\t3\t3\n", "Gid:\t1\t2\n",
		"Uid:\tx\ty\nGid:\t1\t2\n", "Uid:\t99999999999\t1\nGid:\t1\t2\n",
		"Uid:\t1\nGid:\t1\t2\n", "Uid:\t-1\t1\nGid:\t1\t2\n",
	};
	size_t i;

	ck_assert_int_eq(bt_record_parse_status(c, ok, sizeof(ok) - 1), 0);
	ck_assert_uint_eq(c[0], 1000);
	ck_assert_uint_eq(c[1], 0);
	ck_assert_uint_eq(c[2], 100);
	ck_assert_uint_eq(c[3], 50);
	for (i = 0; i < BT_ARRAY_SIZE(bad); i++) {
		c[0] = 7;
		ck_assert_int_eq(bt_record_parse_status(c, bad[i],
							strlen(bad[i])),
				 BT_EINVAL);
		ck_assert_uint_eq(c[0], 7);
	}
	/* the length is the end, not a NUL: a cut Uid: line is no line */
	ck_assert_int_eq(bt_record_parse_status(c, ok, 30), BT_EINVAL);
}
END_TEST

/* A unix_diag answer: a good one, then lengths that lie. */
START_TEST(unix_diag_parse)
{
	unsigned char m[256];
	struct nlmsghdr nh = { 0 };
	struct unix_diag_msg um = { 0 };
	struct rtattr ra;
	struct bt_unix_sock u;
	uint32_t peer = 4242;
	size_t off, len;
	static const char name[] = "/run/x.sock";

	memset(m, 0, sizeof(m));
	um.udiag_family = AF_UNIX;
	um.udiag_type = SOCK_STREAM;
	um.udiag_ino = 77;
	memcpy(m + NLMSG_HDRLEN, &um, sizeof(um));
	off = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(um)));
	ra.rta_type = UNIX_DIAG_NAME;
	ra.rta_len = RTA_LENGTH(sizeof(name) - 1);
	memcpy(m + off, &ra, sizeof(ra));
	memcpy(m + off + RTA_LENGTH(0), name, sizeof(name) - 1);
	off += RTA_ALIGN(ra.rta_len);
	ra.rta_type = UNIX_DIAG_PEER;
	ra.rta_len = RTA_LENGTH(4);
	memcpy(m + off, &ra, sizeof(ra));
	memcpy(m + off + RTA_LENGTH(0), &peer, 4);
	off += RTA_ALIGN(ra.rta_len);
	len = off;
	nh.nlmsg_len = (uint32_t)len;
	nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	memcpy(m, &nh, sizeof(nh));
	ck_assert_int_eq(bt_record_unix_diag_parse(&u, m, len), 0);
	ck_assert_uint_eq(u.ino, 77);
	ck_assert_uint_eq(u.peer, 4242);
	ck_assert_uint_eq(u.type, SOCK_STREAM);
	ck_assert_str_eq(u.name, "unix:/run/x.sock");
	/* the buffer is shorter than the message says */
	ck_assert_int_eq(bt_record_unix_diag_parse(&u, m, len - 1), BT_EINVAL);
	ck_assert_int_eq(bt_record_unix_diag_parse(&u, m, 3), BT_EINVAL);
	/* an attribute longer than the message */
	ra.rta_type = UNIX_DIAG_PEER;
	ra.rta_len = 200;
	memcpy(m + off - RTA_ALIGN(RTA_LENGTH(4)), &ra, sizeof(ra));
	ck_assert_int_eq(bt_record_unix_diag_parse(&u, m, len), BT_EINVAL);
	/* an attribute shorter than its header */
	ra.rta_len = 2;
	memcpy(m + off - RTA_ALIGN(RTA_LENGTH(4)), &ra, sizeof(ra));
	ck_assert_int_eq(bt_record_unix_diag_parse(&u, m, len), BT_EINVAL);
	/* an error answer; another family */
	nh.nlmsg_type = NLMSG_ERROR;
	memcpy(m, &nh, sizeof(nh));
	ck_assert_int_eq(bt_record_unix_diag_parse(&u, m, len), BT_ENOTFOUND);
	nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	memcpy(m, &nh, sizeof(nh));
	um.udiag_family = AF_INET;
	memcpy(m + NLMSG_HDRLEN, &um, sizeof(um));
	ck_assert_int_eq(bt_record_unix_diag_parse(&u, m, len), BT_EINVAL);
	/* a message too short for its body */
	nh.nlmsg_len = NLMSG_HDRLEN + 2;
	memcpy(m, &nh, sizeof(nh));
	ck_assert_int_eq(bt_record_unix_diag_parse(&u, m, len), BT_EINVAL);
}
END_TEST

START_TEST(net_peer_parse)
{
	static const char tcp[] =
		"  sl  local_address rem_address   st tx_queue rx_queue tr "
		"tm->when retrnsmt   uid  timeout inode\n"
		"   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 "
		"00:00000000 00000000     0        0 111 1 0 100 0 0 10 0\n"
		"   1: 0100007F:A3F1 0100007F:0016 01 00000000:00000000 "
		"00:00000000 00000000  1000        0 222 1 0 20 4 30 10 -1\n"
		"   2: 0100007F:A3F1 0100007F:001 01 00000000:00000000 "
		"00:00000000 00000000  1000        0 333 1\n"
		"   3: 0100007F:A3F1 0100007G:0016 01 00000000:00000000 "
		"00:00000000 00000000  1000        0 444 1\n"
		"   4: short row 555\n";
	static const char tcp6[] =
		"  sl  local_address                         remote_address"
		"                        st\n"
		"   0: 00000000000000000000000001000000:1F90 "
		"B80D0120000000000000000001000000:0050 01 00000000:00000000 "
		"00:00000000 00000000     0        0 777 1\n";
	char out[128];

	ck_assert_int_eq(bt_record_net_peer(out, sizeof(out), tcp,
					    sizeof(tcp) - 1, false, 222), 0);
	ck_assert_str_eq(out, "127.0.0.1:22");
	/* a listener has no peer; unknown inode; malformed rows */
	ck_assert_int_eq(bt_record_net_peer(out, sizeof(out), tcp,
					    sizeof(tcp) - 1, false, 111),
			 BT_ENOTFOUND);
	ck_assert_int_eq(bt_record_net_peer(out, sizeof(out), tcp,
					    sizeof(tcp) - 1, false, 999),
			 BT_ENOTFOUND);
	ck_assert_int_eq(bt_record_net_peer(out, sizeof(out), tcp,
					    sizeof(tcp) - 1, false, 333),
			 BT_EINVAL);
	ck_assert_int_eq(bt_record_net_peer(out, sizeof(out), tcp,
					    sizeof(tcp) - 1, false, 444),
			 BT_EINVAL);
	ck_assert_int_eq(bt_record_net_peer(out, sizeof(out), tcp,
					    sizeof(tcp) - 1, false, 555),
			 BT_ENOTFOUND);
	ck_assert_int_eq(bt_record_net_peer(out, sizeof(out), tcp6,
					    sizeof(tcp6) - 1, true, 777), 0);
	ck_assert_str_eq(out, "[2001:db8::1]:80");
	/* a v6 row read as v4 is malformed, never a wrong address */
	ck_assert_int_eq(bt_record_net_peer(out, sizeof(out), tcp6,
					    sizeof(tcp6) - 1, false, 777),
			 BT_EINVAL);
	/* the buffer ends inside a row: no read past it */
	ck_assert_int_eq(bt_record_net_peer(out, sizeof(out), tcp,
					    (size_t)(strstr(tcp, " 222 ") -
						     tcp) + 3, false, 222),
			 BT_ENOTFOUND);
	ck_assert_int_eq(bt_record_net_peer(out, sizeof(out), "", 0, false,
					    1), BT_ENOTFOUND);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("record");
	SRunner *sr;
	TCase *tc;
	int failed;

	tc = tcase_create("fd_set_get_close");
	tcase_add_test(tc, fd_set_get_close);
	suite_add_tcase(s, tc);
	tc = tcase_create("fd_dup_semantics");
	tcase_add_test(tc, fd_dup_semantics);
	suite_add_tcase(s, tc);
	tc = tcase_create("fd_cloexec_exec");
	tcase_add_test(tc, fd_cloexec_exec);
	suite_add_tcase(s, tc);
	tc = tcase_create("fd_close_range");
	tcase_add_test(tc, fd_close_range);
	suite_add_tcase(s, tc);
	tc = tcase_create("fd_fork_copy_and_share");
	tcase_add_test(tc, fd_fork_copy_and_share);
	suite_add_tcase(s, tc);
	tc = tcase_create("sockaddr_inet");
	tcase_add_test(tc, sockaddr_inet);
	suite_add_tcase(s, tc);
	tc = tcase_create("sockaddr_unix");
	tcase_add_test(tc, sockaddr_unix);
	suite_add_tcase(s, tc);
	tc = tcase_create("sockaddr_hostile");
	tcase_add_test(tc, sockaddr_hostile);
	suite_add_tcase(s, tc);
	tc = tcase_create("elf_interp");
	tcase_add_test(tc, elf_interp);
	suite_add_tcase(s, tc);
	tc = tcase_create("e2e");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, e2e_true_false);
	tcase_add_test(tc, e2e_missing_program);
	tcase_add_test(tc, e2e_redirect);
	tcase_add_test(tc, e2e_pipe_order);
	suite_add_tcase(s, tc);
	tc = tcase_create("obs");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, obs_splice);
	tcase_add_test(tc, obs_tee);
	tcase_add_test(tc, obs_vmsplice);
	tcase_add_test(tc, obs_socketpair);
	tcase_add_test(tc, obs_pty);
	tcase_add_test(tc, obs_pty_sti);
	tcase_add_test(tc, obs_tmpfile_link);
	tcase_add_test(tc, obs_rename_exchange);
	tcase_add_test(tc, obs_unix_stream);
	tcase_add_test(tc, obs_unix_relative);
	tcase_add_test(tc, obs_unix_late_accept);
	tcase_add_test(tc, obs_accept_null);
	tcase_add_test(tc, obs_udp);
	tcase_add_test(tc, obs_memfd_exec);
	tcase_add_test(tc, obs_memfd_proc_exec);
	tcase_add_test(tc, obs_io_uring);
	tcase_add_test(tc, obs_trunc_without_creat);
	tcase_add_test(tc, obs_names_attrs);
	tcase_add_test(tc, obs_setid);
	tcase_add_test(tc, obs_process_vm);
	tcase_add_test(tc, obs_process_vm_thread);
	tcase_add_test(tc, obs_ptrace_poke);
	tcase_add_test(tc, obs_preload_not_recorded);
	tcase_add_test(tc, obs_script_exec);
	suite_add_tcase(s, tc);
	tc = tcase_create("proc_text");
	tcase_add_test(tc, status_parse);
	tcase_add_test(tc, net_peer_parse);
	tcase_add_test(tc, unix_diag_parse);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
