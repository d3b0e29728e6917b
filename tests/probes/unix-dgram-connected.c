/* A named unix datagram socket the sender connects to, then sends on
 * (syslog(3) and /dev/log); the receiver uses recvfrom. */
#include "netio.h"

int main(int argc, char **argv)
{
	static const struct net n = { AF_UNIX, SOCK_DGRAM, IO_SENDRECV, 0, 1 };

	usage(argc, argv);
	return network(&n, argv[1], argv[2]);
}
