/* dupio.h - the source is read, and the sink written, only through
 * duplicates of the descriptors open(2) returned, after the originals
 * were closed.  dupfn(fd, hint) returns the duplicate. */
#include "probe.h"

static int dupped(const char *src, const char *sink, int (*dupfn)(int, int))
{
	char buf[PROBE_BUF];
	ssize_t n;
	int fd, d;

	if ((fd = open(src, O_RDONLY)) < 0)
		die(src);
	if ((d = dupfn(fd, 40)) < 0)
		die("dup (source)");
	close(fd);
	if ((n = read(d, buf, sizeof buf)) < 0)
		die("read");
	close(d);
	if ((fd = open(sink, O_WRONLY | O_CREAT, 0644)) < 0)
		die(sink);
	if ((d = dupfn(fd, 41)) < 0)
		die("dup (sink)");
	close(fd);
	if (write(d, buf, (size_t)n) != n)
		die("write");
	close(d);
	decoy();
	return 0;
}
