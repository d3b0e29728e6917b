/* renameat2(2) with RENAME_NOREPLACE from a directory fd. */
#include "probe.h"
#include <stdio.h>

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	size_t n;
	int dir;

	usage(argc, argv);
	n = slurp(argv[1], buf, sizeof buf);
	spill(".part", buf, n);
	if ((dir = open(".", O_RDONLY | O_DIRECTORY)) < 0)
		die(".");
	unlink(argv[2]);
	if (renameat2(dir, ".part", AT_FDCWD, argv[2], RENAME_NOREPLACE) < 0) {
		if (errno == ENOSYS || errno == EINVAL)
			unavailable("renameat2");
		die("renameat2");
	}
	close(dir);
	decoy();
	return 0;
}
