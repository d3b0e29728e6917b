/* mkdir(2): a new directory.
 * argv[2] is the object acted on; argv[1] is not used. */
#include "probe.h"
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	const char *t;

	usage(argc, argv);
	t = argv[2];
	if (mkdir(t, 0755) < 0)
		die("mkdir");
	decoy();
	return 0;
}
