/* ioctl FICLONE: the sink shares the source's blocks (a reflink: cp on
 * btrfs and XFS, coreutils 9), with no read or write call.  Needs a file
 * system with reflinks: probes.sh mounts a btrfs image here when it can;
 * elsewhere the probe is unavailable. */
#include "probe.h"
#include "cloneio.h"

int main(int argc, char **argv)
{
	usage(argc, argv);
	return clone_file(argv[1], argv[2], 0);
}
