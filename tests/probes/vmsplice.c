/* vmsplice(2): a child reads the source and vmsplices it into a pipe; the
 * parent reads the pipe and writes the sink. */
#include "probe.h"
#include <sys/uio.h>

static char buf[PROBE_BUF] __attribute__((aligned(4096)));

int main(int argc, char **argv)
{
	struct iovec iov;
	int p[2], out;
	ssize_t n;
	pid_t pid;

	usage(argc, argv);
	if (pipe(p) < 0)
		die("pipe");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		close(p[0]);
		iov.iov_base = buf;
		iov.iov_len = slurp(argv[1], buf, sizeof buf);
		if (vmsplice(p[1], &iov, 1, 0) != (ssize_t)iov.iov_len)
			die("vmsplice");
		close(p[1]);
		_exit(0);
	}
	close(p[1]);
	if ((n = read(p[0], buf, sizeof buf)) <= 0)
		die("read pipe");
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(argv[2]);
	if (write(out, buf, (size_t)n) != n)
		die("write");
	close(out);
	reap(pid);
	decoy();
	return 0;
}
