/* io_uring over a socketpair: a child reads the source (read(2)) and sends
 * it with IORING_OP_SEND; the parent opens the sink with IORING_OP_OPENAT,
 * takes the data with IORING_OP_RECV and writes it with IORING_OP_WRITE.
 * Exits 77 when the kernel refuses io_uring. */
#include "uringio.h"
#include <sys/socket.h>

int main(int argc, char **argv)
{
	static char buf[PROBE_BUF];
	struct ring r;
	int sv[2], out, n;
	size_t len;
	pid_t pid;

	usage(argc, argv);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		die("socketpair");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		close(sv[0]);
		setup(&r);
		len = slurp(argv[1], buf, sizeof buf);
		if (op(&r, IORING_OP_SEND, sv[1], buf, (unsigned)len) !=
		    (int)len)
			_exit(1);
		_exit(0);
	}
	close(sv[1]);
	setup(&r);
	if ((out = opx(&r, IORING_OP_OPENAT, AT_FDCWD, argv[2], 0644,
		       O_WRONLY | O_CREAT | O_TRUNC)) < 0) {
		if (out == -EINVAL || out == -EOPNOTSUPP) {
			errno = -out;
			unavailable("IORING_OP_OPENAT");
		}
		errno = -out;
		die("io_uring openat");
	}
	if ((n = op(&r, IORING_OP_RECV, sv[0], buf, sizeof buf)) <= 0) {
		errno = n < 0 ? -n : EIO;
		die("io_uring recv");
	}
	if (op(&r, IORING_OP_WRITE, out, buf, (unsigned)n) != n)
		die("io_uring write");
	close(out);
	reap(pid);
	decoy();
	return 0;
}
