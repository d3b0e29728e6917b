/* ptrace(2) PTRACE_POKEDATA: the parent attaches to a child forked before
 * it read the source, writes the source into its memory word by word and
 * detaches; the child writes what it got to the sink.  Unavailable where
 * the child already has a tracer (btrack record traces every process). */
#include <signal.h>
#include <sys/ptrace.h>
#include "probe.h"
#include "memio.h"

int main(int argc, char **argv)
{
	char buf[PROBE_BUF] = { 0 };
	size_t n, i;
	pid_t c;
	long w;

	usage(argc, argv);
	c = mem_child(argv[2]);
	n = slurp(argv[1], buf, sizeof(buf) - sizeof(long));
	if (ptrace(PTRACE_ATTACH, c, NULL, NULL)) {
		kill(c, SIGKILL);
		unavailable("ptrace attach");
	}
	if (waitpid(c, NULL, 0) != c)
		die("waitpid");
	for (i = 0; i < n; i += sizeof(long)) {
		memcpy(&w, buf + i, sizeof(w));
		if (ptrace(PTRACE_POKEDATA, c, (void *)(mem_box + i),
			   (void *)w))
			die("PTRACE_POKEDATA");
	}
	if (ptrace(PTRACE_DETACH, c, NULL, NULL))
		die("PTRACE_DETACH");
	reap(c);
	decoy();
	return 0;
}
