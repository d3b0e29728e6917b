/* execve(2) of the source, a "#!/bin/sh" script (probes.sh writes it):
 * the kernel runs the interpreter, which reads the script; the script's
 * command writes the sink. */
#include "execio.h"

extern char **environ;

static void run(const char *src, char *const *args)
{
	execve(src, args, environ);
}

int main(int argc, char **argv)
{
	usage(argc, argv);
	return executed(argv[1], argv[2], run);
}
