/* wl-mmap-workers.c - workers sharing a mapped file, for
 * tests/scenario/workloads.sh: worker A stores SECRET into page 0 of a
 * two-page MAP_SHARED file ./shared, worker B stores OTHER into page 1;
 * after both exit, a reader maps ./shared, takes page 0 and writes it to
 * OUT.  The truth: OUT depends on SECRET, not on OTHER.
 * usage: wl-mmap-workers SECRET OTHER OUT */
#include "probe.h"
#include <sys/mman.h>

#define PG 4096

static char *map(int prot)
{
	char *m;
	int fd = open("shared", O_RDWR);

	if (fd < 0)
		die("shared");
	m = mmap(NULL, 2 * PG, prot, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap");
	close(fd);
	return m;
}

static void worker(const char *src, int page)
{
	char buf[PG];
	size_t n = slurp(src, buf, sizeof buf - 1);
	char *m = map(PROT_READ | PROT_WRITE);

	memcpy(m + page * PG, buf, n);
	m[page * PG + n] = 0;
	msync(m, 2 * PG, MS_SYNC);
	_exit(0);
}

int main(int argc, char **argv)
{
	pid_t a, b;
	char *m;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: %s SECRET OTHER OUT\n", argv[0]);
		return 2;
	}
	if ((fd = open("shared", O_RDWR | O_CREAT | O_TRUNC, 0644)) < 0 ||
	    ftruncate(fd, 2 * PG) < 0)
		die("shared");
	close(fd);
	if ((a = fork()) == 0)
		worker(argv[1], 0);
	if ((b = fork()) == 0)
		worker(argv[2], 1);
	if (a < 0 || b < 0)
		die("fork");
	reap(a);
	reap(b);
	if ((a = fork()) == 0) {
		m = map(PROT_READ);
		spill(argv[3], m, strlen(m));
		_exit(0);
	}
	reap(a);
	return 0;
}
