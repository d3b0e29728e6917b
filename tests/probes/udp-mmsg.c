/* UDP with sendmmsg and recvmmsg (glibc's resolver sends its A and AAAA
 * queries so). */
#include "netio.h"

int main(int argc, char **argv)
{
	static const struct net n = { AF_INET, SOCK_DGRAM, IO_MMSG, 0, 0 };

	usage(argc, argv);
	return network(&n, argv[1], argv[2]);
}
