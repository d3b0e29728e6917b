/* Named unix datagram sockets on both sides (chronyc and chronyd, wpa_cli):
 * the client binds a name of its own and asks; the server reads the source
 * and replies with sendto to the client's name; the client writes the
 * reply to the sink. */
#include "probe.h"
#include <sys/socket.h>
#include <sys/un.h>

static socklen_t name(struct sockaddr_un *un, const char *base)
{
	char buf[PROBE_BUF];
	const char *cwd = getcwd(buf, sizeof buf);

	memset(un, 0, sizeof *un);
	un->sun_family = AF_UNIX;
	if (!cwd || strlen(cwd) + strlen(base) + 2 > sizeof un->sun_path)
		die("getcwd");
	snprintf(un->sun_path, sizeof un->sun_path, "%s/%s", cwd, base);
	unlink(un->sun_path);
	return sizeof *un;
}

int main(int argc, char **argv)
{
	struct sockaddr_un srv, cli, from;
	socklen_t sl, cl, fl;
	char buf[PROBE_BUF];
	ssize_t got;
	size_t len;
	int s, c, status;
	pid_t pid;

	usage(argc, argv);
	sl = name(&srv, "srv.sock");
	if ((s = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0)
		die("socket");
	if (bind(s, (struct sockaddr *)&srv, sl) < 0)
		die("bind");
	printf("server %s\n", srv.sun_path);
	fflush(stdout);
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		close(s);
		cl = name(&cli, "cli.sock");
		if ((c = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0)
			die("socket");
		if (bind(c, (struct sockaddr *)&cli, cl) < 0)
			die("bind");
		if (sendto(c, "ask", 3, 0, (struct sockaddr *)&srv, sl) != 3)
			die("sendto");
		fl = sizeof from;
		if ((got = recvfrom(c, buf, sizeof buf, 0,
				    (struct sockaddr *)&from, &fl)) <= 0)
			die("recvfrom");
		spill(argv[2], buf, (size_t)got);
		close(c);
		_exit(0);
	}
	fl = sizeof from;
	if (recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl) < 0)
		die("recvfrom");
	len = slurp(argv[1], buf, sizeof buf);
	if (sendto(s, buf, len, 0, (struct sockaddr *)&from, fl) !=
	    (ssize_t)len)
		die("sendto");
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("child");
	close(s);
	decoy();
	return 0;
}
