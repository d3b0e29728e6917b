/* A memfd mapped shared before a fork (as browsers and Wayland clients
 * share buffers): the child stores the source in it and exits; the parent
 * writes what it holds to the sink.  No read or write call. */
#include "probe.h"
#include <sys/mman.h>

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	size_t n;
	pid_t pid;
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
