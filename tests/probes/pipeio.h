/* pipeio.h - a child reads the source and writes it into fds[1]; the
 * parent reads fds[0] and writes the sink.  For pipe, pipe2, socketpair. */
#include "probe.h"

static int channel(const char *src, const char *sink, int fds[2])
{
	char buf[PROBE_BUF];
	size_t len;
	ssize_t n;
	pid_t pid;
	int out;

	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		close(fds[0]);
		len = slurp(src, buf, sizeof buf);
		if (write(fds[1], buf, len) != (ssize_t)len)
			die("write channel");
		_exit(0);
	}
	close(fds[1]);
	if ((n = read(fds[0], buf, sizeof buf)) <= 0)
		die("read channel");
	if ((out = open(sink, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(sink);
	if (write(out, buf, (size_t)n) != n)
		die("write");
	close(out);
	reap(pid);
	decoy();
	return 0;
}
