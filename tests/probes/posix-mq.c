/* A POSIX message queue (mq_open, mq_send, mq_receive) between a child
 * that reads the source and the parent, which writes the sink. */
#include "probe.h"

#include <mqueue.h>

int main(int argc, char **argv)
{
	char name[64], buf[PROBE_BUF];
	struct mq_attr at = { .mq_maxmsg = 1, .mq_msgsize = PROBE_BUF };
	size_t len;
	ssize_t n;
	pid_t pid;
	mqd_t q;
	int out;

	usage(argc, argv);
	snprintf(name, sizeof name, "/btprobe-%d", (int)getpid());
	if ((q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &at)) ==
	    (mqd_t)-1) {
		if (errno == ENOSYS || errno == EACCES)
			unavailable("mq_open");
		die("mq_open");
	}
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		mqd_t c = mq_open(name, O_WRONLY);

		if (c == (mqd_t)-1)
			die("mq_open (child)");
		len = slurp(argv[1], buf, sizeof buf);
		if (mq_send(c, buf, len, 0) < 0)
			die("mq_send");
		_exit(0);
	}
	if ((n = mq_receive(q, buf, sizeof buf, NULL)) <= 0)
		die("mq_receive");
	mq_unlink(name);
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(argv[2]);
	if (write(out, buf, (size_t)n) != n)
		die("write");
	close(out);
	reap(pid);
	decoy();
	return 0;
}
