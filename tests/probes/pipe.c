/* pipe(2) between a child that reads the source and the parent. */
#include "pipeio.h"

int main(int argc, char **argv)
{
	int p[2];

	usage(argc, argv);
	if (pipe(p) < 0)
		die("pipe");
	return channel(argv[1], argv[2], p);
}
