/* pread64(2): the source is read at an offset, the sink written with write. */
#include "probe.h"

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	ssize_t n;
	int fd;

	usage(argc, argv);
	if ((fd = open(argv[1], O_RDONLY)) < 0)
		die(argv[1]);
	if ((n = pread(fd, buf, sizeof buf, 0)) < 0)
		die("pread");
	close(fd);
	spill(argv[2], buf, (size_t)n);
	decoy();
	return 0;
}
