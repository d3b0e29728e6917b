/* A named unix datagram socket: sendto its path, recvfrom. */
#include "netio.h"

int main(int argc, char **argv)
{
	static const struct net n = { AF_UNIX, SOCK_DGRAM, IO_SENDTO, 0, 0 };

	usage(argc, argv);
	return network(&n, argv[1], argv[2]);
}
