/* A shared mapping written by one process, then read(2) by another. */
#include "mmapio.h"

int main(int argc, char **argv)
{
	usage(argc, argv);
	return mapped(argv[1], argv[2], 0);
}
