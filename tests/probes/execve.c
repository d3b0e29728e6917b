/* execve(2) of the source (an executable): it writes the sink. */
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
