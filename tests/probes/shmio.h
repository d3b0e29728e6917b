/* shmio.h - memory `m`, shared with the child forked here (MAP_SHARED
 * before the fork): the child reads the source and stores it there; after
 * it exits, the parent writes what m holds to the sink.  No read or write
 * call touches the data.  For anon-shared, memfd-shared. */
#include "probe.h"

static int shared(char *m, const char *src, const char *sink)
{
	char buf[PROBE_BUF];
	size_t n;
	pid_t pid;

	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		n = slurp(src, buf, sizeof buf - 1);
		memcpy(m, buf, n);
		m[n] = '\0';
		_exit(0);
	}
	reap(pid);
	spill(sink, m, strlen(m));
	decoy();
	return 0;
}
