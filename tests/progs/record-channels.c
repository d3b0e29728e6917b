/*
 * record-channels.c - move data from a source file to a sink file through
 * one kernel channel, for the recorder's tests (tests/check_recorder.c): each
 * mode is one way a recorder can lose the data's path.
 *
 *   record-channels splice SRC OUT     SRC -splice-> pipe -splice-> OUT
 *   record-channels tee SRC OUT        SRC -> pipe1 -tee-> pipe2 -> OUT
 *   record-channels vmsplice SRC OUT   SRC read, vmsplice into a pipe, OUT
 *   record-channels socketpair SRC OUT a child reads SRC and sends it over
 *                                      a socketpair; the parent writes OUT
 *   record-channels accept SRC OUT     a child connects over TCP loopback
 *                                      and sends SRC; the parent accepts
 *                                      with accept(fd, NULL, NULL)
 *   record-channels memfd SRC OUT      SRC copied into a memfd; a child
 *                                      runs it with fexecve (SRC is a
 *                                      program; OUT unused)
 *   record-channels memfd-proc SRC OUT as memfd, run through execv of
 *                                      "/proc/self/fd/N"
 *   record-channels io_uring SRC OUT   io_uring_setup (fails or not): the
 *                                      recorder must say it saw it
 *   record-channels tmpfile SRC OUT    SRC copied into an O_TMPFILE file in
 *                                      OUT's directory, linked as OUT
 *                                      through /proc/self/fd/N
 *   record-channels unix SRC OUT       as accept, over a unix stream socket
 *                                      bound in OUT's directory; the
 *                                      parent also answers, the child
 *                                      reads the answer
 *   record-channels unix-rel SRC OUT   the same, in OUT's directory: the
 *                                      server binds "sock", the client
 *                                      connects to "./sock"
 *   record-channels unix-late SRC OUT  the client connects, sends and
 *                                      exits before the server accepts
 *   record-channels exchange SRC OUT   renameat2(SRC, OUT, RENAME_EXCHANGE)
 *   record-channels trunc SRC OUT      open OUT with O_TRUNC, no O_CREAT
 *   record-channels udp SRC OUT        SRC sent over UDP loopback with
 *                                      sendto, sendmsg and a connected
 *                                      send; received with recvfrom,
 *                                      recvmsg and recv; OUT written
 *   record-channels setid SRC OUT      (root) setresgid/setresuid to 65534,
 *                                      then write SRC's content into OUT
 *   record-channels pty SRC OUT        a pseudo-terminal (raw mode): a
 *                                      child types SRC into the master;
 *                                      a child shows OUT.decoy on the
 *                                      slave, then a second child reads
 *                                      the slave into OUT; the parent
 *                                      reads what was shown last
 *   record-channels vm SRC OUT         a child waits for its buffer to
 *                                      fill; the parent reads SRC, writes
 *                                      it into the child's buffer with
 *                                      process_vm_writev (having read it
 *                                      with process_vm_readv); the child
 *                                      writes OUT from its buffer
 *   record-channels vm-thread SRC OUT  as vm, the write naming a thread
 *                                      of the child (not its leader): the
 *                                      thread sends its id to the parent
 *                                      over a pipe (a flow child ->
 *                                      parent only)
 *   record-channels poke PID ADDR      (root) ptrace-attaches PID (a
 *                                      process outside the recording),
 *                                      PEEKDATA and POKEDATA the word at
 *                                      ADDR (hex), detaches; a
 *                                      PEEKUSER and GETREGS too
 *   record-channels pty-sti SRC OUT    a child pushes SRC into a pty's
 *                                      input with ioctl TIOCSTI on the
 *                                      slave (as if typed); a second
 *                                      child reads the slave into OUT
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/user.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static char buf[65536];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static ssize_t slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		die(path);
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		die("read");
	close(fd);
	return n;
}

static void put(const char *path, const char *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, data, n) != (ssize_t)n)
		die(path);
	close(fd);
}

/* A new pseudo-terminal in raw mode: its master, and its slave in *sl. */
static int open_pty(int *sl)
{
	struct termios tio;
	int m = posix_openpt(O_RDWR | O_NOCTTY);

	if (m < 0 || grantpt(m) || unlockpt(m) || !ptsname(m))
		die("posix_openpt");
	if ((*sl = open(ptsname(m), O_RDWR | O_NOCTTY)) < 0)
		die("ptsname");
	if (tcgetattr(*sl, &tio))
		die("tcgetattr");
	cfmakeraw(&tio);
	if (tcsetattr(*sl, TCSANOW, &tio))
		die("tcsetattr");
	return m;
}

/* vm-thread: the child's second thread sends its id, then waits with
 * the child's main thread for the buffer to fill. */
static volatile char tbuf[256];
static int tpipe;

static void *tell_tid(void *arg)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	int i;

	(void)arg;
	if (write(tpipe, &tid, sizeof(tid)) != sizeof(tid))
		die("write tid");
	for (i = 0; i < 10000 && !tbuf[0]; i++)
		usleep(1000);
	return NULL;
}

static int vm_thread(const char *src, const char *out)
{
	struct iovec l, r;
	pthread_t th;
	ssize_t n;
	pid_t c, tid;
	int p[2], i;

	if (pipe(p))
		die("pipe");
	if ((c = fork()) < 0)
		die("fork");
	if (c == 0) {
		close(p[0]);
		tpipe = p[1];
		if (pthread_create(&th, NULL, tell_tid, NULL))
			die("pthread_create");
		for (i = 0; i < 10000 && !tbuf[0]; i++)
			usleep(1000);
		pthread_join(th, NULL);
		put(out, (const char *)tbuf, strnlen((const char *)tbuf,
						     sizeof(tbuf)));
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &tid, sizeof(tid)) != sizeof(tid) || tid == c)
		die("thread id");
	n = slurp(src);
	if (n <= 0 || n >= (ssize_t)sizeof(tbuf))
		die("source size");
	l = (struct iovec){ buf, (size_t)n };
	r = (struct iovec){ (void *)tbuf, (size_t)n };
	if (syscall(SYS_process_vm_writev, tid, &l, 1, &r, 1, 0) != n)
		die("process_vm_writev");
	if (waitpid(c, NULL, 0) != c)
		die("waitpid");
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode, *src, *out;
	int p[2], q[2], in, o, sv[2];
	ssize_t n;

	if (argc != 4) {
		fprintf(stderr, "usage: record-channels MODE SRC OUT\n");
		return 2;
	}
	mode = argv[1];
	src = argv[2];
	out = argv[3];
	if (!strcmp(mode, "splice")) {
		if (pipe(p) || (in = open(src, O_RDONLY)) < 0 ||
		    (o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
			die("setup");
		n = splice(in, NULL, p[1], NULL, sizeof(buf), 0);
		if (n <= 0 || splice(p[0], NULL, o, NULL, (size_t)n, 0) != n)
			die("splice");
		return 0;
	}
	if (!strcmp(mode, "tee")) {
		if (pipe(p) || pipe(q))
			die("pipe");
		n = slurp(src);
		if (write(p[1], buf, (size_t)n) != n)
			die("write");
		if (tee(p[0], q[1], (size_t)n, 0) != n)
			die("tee");
		if (read(q[0], buf, (size_t)n) != n)
			die("read");
		put(out, buf, (size_t)n);
		return 0;
	}
	if (!strcmp(mode, "vmsplice")) {
		struct iovec iov;

		if (pipe(p))
			die("pipe");
		n = slurp(src);
		iov.iov_base = buf;
		iov.iov_len = (size_t)n;
		if (vmsplice(p[1], &iov, 1, 0) != n)
			die("vmsplice");
		if (read(p[0], buf, (size_t)n) != n)
			die("read");
		put(out, buf, (size_t)n);
		return 0;
	}
	if (!strcmp(mode, "socketpair")) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			die("socketpair");
		if (fork() == 0) {
			close(sv[0]);
			n = slurp(src);
			if (send(sv[1], buf, (size_t)n, 0) != n)
				die("send");
			_exit(0);
		}
		close(sv[1]);
		wait(NULL);
		n = recv(sv[0], buf, sizeof(buf), 0);
		if (n <= 0)
			die("recv");
		put(out, buf, (size_t)n);
		return 0;
	}
	if (!strcmp(mode, "accept")) {
		struct sockaddr_in a = { 0 };
		socklen_t al = sizeof(a);
		int l = socket(AF_INET, SOCK_STREAM, 0), c;

		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 1) ||
		    getsockname(l, (void *)&a, &al))
			die("listen");
		if (fork() == 0) {
			c = socket(AF_INET, SOCK_STREAM, 0);
			if (c < 0 || connect(c, (void *)&a, sizeof(a)))
				die("connect");
			n = slurp(src);
			if (write(c, buf, (size_t)n) != n)
				die("write");
			_exit(0);
		}
		c = accept(l, NULL, NULL);
		if (c < 0)
			die("accept");
		n = read(c, buf, sizeof(buf));
		if (n <= 0)
			die("read");
		wait(NULL);
		put(out, buf, (size_t)n);
		return 0;
	}
	if (!strcmp(mode, "memfd") || !strcmp(mode, "memfd-proc")) {
		int m = memfd_create("payload", 0), st;
		char *args[] = { "payload", NULL }, *env[] = { NULL };

		in = open(src, O_RDONLY);
		if (m < 0 || in < 0)
			die("memfd");
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(m, buf, (size_t)n) != n)
				die("write");
		if (fork() == 0) {
			char pp[64];

			snprintf(pp, sizeof(pp), "/proc/self/fd/%d", m);
			if (!strcmp(mode, "memfd"))
				fexecve(m, args, env);
			else
				execve(pp, args, env);
			die("exec");
		}
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			die("child");
		return 0;
	}
	if (!strcmp(mode, "io_uring")) {
		char params[120] = { 0 };
		long fd = syscall(SYS_io_uring_setup, 1, params);

		if (fd >= 0)
			close((int)fd);
		return 0;
	}
	if (!strcmp(mode, "tmpfile")) {
		char dir[4096], *sl, pp[64];

		snprintf(dir, sizeof(dir), "%s", out);
		sl = strrchr(dir, '/');
		if (!sl)
			die("OUT must have a directory");
		*sl = '\0';
		o = open(dir, O_TMPFILE | O_WRONLY, 0644);
		if (o < 0)
			die("O_TMPFILE");
		n = slurp(src);
		if (write(o, buf, (size_t)n) != n)
			die("write");
		snprintf(pp, sizeof(pp), "/proc/self/fd/%d", o);
		if (linkat(AT_FDCWD, pp, AT_FDCWD, out, AT_SYMLINK_FOLLOW))
			die("linkat");
		return 0;
	}
	if (!strcmp(mode, "unix") || !strcmp(mode, "unix-rel") ||
	    !strcmp(mode, "unix-late")) {
		struct sockaddr_un a = { 0 };
		int l = socket(AF_UNIX, SOCK_STREAM, 0), c;
		bool rel = !strcmp(mode, "unix-rel");
		bool late = !strcmp(mode, "unix-late");
		char *sl;

		a.sun_family = AF_UNIX;
		snprintf(a.sun_path, sizeof(a.sun_path), "%s", out);
		sl = strrchr(a.sun_path, '/');
		if (!sl || sl - a.sun_path > 90)
			die("OUT's directory is too long for a socket");
		if (rel) {
			*sl = '\0';
			if (chdir(a.sun_path))
				die("chdir");
			snprintf(a.sun_path, sizeof(a.sun_path), "sock");
		} else {
			snprintf(sl + 1, 10, "sock");
		}
		unlink(a.sun_path);
		if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 1))
			die("listen");
		if (fork() == 0) {
			c = socket(AF_UNIX, SOCK_STREAM, 0);
			if (rel)
				snprintf(a.sun_path, sizeof(a.sun_path),
					 "./sock");
			if (c < 0 || connect(c, (void *)&a, sizeof(a)))
				die("connect");
			n = slurp(src);
			if (write(c, buf, (size_t)n) != n ||
			    (!late && read(c, buf, 2) != 2))
				die("client");
			_exit(0);
		}
		if (late)
			wait(NULL);   /* the client is gone before accept */
		c = accept(l, NULL, NULL);
		if (c < 0)
			die("accept");
		n = read(c, buf, sizeof(buf));
		if (n <= 0 || (!late && write(c, "ok", 2) != 2))
			die("read");
		wait(NULL);
		unlink(a.sun_path);
		put(out, buf, (size_t)n);
		return 0;
	}
	if (!strcmp(mode, "exchange")) {
		if (renameat2(AT_FDCWD, src, AT_FDCWD, out, RENAME_EXCHANGE))
			die("renameat2");
		return 0;
	}
	if (!strcmp(mode, "trunc")) {
		o = open(out, O_WRONLY | O_TRUNC);
		if (o < 0 || ftruncate(o, 3) || truncate(out, 0) ||
		    ftruncate(o, 0))
			die(out);
		return 0;
	}
	if (!strcmp(mode, "udp")) {
		struct sockaddr_in a = { 0 }, from;
		socklen_t al = sizeof(a), fl = sizeof(from);
		int r = socket(AF_INET, SOCK_DGRAM, 0);
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		struct iovec iov;
		struct msghdr mh = { 0 };
		char got[3][4096];
		ssize_t k[3];

		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (r < 0 || s < 0 || bind(r, (void *)&a, sizeof(a)) ||
		    getsockname(r, (void *)&a, &al))
			die("udp");
		n = slurp(src);
		if (n > 4096)
			n = 4096;
		if (sendto(s, buf, (size_t)n, 0, (void *)&a, sizeof(a)) != n)
			die("sendto");
		k[0] = recvfrom(r, got[0], sizeof(got[0]), 0, (void *)&from,
				&fl);
		iov.iov_base = buf;
		iov.iov_len = (size_t)n;
		mh.msg_name = &a;
		mh.msg_namelen = sizeof(a);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (sendmsg(s, &mh, 0) != n)
			die("sendmsg");
		iov.iov_base = got[1];
		iov.iov_len = sizeof(got[1]);
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		k[1] = recvmsg(r, &mh, 0);
		if (connect(s, (void *)&a, sizeof(a)) ||
		    send(s, buf, (size_t)n, 0) != n)
			die("send");
		k[2] = recv(r, got[2], sizeof(got[2]), 0);
		if (k[0] != n || k[1] != n || k[2] != n)
			die("recv");
		put(out, got[2], (size_t)n);
		return 0;
	}
	if (!strcmp(mode, "pty-sti")) {
		int sl;
		ssize_t k, i;

		open_pty(&sl);  /* the master stays open, unused */

		/* only the first child reads SRC (the parent forks the
		 * reader: it must not have read it) */
		if (fork() == 0) {
			n = slurp(src);
			for (i = 0; i < n; i++)
				if (ioctl(sl, TIOCSTI, &buf[i]))
					die("TIOCSTI");
			_exit(0);
		}
		wait(NULL);
		if (fork() == 0) {
			/* up to SRC's newline */
			for (k = 0; k == 0 || buf[k - 1] != '\n'; k += i)
				if ((i = read(sl, buf + k, sizeof(buf) - 1 -
					      (size_t)k)) <= 0)
					die("read slave");
			put(out, buf, (size_t)k);
			_exit(0);
		}
		wait(NULL);
		return 0;
	}
	if (!strcmp(mode, "pty")) {
		char decoy[4096];
		int sl, m = open_pty(&sl);
		ssize_t k;

		/* typed in by a child: the parent, which forks the reader,
		 * must not have read SRC */
		if (fork() == 0) {
			n = slurp(src);
			if (write(m, buf, (size_t)n) != n)
				die("write master");
			_exit(0);
		}
		wait(NULL);
		if (fork() == 0) {
			/* shown on the terminal: not what is typed */
			snprintf(decoy, sizeof(decoy), "%s.decoy", out);
			k = slurp(decoy);
			if (write(sl, buf, (size_t)k) != k)
				die("write slave");
			_exit(0);
		}
		wait(NULL);
		if (fork() == 0) {
			/* up to SRC's newline */
			for (n = 0; n == 0 || buf[n - 1] != '\n'; n += k)
				if ((k = read(sl, buf + n, sizeof(buf) - 1 -
					      (size_t)n)) <= 0)
					die("read slave");
			put(out, buf, (size_t)n);
			_exit(0);
		}
		wait(NULL);
		if (read(m, buf, sizeof(buf)) <= 0)
			die("read master");
		return 0;
	}
	if (!strcmp(mode, "vm")) {
		/* the same address in the child (a fork's copy); no pipe
		 * between them, which would carry data of its own */
		static volatile char vbuf[256];
		struct iovec l, r;
		char back[256];
		pid_t c;

		if ((c = fork()) < 0)
			die("fork");
		if (c == 0) {
			int i;

			for (i = 0; i < 10000 && !vbuf[0]; i++)
				usleep(1000);
			put(out, (const char *)vbuf, strnlen((const char *)vbuf,
							     sizeof(vbuf)));
			_exit(0);
		}
		n = slurp(src);
		if (n <= 0 || n >= (ssize_t)sizeof(vbuf))
			die("source size");
		/* the read first: once written, the child goes */
		r = (struct iovec){ (void *)vbuf, (size_t)n };
		l = (struct iovec){ back, (size_t)n };
		if (syscall(SYS_process_vm_readv, c, &l, 1, &r, 1, 0) != n)
			die("process_vm_readv");
		l = (struct iovec){ buf, (size_t)n };
		if (syscall(SYS_process_vm_writev, c, &l, 1, &r, 1, 0) != n)
			die("process_vm_writev");
		if (waitpid(c, NULL, 0) != c)
			die("waitpid");
		return 0;
	}
	if (!strcmp(mode, "vm-thread"))
		return vm_thread(src, out);
	if (!strcmp(mode, "poke")) {
		pid_t pid = (pid_t)atol(src);
		unsigned long addr = strtoul(out, NULL, 16);
		struct user_regs_struct regs;
		long w;

		if (ptrace(PTRACE_ATTACH, pid, NULL, NULL))
			die("PTRACE_ATTACH");
		if (waitpid(pid, NULL, 0) != pid)
			die("waitpid");
		errno = 0;
		w = ptrace(PTRACE_PEEKDATA, pid, (void *)addr, NULL);
		if (errno)
			die("PTRACE_PEEKDATA");
		if (ptrace(PTRACE_POKEDATA, pid, (void *)addr, (void *)(w + 1)))
			die("PTRACE_POKEDATA");
		errno = 0;
		ptrace(PTRACE_PEEKUSER, pid, (void *)0, NULL);
		ptrace(PTRACE_GETREGS, pid, NULL, &regs);
		if (ptrace(PTRACE_DETACH, pid, NULL, NULL))
			die("PTRACE_DETACH");
		return 0;
	}
	if (!strcmp(mode, "setid")) {
		n = slurp(src);
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			die("setresuid");
		put(out, buf, (size_t)n);
		return 0;
	}
	fprintf(stderr, "record-channels: unknown mode '%s'\n", mode);
	return 2;
}
