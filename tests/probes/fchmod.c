/* fchmod(2) of an existing file opened read-only.
 * argv[2] is the object acted on; argv[1] is not used. */
#include "probe.h"
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	const char *t;

	usage(argc, argv);
	t = argv[2];
	int fd = open(t, O_RDONLY);

	if (fd < 0 || fchmod(fd, 0600) < 0)
		die("fchmod");
	close(fd);
	decoy();
	return 0;
}
