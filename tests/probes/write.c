/* write(2) into an fd opened without O_TRUNC (the write, not the open, is
 * what makes the sink). */
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
	if (write(fd, buf, n) != (ssize_t)n)
		die("write");
	close(fd);
	decoy();
	return 0;
}
