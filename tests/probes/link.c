/* link(2): the content goes to ./tmp, linked to the sink, then ./tmp is
 * unlinked (the sink is the file tmp was). */
#include "probe.h"

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	size_t n;

	usage(argc, argv);
	n = slurp(argv[1], buf, sizeof buf);
	spill("tmp", buf, n);
	if (link("tmp", argv[2]) < 0)
		die("link");
	if (unlink("tmp") < 0)
		die("unlink");
	decoy();
	return 0;
}
