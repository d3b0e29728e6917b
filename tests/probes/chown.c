/* chown(2) of an existing file to nobody (needs root).
 * argv[2] is the object acted on; argv[1] is not used. */
#include "probe.h"
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	const char *t;

	usage(argc, argv);
	t = argv[2];
	if (chown(t, 65534, 65534) < 0) {
		if (errno == EPERM)
			unavailable("chown");
		die("chown");
	}
	decoy();
	return 0;
}
