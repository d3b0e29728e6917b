/* preadv2(2) at offset 0 (and preadv's path with flags 0). */
#include "probe.h"
#include <sys/uio.h>

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	struct iovec iov = { buf, sizeof buf };
	ssize_t n;
	int fd;

	usage(argc, argv);
	if ((fd = open(argv[1], O_RDONLY)) < 0)
		die(argv[1]);
	if ((n = preadv2(fd, &iov, 1, 0, 0)) < 0) {
		if (errno == ENOSYS)
			unavailable("preadv2");
		die("preadv2");
	}
	close(fd);
	spill(argv[2], buf, (size_t)n);
	decoy();
	return 0;
}
