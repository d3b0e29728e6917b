/* A System V message queue (msgget, msgsnd, msgrcv) between a child that
 * reads the source and the parent, which writes the sink. */
#include "probe.h"
#include <sys/ipc.h>
#include <sys/msg.h>

struct msg {
	long type;
	char text[PROBE_BUF];
};

int main(int argc, char **argv)
{
	struct msg m;
	ssize_t n;
	size_t len;
	pid_t pid;
	int id;

	usage(argc, argv);
	if ((id = msgget(IPC_PRIVATE, IPC_CREAT | 0600)) < 0)
		unavailable("msgget");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		len = slurp(argv[1], m.text, sizeof m.text);
		m.type = 1;
		if (msgsnd(id, &m, len, 0) < 0)
			die("msgsnd");
		_exit(0);
	}
	if ((n = msgrcv(id, &m, sizeof m.text, 0, 0)) <= 0)
		die("msgrcv");
	msgctl(id, IPC_RMID, NULL);
	spill(argv[2], m.text, (size_t)n);
	reap(pid);
	decoy();
	return 0;
}
