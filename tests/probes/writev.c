/* writev(2) from two buffers. */
#include "probe.h"
#include <sys/uio.h>

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	struct iovec iov[2];
	size_t n;
	int fd;

	usage(argc, argv);
	n = slurp(argv[1], buf, sizeof buf);
	iov[0].iov_base = buf;
	iov[0].iov_len = n / 2;
	iov[1].iov_base = buf + n / 2;
	iov[1].iov_len = n - n / 2;
	if ((fd = open(argv[2], O_WRONLY | O_CREAT, 0644)) < 0)
		die(argv[2]);
	if (writev(fd, iov, 2) != (ssize_t)n)
		die("writev");
	close(fd);
	decoy();
	return 0;
}
