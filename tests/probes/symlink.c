/* symlink(2): the sink is a new symbolic link (to ./target).
 * argv[2] is the object acted on; argv[1] is not used. */
#include "probe.h"
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	const char *t;

	usage(argc, argv);
	t = argv[2];
	if (symlink("target", t) < 0)
		die("symlink");
	decoy();
	return 0;
}
