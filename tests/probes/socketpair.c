/* socketpair(2) (AF_UNIX, SOCK_STREAM) between a child that reads the
 * source and the parent. */
#include "pipeio.h"
#include <sys/socket.h>

int main(int argc, char **argv)
{
	int s[2];

	usage(argc, argv);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) < 0)
		die("socketpair");
	return channel(argv[1], argv[2], s);
}
