/* TCP: the client sends the source with sendfile(2) into its socket (a
 * web server's way), the server receives with recv. */
#include "netio.h"

int main(int argc, char **argv)
{
	static const struct net n = { AF_INET, SOCK_STREAM, IO_SENDFILE, 0, 0 };

	usage(argc, argv);
	return network(&n, argv[1], argv[2]);
}
