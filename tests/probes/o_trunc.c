/* open(2) with O_TRUNC but without O_CREAT of an existing file, never written.
 * argv[2] is the object acted on; argv[1] is not used. */
#include "probe.h"
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	const char *t;

	usage(argc, argv);
	t = argv[2];
	int fd = open(t, O_WRONLY | O_TRUNC);

	if (fd < 0)
		die("open O_TRUNC");
	close(fd);
	decoy();
	return 0;
}
