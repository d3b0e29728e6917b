/* ftruncate(2) of an existing file opened without O_TRUNC, never written.
 * argv[2] is the object acted on; argv[1] is not used. */
#include "probe.h"
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	const char *t;

	usage(argc, argv);
	t = argv[2];
	int fd = open(t, O_WRONLY);

	if (fd < 0 || ftruncate(fd, 1) < 0)
		die("ftruncate");
	close(fd);
	decoy();
	return 0;
}
