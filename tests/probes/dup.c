/* dup(2): read and write through duplicated descriptors. */
#include "dupio.h"

static int d(int fd, int hint) { (void)hint; return dup(fd); }

int main(int argc, char **argv)
{
	usage(argc, argv);
	return dupped(argv[1], argv[2], d);
}
