/* renameat2(2) with RENAME_EXCHANGE: the source's copy, written to a name
 * of its own, swaps names with the existing sink (the first name given
 * is the sink's: the file that had the second name takes it). */
#include "probe.h"
#include <stdio.h>

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	size_t n;

	usage(argc, argv);
	n = slurp(argv[1], buf, sizeof buf);
	spill(".part", buf, n);
	if (renameat2(AT_FDCWD, argv[2], AT_FDCWD, ".part",
		      RENAME_EXCHANGE) < 0) {
		if (errno == ENOSYS || errno == EINVAL)
			unavailable("renameat2 RENAME_EXCHANGE");
		die("renameat2");
	}
	decoy();
	return 0;
}
