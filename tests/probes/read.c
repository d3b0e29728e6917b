/* read(2): the source is read with read, the sink written with write. */
#include "probe.h"

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	size_t n;

	usage(argc, argv);
	n = slurp(argv[1], buf, sizeof buf);
	spill(argv[2], buf, n);
	decoy();
	return 0;
}
