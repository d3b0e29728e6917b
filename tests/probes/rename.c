/* rename(2): the source's content is written to .part, which is then
 * renamed to the sink (an atomic replace). */
#include "probe.h"

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	size_t n;

	usage(argc, argv);
	n = slurp(argv[1], buf, sizeof buf);
	spill(".part", buf, n);
	if (rename(".part", argv[2]) < 0)
		die("rename");
	decoy();
	return 0;
}
