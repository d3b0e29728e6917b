/* fcntl(2) F_DUPFD and F_DUPFD_CLOEXEC. */
#include "dupio.h"

static int d(int fd, int hint)
{
	return fcntl(fd, hint == 40 ? F_DUPFD : F_DUPFD_CLOEXEC, hint);
}

int main(int argc, char **argv)
{
	usage(argc, argv);
	return dupped(argv[1], argv[2], d);
}
