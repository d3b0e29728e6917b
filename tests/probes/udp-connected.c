/* UDP: the client connects, then sends; the server uses recvfrom (recv
 * on its unconnected socket would name no peer). */
#include "netio.h"

int main(int argc, char **argv)
{
	static const struct net n = { AF_INET, SOCK_DGRAM, IO_SENDRECV, 0, 1 };

	usage(argc, argv);
	return network(&n, argv[1], argv[2]);
}
