/* Anonymous shared memory (mmap MAP_SHARED | MAP_ANONYMOUS) made before a
 * fork: the child stores the source in it and exits; the parent writes
 * what it holds to the sink.  No file, no read or write call. */
#include "probe.h"
#include <sys/mman.h>

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	size_t n;
	pid_t pid;
	char *m;

	usage(argc, argv);
	m = mmap(NULL, PROBE_BUF, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		die("mmap");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		n = slurp(argv[1], buf, sizeof buf - 1);
		memcpy(m, buf, n);
		m[n] = '\0';
		_exit(0);
	}
	reap(pid);
	spill(argv[2], m, strlen(m));
	decoy();
	return 0;
}
