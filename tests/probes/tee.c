/* tee(2): a child writes the source into pipe A; the parent tees A into
 * pipe B, reads B and writes the sink.  Only after the sink is closed does
 * it drain A (so without tee, nothing links the sink to the source). */
#include "probe.h"

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	int a[2], b[2], out;
	ssize_t n, t;
	size_t len;
	pid_t pid;

	usage(argc, argv);
	if (pipe(a) < 0 || pipe(b) < 0)
		die("pipe");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		close(a[0]);
		len = slurp(argv[1], buf, sizeof buf);
		if (write(a[1], buf, len) != (ssize_t)len)
			die("write pipe");
		_exit(0);
	}
	close(a[1]);
	reap(pid);
	if ((t = tee(a[0], b[1], PROBE_BUF, 0)) <= 0)
		die("tee");
	if ((n = read(b[0], buf, sizeof buf)) != t)
		die("read pipe B");
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(argv[2]);
	if (write(out, buf, (size_t)n) != n)
		die("write");
	close(out);
	decoy();
	if (read(a[0], buf, sizeof buf) != t)
		die("drain pipe A");
	return 0;
}
