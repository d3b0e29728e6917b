/* A named unix stream socket: connect, accept, write, read. */
#include "netio.h"

int main(int argc, char **argv)
{
	static const struct net n = { AF_UNIX, SOCK_STREAM, IO_RW, 0, 0 };

	usage(argc, argv);
	return network(&n, argv[1], argv[2]);
}
