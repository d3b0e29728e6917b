/* mknod(2): a new named pipe (S_IFIFO).
 * argv[2] is the object acted on; argv[1] is not used. */
#include "probe.h"
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	const char *t;

	usage(argc, argv);
	t = argv[2];
	if (mknod(t, S_IFIFO | 0600, 0) < 0)
		die("mknod");
	decoy();
	return 0;
}
