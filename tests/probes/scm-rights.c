/* A descriptor passed over a unix socket (SCM_RIGHTS): a child opens the
 * source and sends the descriptor, then closes its own; the parent reads
 * the source through the descriptor it received and writes the sink. */
#include "probe.h"
#include <sys/socket.h>

int main(int argc, char **argv)
{
	char buf[PROBE_BUF], cbuf[CMSG_SPACE(sizeof(int))], one = 'x';
	struct iovec iov = { &one, 1 };
	struct msghdr m;
	struct cmsghdr *c;
	int sv[2], fd, status;
	ssize_t n;
	pid_t pid;

	usage(argc, argv);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		die("socketpair");
	memset(&m, 0, sizeof m);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof cbuf;
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		close(sv[0]);
		if ((fd = open(argv[1], O_RDONLY)) < 0)
			die(argv[1]);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
		if (sendmsg(sv[1], &m, 0) != 1)
			die("sendmsg");
		close(fd);
		_exit(0);
	}
	close(sv[1]);
	if (recvmsg(sv[0], &m, 0) != 1)
		die("recvmsg");
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		die("no descriptor");
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	if ((n = read(fd, buf, sizeof buf)) < 0)
		die("read");
	close(fd);
	spill(argv[2], buf, (size_t)n);
	decoy();
	return 0;
}
