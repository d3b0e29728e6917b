/* ioctl FICLONERANGE of the whole source (offset 0, length 0: to its
 * end): as FICLONE, through a struct file_clone_range. */
#include "probe.h"
#include "cloneio.h"

int main(int argc, char **argv)
{
	usage(argc, argv);
	return clone_file(argv[1], argv[2], 1);
}
