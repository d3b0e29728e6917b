/* readv(2): the source is read into two buffers. */
#include "probe.h"
#include <sys/uio.h>

int main(int argc, char **argv)
{
	char a[8], b[PROBE_BUF];
	struct iovec iov[2] = { { a, sizeof a }, { b, sizeof b } };
	ssize_t n;
	int fd;

	usage(argc, argv);
	if ((fd = open(argv[1], O_RDONLY)) < 0)
		die(argv[1]);
	if ((n = readv(fd, iov, 2)) < (ssize_t)sizeof a)
		die("readv");
	close(fd);
	if ((fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(argv[2]);
	if (write(fd, a, sizeof a) < 0 || write(fd, b, (size_t)n - sizeof a) < 0)
		die("write");
	close(fd);
	decoy();
	return 0;
}
