/* A write of /proc/PID/mem: the parent writes the source into the memory
 * of a child forked before it read it (pwrite at the buffer's address);
 * the child writes what it got to the sink. */
#include "probe.h"
#include "memio.h"

int main(int argc, char **argv)
{
	char buf[PROBE_BUF], path[64];
	size_t n;
	pid_t c;
	int fd;

	usage(argc, argv);
	c = mem_child(argv[2]);
	n = slurp(argv[1], buf, sizeof(buf) - 1);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)c);
	fd = open(path, O_RDWR);
	if (fd < 0)
		die(path);
	if (pwrite(fd, buf, n, (off_t)(unsigned long)mem_box) != (ssize_t)n)
		die("pwrite");
	close(fd);
	reap(c);
	decoy();
	return 0;
}
