/* wl-pidreuse.c - run CMD as a new process with pid PID (a pid an earlier,
 * exited process had), for the pid-reuse scenario of
 * tests/scenario/scenarios.sh.  Writes PID-1 to
 * /proc/sys/kernel/ns_last_pid (root) and forks right away; a child that
 * did not get PID (another process on the machine took it first) exits
 * without doing anything, and it tries again (up to 2000 times).
 * The child's parent is this program, not the earlier process's parent.
 * usage: wl-pidreuse PID CMD [ARG...]; exits 77 when it cannot. */
#include "probe.h"

int main(int argc, char **argv)
{
	long want;
	int i, st;

	if (argc < 3) {
		fprintf(stderr, "usage: %s PID CMD [ARG...]\n", argv[0]);
		return 2;
	}
	want = strtol(argv[1], NULL, 10);
	for (i = 0; i < 2000; i++) {
		char buf[32];
		int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
		pid_t pid;

		if (fd < 0)
			unavailable("ns_last_pid");
		snprintf(buf, sizeof buf, "%ld", want - 1);
		if (write(fd, buf, strlen(buf)) < 0)
			unavailable("ns_last_pid");
		close(fd);
		if ((pid = fork()) < 0)
			die("fork");
		if (pid == 0) {
			if (getpid() != want)
				_exit(0);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (waitpid(pid, &st, 0) < 0)
			die("waitpid");
		if (pid == want) {
			printf("pid %ld reused after %d tries\n", want, i + 1);
			return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
		}
	}
	fprintf(stderr, "pid %ld not reused in %d tries\n", want, i);
	return 77;
}
