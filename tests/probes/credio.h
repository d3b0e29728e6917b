/* credio.h - as root, open the sink, read the source, drop to uid and gid
 * 65534 with the call under test, then write the sink: the process that
 * wrote it had changed credentials. */
#include "probe.h"
#include <grp.h>

static int dropped(const char *src, const char *sink, int (*drop)(void))
{
	char buf[PROBE_BUF];
	size_t n;
	int fd;

	if (geteuid() != 0) {
		errno = EPERM;
		unavailable("a credential change (not root)");
	}
	if ((fd = open(sink, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(sink);
	n = slurp(src, buf, sizeof buf);
	if (setgroups(0, NULL) < 0)
		die("setgroups");
	if (drop() < 0)
		die("drop");
	if (getuid() != 65534 || geteuid() != 65534)
		die("still root");
	if (write(fd, buf, n) != (ssize_t)n)
		die("write");
	close(fd);
	decoy();
	return 0;
}
