/* execveat(2) of the source, named relative to its directory's fd. */
#include "execio.h"
#include <libgen.h>
#include <sys/syscall.h>

extern char **environ;

static void run(const char *src, char *const *args)
{
	char d[4096], b[4096];
	int dir;

	snprintf(d, sizeof d, "%s", src);
	snprintf(b, sizeof b, "%s", src);
	if ((dir = open(dirname(d), O_RDONLY | O_DIRECTORY)) < 0)
		die("dir");
	syscall(SYS_execveat, dir, basename(b), args, environ, 0);
	if (errno == ENOSYS)
		unavailable("execveat");
}

int main(int argc, char **argv)
{
	usage(argc, argv);
	return executed(argv[1], argv[2], run);
}
