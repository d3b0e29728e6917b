/* fchown(2) of an existing file opened read-only (needs root).
 * argv[2] is the object acted on; argv[1] is not used. */
#include "probe.h"
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	const char *t;

	usage(argc, argv);
	t = argv[2];
	int fd = open(t, O_RDONLY);

	if (fd < 0)
		die(t);
	if (fchown(fd, 65534, 65534) < 0) {
		if (errno == EPERM)
			unavailable("fchown");
		die("fchown");
	}
	close(fd);
	decoy();
	return 0;
}
