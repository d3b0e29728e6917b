/* dup2(2): read and write through descriptors duplicated onto fixed numbers. */
#include "dupio.h"

static int d(int fd, int hint) { return dup2(fd, hint); }

int main(int argc, char **argv)
{
	usage(argc, argv);
	return dupped(argv[1], argv[2], d);
}
