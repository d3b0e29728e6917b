/* mmapio.h - a child reads the source and stores it through a MAP_SHARED
 * mapping of ./mapped; after it exits, the parent reads ./mapped with
 * read(2) or pread(2) and writes the sink. */
#include "probe.h"
#include <sys/mman.h>

static int mapped(const char *src, const char *sink, int use_pread)
{
	char buf[PROBE_BUF];
	size_t len;
	ssize_t n;
	pid_t pid;
	char *m;
	int fd, out;

	if ((fd = open("mapped", O_RDWR | O_CREAT | O_TRUNC, 0644)) < 0)
		die("mapped");
	if (ftruncate(fd, PROBE_BUF) < 0)
		die("ftruncate");
	close(fd);
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		len = slurp(src, buf, sizeof buf);
		if ((fd = open("mapped", O_RDWR)) < 0)
			die("mapped");
		m = mmap(NULL, PROBE_BUF, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
		if (m == MAP_FAILED)
			die("mmap");
		close(fd);
		memcpy(m, buf, len);
		if (msync(m, PROBE_BUF, MS_SYNC) < 0)
			die("msync");
		munmap(m, PROBE_BUF);
		_exit(0);
	}
	reap(pid);
	if ((fd = open("mapped", O_RDONLY)) < 0)
		die("mapped");
	n = use_pread ? pread(fd, buf, sizeof buf, 0) : read(fd, buf, sizeof buf);
	if (n <= 0)
		die("read mapped");
	close(fd);
	if ((out = open(sink, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(sink);
	if (write(out, buf, strnlen(buf, (size_t)n)) < 0)
		die("write");
	close(out);
	decoy();
	return 0;
}
