/* splice(2) through a pipe: a child splices the source file into the pipe,
 * the parent splices the pipe into the sink file. */
#include "probe.h"

int main(int argc, char **argv)
{
	struct stat st;
	int p[2], in, out;
	pid_t pid;

	usage(argc, argv);
	if (pipe(p) < 0)
		die("pipe");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		close(p[0]);
		if ((in = open(argv[1], O_RDONLY)) < 0 || fstat(in, &st) < 0)
			die(argv[1]);
		if (splice(in, NULL, p[1], NULL, (size_t)st.st_size, 0) !=
		    st.st_size)
			die("splice in");
		_exit(0);
	}
	close(p[1]);
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(argv[2]);
	for (;;) {
		ssize_t n = splice(p[0], NULL, out, NULL, PROBE_BUF, 0);
		if (n < 0)
			die("splice out");
		if (n == 0)
			break;
	}
	close(out);
	reap(pid);
	decoy();
	return 0;
}
