/* Anonymous shared memory (mmap MAP_SHARED | MAP_ANONYMOUS) made before a
 * fork, written by the child, read by the parent (shmio.h). */
#include "shmio.h"
#include <sys/mman.h>

int main(int argc, char **argv)
{
	char *m;

	usage(argc, argv);
	m = mmap(NULL, PROBE_BUF, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		die("mmap");
	return shared(m, argv[1], argv[2]);
}
