/* truncate(2) of an existing file (not opened).
 * argv[2] is the object acted on; argv[1] is not used. */
#include "probe.h"
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	const char *t;

	usage(argc, argv);
	t = argv[2];
	if (truncate(t, 1) < 0)
		die("truncate");
	decoy();
	return 0;
}
