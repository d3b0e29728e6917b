/* memfd_create(2) + execveat(2) AT_EMPTY_PATH: the child copies the source
 * (an executable) into a memfd and runs it from there (fileless
 * execution), as `cp data SINK`. */
#include "execio.h"
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>

extern char **environ;

static void run(const char *src, char *const *args)
{
	char buf[65536];
	ssize_t n;
	int in, m;

	if ((m = memfd_create("payload", 0)) < 0)
		unavailable("memfd_create");
	if ((in = open(src, O_RDONLY)) < 0)
		die(src);
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(m, buf, (size_t)n) != n)
			die("write memfd");
	if (n < 0)
		die("read");
	close(in);
	syscall(SYS_execveat, m, "", args, environ, AT_EMPTY_PATH);
	if (errno == ENOSYS)
		unavailable("execveat");
}

int main(int argc, char **argv)
{
	usage(argc, argv);
	return executed(argv[1], argv[2], run);
}
