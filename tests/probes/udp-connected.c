/* UDP: connect, then send and recv. */
#include "netio.h"

int main(int argc, char **argv)
{
	static const struct net n = { AF_INET, SOCK_DGRAM, IO_SENDRECV, 0, 1 };

	usage(argc, argv);
	return network(&n, argv[1], argv[2]);
}
