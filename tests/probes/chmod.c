/* chmod(2) of an existing file.
 * argv[2] is the object acted on; argv[1] is not used. */
#include "probe.h"
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	const char *t;

	usage(argc, argv);
	t = argv[2];
	if (chmod(t, 0600) < 0)
		die("chmod");
	decoy();
	return 0;
}
