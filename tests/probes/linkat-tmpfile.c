/* O_TMPFILE, then linkat(2) through /proc/self/fd/N (AT_SYMLINK_FOLLOW):
 * the sink is an anonymous file given a name. */
#include "probe.h"

int main(int argc, char **argv)
{
	char buf[PROBE_BUF], proc[64];
	size_t n;
	int fd;

	usage(argc, argv);
	n = slurp(argv[1], buf, sizeof buf);
	if ((fd = open(".", O_TMPFILE | O_WRONLY, 0644)) < 0) {
		if (errno == EOPNOTSUPP || errno == EISDIR)
			unavailable("O_TMPFILE");
		die("O_TMPFILE");
	}
	if (write(fd, buf, n) != (ssize_t)n)
		die("write");
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, argv[2], AT_SYMLINK_FOLLOW) < 0)
		die("linkat");
	close(fd);
	decoy();
	return 0;
}
