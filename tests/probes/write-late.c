/* write(2) through a descriptor opened before the source was read: the
 * sink is opened first, the source read, then the sink written and
 * closed.  (A source that dates the write at the open loses the data.) */
#include "probe.h"

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	size_t n;
	int fd;

	usage(argc, argv);
	if ((fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(argv[2]);
	n = slurp(argv[1], buf, sizeof buf);
	if (write(fd, buf, n) != (ssize_t)n)
		die("write");
	close(fd);
	decoy();
	return 0;
}
