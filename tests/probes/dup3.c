/* dup3(2) with O_CLOEXEC. */
#include "dupio.h"

static int d(int fd, int hint) { return dup3(fd, hint, O_CLOEXEC); }

int main(int argc, char **argv)
{
	usage(argc, argv);
	return dupped(argv[1], argv[2], d);
}
