/* io_uring: the source is read, and the sink written, by io_uring
 * (IORING_OP_READ, IORING_OP_WRITE), no read(2) or write(2).  Exits 77
 * when the kernel refuses io_uring. */
#include "uringio.h"

int main(int argc, char **argv)
{
	static char buf[PROBE_BUF];
	struct ring r;
	int in, out, n;

	usage(argc, argv);
	setup(&r);
	if ((in = open(argv[1], O_RDONLY)) < 0)
		die(argv[1]);
	if ((out = open(argv[2], O_WRONLY | O_CREAT, 0644)) < 0)
		die(argv[2]);
	if ((n = op(&r, IORING_OP_READ, in, buf, sizeof buf)) <= 0) {
		if (n == -EINVAL || n == -EOPNOTSUPP) {
			errno = -n;
			unavailable("IORING_OP_READ");
		}
		errno = -n;
		die("io_uring read");
	}
	if (op(&r, IORING_OP_WRITE, out, buf, (unsigned)n) != n)
		die("io_uring write");
	close(in);
	close(out);
	close(r.fd);
	decoy();
	return 0;
}
