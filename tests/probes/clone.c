/* clone(2) (a new process, SIGCHLD, own stack): the parent reads the
 * source; the child writes it to the sink. */
#include "probe.h"
#include <sched.h>

static char buf[PROBE_BUF];
static size_t len;
static const char *sink;
static char stack[64 * 1024] __attribute__((aligned(16)));

static int child(void *arg)
{
	(void)arg;
	spill(sink, buf, len);
	return 0;
}

int main(int argc, char **argv)
{
	pid_t pid;

	usage(argc, argv);
	len = slurp(argv[1], buf, sizeof buf);
	sink = argv[2];
	pid = clone(child, stack + sizeof stack, SIGCHLD, NULL);
	if (pid < 0)
		die("clone");
	reap(pid);
	decoy();
	return 0;
}
