/* TCP: sendmsg and recvmsg. */
#include "netio.h"

int main(int argc, char **argv)
{
	static const struct net n = { AF_INET, SOCK_STREAM, IO_SENDMSG, 0, 0 };

	usage(argc, argv);
	return network(&n, argv[1], argv[2]);
}
