/* A memfd mapped shared before a fork (as browsers and Wayland clients
 * share buffers), written by the child, read by the parent (shmio.h). */
#include "shmio.h"
#include <sys/mman.h>

int main(int argc, char **argv)
{
	char *m;
	int fd;

	usage(argc, argv);
	if ((fd = memfd_create("probe", MFD_CLOEXEC)) < 0)
		unavailable("memfd_create");
	if (ftruncate(fd, PROBE_BUF) < 0)
		die("ftruncate");
	m = mmap(NULL, PROBE_BUF, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap");
	close(fd);
	return shared(m, argv[1], argv[2]);
}
