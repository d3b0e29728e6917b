/* pipe2(2) with O_CLOEXEC between a child that reads the source and the
 * parent. */
#include "pipeio.h"

int main(int argc, char **argv)
{
	int p[2];

	usage(argc, argv);
	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe2");
	return channel(argv[1], argv[2], p);
}
