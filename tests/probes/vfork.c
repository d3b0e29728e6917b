/* vfork(2): the parent reads the source; the vforked child execs
 * /bin/sh, which writes what it was given (argv) to the sink. */
#include "probe.h"

int main(int argc, char **argv)
{
	char buf[PROBE_BUF], cmd[PROBE_BUF + 64];
	size_t n;
	pid_t pid;

	usage(argc, argv);
	n = slurp(argv[1], buf, sizeof buf - 1);
	buf[n] = 0;
	buf[strcspn(buf, "'\n")] = 0;
	snprintf(cmd, sizeof cmd, "printf %%s '%s' > %s", buf, argv[2]);
	if ((pid = vfork()) < 0)
		die("vfork");
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	reap(pid);
	decoy();
	return 0;
}
