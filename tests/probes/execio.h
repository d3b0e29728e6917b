/* execio.h - the source is an executable (a copy of cp); a child runs it
 * as `cp data SINK`, so the sink depends on the program that was run.
 * run(src, sink) is the exec variant under test, called in the child. */
#include "probe.h"

static int executed(const char *src, const char *sink,
		    void (*run)(const char *, char *const *))
{
	char *args[] = { "cp", "data", (char *)sink, NULL };
	pid_t pid;

	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		run(src, args);
		die("exec");
	}
	reap(pid);
	decoy();
	return 0;
}
