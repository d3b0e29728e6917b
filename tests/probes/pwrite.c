/* pwrite64(2) at offset 0. */
#include "probe.h"

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	size_t n;
	int fd;

	usage(argc, argv);
	n = slurp(argv[1], buf, sizeof buf);
	if ((fd = open(argv[2], O_WRONLY | O_CREAT, 0644)) < 0)
		die(argv[2]);
	if (pwrite(fd, buf, n, 0) != (ssize_t)n)
		die("pwrite");
	close(fd);
	decoy();
	return 0;
}
