/* POSIX shared memory (shm_open: a file of /dev/shm): a child maps it and
 * stores the source in it; after it exits, the parent maps it and writes
 * what it holds to the sink.  No read or write call touches the data. */
#include "probe.h"
#include <sys/mman.h>

int main(int argc, char **argv)
{
	char name[64], buf[PROBE_BUF];
	size_t n;
	pid_t pid;
	char *m;
	int fd;

	usage(argc, argv);
	snprintf(name, sizeof name, "/btprobe-%d", (int)getpid());
	if ((fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600)) < 0)
		unavailable("shm_open");
	if (ftruncate(fd, PROBE_BUF) < 0)
		die("ftruncate");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		n = slurp(argv[1], buf, sizeof buf - 1);
		m = mmap(NULL, PROBE_BUF, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
		if (m == MAP_FAILED)
			die("mmap");
		memcpy(m, buf, n);
		m[n] = '\0';
		_exit(0);
	}
	reap(pid);
	m = mmap(NULL, PROBE_BUF, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap");
	close(fd);
	shm_unlink(name);
	spill(argv[2], m, strlen(m));
	munmap(m, PROBE_BUF);
	decoy();
	return 0;
}
