/* rmdir(2) of an existing empty directory.
 * argv[2] is the object acted on; argv[1] is not used. */
#include "probe.h"
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	const char *t;

	usage(argc, argv);
	t = argv[2];
	if (rmdir(t) < 0)
		die("rmdir");
	decoy();
	return 0;
}
