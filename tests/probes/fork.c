/* fork(2): the parent reads the source; the child it forks afterwards
 * writes what it inherited to the sink (no exec). */
#include "probe.h"

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	size_t n;
	pid_t pid;

	usage(argc, argv);
	n = slurp(argv[1], buf, sizeof buf);
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		spill(argv[2], buf, n);
		_exit(0);
	}
	reap(pid);
	decoy();
	return 0;
}
