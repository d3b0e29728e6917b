/* unlinkat(2) of an existing file from a directory fd.
 * argv[2] is the object acted on; argv[1] is not used. */
#include "probe.h"
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	const char *t;

	usage(argc, argv);
	t = argv[2];
	int d = open(".", O_RDONLY | O_DIRECTORY);

	if (d < 0 || unlinkat(d, t, 0) < 0)
		die("unlinkat");
	close(d);
	decoy();
	return 0;
}
