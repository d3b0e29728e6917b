/* TCP: write(2) and read(2) on the sockets. */
#include "netio.h"

int main(int argc, char **argv)
{
	static const struct net n = { AF_INET, SOCK_STREAM, IO_RW, 0, 0 };

	usage(argc, argv);
	return network(&n, argv[1], argv[2]);
}
