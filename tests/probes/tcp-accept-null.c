/* TCP: accept(fd, NULL, NULL), the peer's address not asked for. */
#include "netio.h"

int main(int argc, char **argv)
{
	static const struct net n = { AF_INET, SOCK_STREAM, IO_SENDRECV, 1, 0 };

	usage(argc, argv);
	return network(&n, argv[1], argv[2]);
}
