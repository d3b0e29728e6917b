/*
 * check_record.c - the recorder's pieces that need no tracee (fd table
 * semantics of dup/close/cloexec/fork/exec, path resolution against a cwd
 * or a dirfd's path, sockaddr formatting of hostile input, the static
 * binary test) and small end-to-end recordings of /bin/true, /bin/false, a
 * missing program and a shell redirection.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "../capture/fdtable.h"
#include "../capture/path.h"
#include "../capture/record.h"
#include "../core/error.h"
#include "../core/log.h"
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

/* ---- paths ------------------------------------------------------------- */

static const char *join(const char *base, const char *rel)
{
	static char out[4096];

	if (bt_path_join(out, sizeof(out), base, rel))
		return NULL;
	return out;
}

START_TEST(path_relative)
{
	ck_assert_str_eq(join("/home/u", "f"), "/home/u/f");
	ck_assert_str_eq(join("/home/u/", "./a/./b"), "/home/u/a/b");
	ck_assert_str_eq(join("/home/u", "../v/x"), "/home/v/x");
	ck_assert_str_eq(join("/home/u", "a//b/"), "/home/u/a/b");
	ck_assert_str_eq(join("/", "x"), "/x");
	/* ".." at the root stays at the root, like the kernel */
	ck_assert_str_eq(join("/a", "../../../etc/passwd"), "/etc/passwd");
	ck_assert_str_eq(join("/a/b", ".."), "/a");
	ck_assert_str_eq(join("/a", "."), "/a");
	ck_assert_str_eq(join("/a", "..."), "/a/...");
	ck_assert_str_eq(join("/a", "..b"), "/a/..b");
}
END_TEST

START_TEST(path_absolute_and_dirfd)
{
	/* an absolute path ignores the base, even a bad one */
	ck_assert_str_eq(join("/home/u", "/etc//hosts"), "/etc/hosts");
	ck_assert_str_eq(join(NULL, "/x/../y"), "/y");
	/* a dirfd's path is just another base */
	ck_assert_str_eq(join("/var/lib/db", "t.sqlite-wal"),
			 "/var/lib/db/t.sqlite-wal");
}
END_TEST

START_TEST(path_bad)
{
	char small[8], big[5000];

	ck_assert_ptr_null(join("relative", "f"));
	ck_assert_ptr_null(join(NULL, "f"));
	ck_assert_ptr_null(join("/a", NULL));
	ck_assert_int_eq(bt_path_join(small, sizeof(small), "/abc",
					     "defgh"), BT_ELIMIT);
	ck_assert_int_eq(bt_path_join(small, sizeof(small), "/",
					     "abcdef"), 0);
	ck_assert_str_eq(small, "/abcdef");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_ptr_null(join("/", big));
	ck_assert_int_eq(bt_path_join(small, 1, "/", "a"), BT_ELIMIT);
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

/* Every read from a pipe comes no earlier than the first write into it,
 * whatever order the two tasks' stops reached the recorder in. */
START_TEST(e2e_pipe_order)
{
	char *argv[] = { "/bin/sh", "-c", "i=0; while [ $i -lt 40 ]; do "
			 "echo $i$i$i | cat > /dev/null; i=$((i + 1)); done",
			 NULL };
	struct bt_record_stats st;
	struct bt_log *log;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	static uint64_t first_write[1 << 16], first_read[1 << 16];
	static char is_pipe[1 << 16];
	uint32_t i, pipes = 0;
	int r;

	ck_assert_int_eq(record(tu_path("pipe.btl"), argv, &st), 0);
	ck_assert_int_eq(st.status, 0);
	ck_assert_int_eq(bt_log_open(&log, tu_path("pipe.btl")), 0);
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		if (h->type == BT_REC_LABEL) {
			const struct bt_rec_label *l = (const void *)h;

			if (l->object < (1 << 16) && l->key == BT_LABEL_PATH &&
			    !strncmp(l->value.s, "pipe:[", 6))
				is_pipe[l->object] = 1;
		}
		if (h->type == BT_REC_EVENT) {
			const struct bt_rec_event *e = (const void *)h;

			if (e->op == BT_OP_WRITE && e->effect < (1 << 16) &&
			    (!first_write[e->effect] ||
			     e->time < first_write[e->effect]))
				first_write[e->effect] = e->time;
			if (e->op == BT_OP_READ && e->cause < (1 << 16) &&
			    (!first_read[e->cause] ||
			     e->time < first_read[e->cause]))
				first_read[e->cause] = e->time;
		}
	}
	ck_assert_int_eq(r, 0);
	for (i = 1; i < (1 << 16); i++) {
		if (!is_pipe[i] || !first_read[i])
			continue;
		pipes++;
		ck_assert_uint_ne(first_write[i], 0);
		ck_assert_uint_le(first_write[i], first_read[i]);
	}
	ck_assert_uint_eq(pipes, 40);
	bt_log_iter_release(&it);
	bt_log_close(log);
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
	tc = tcase_create("path_relative");
	tcase_add_test(tc, path_relative);
	suite_add_tcase(s, tc);
	tc = tcase_create("path_absolute_and_dirfd");
	tcase_add_test(tc, path_absolute_and_dirfd);
	suite_add_tcase(s, tc);
	tc = tcase_create("path_bad");
	tcase_add_test(tc, path_bad);
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

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
