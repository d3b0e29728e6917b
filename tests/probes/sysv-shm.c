/* System V shared memory: a child attaches a segment (shmat), stores the
 * source in it and exits; the parent attaches it after and writes what it
 * holds to the sink. */
#include "probe.h"
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	size_t n;
	pid_t pid;
	char *m;
	int id, status;

	usage(argc, argv);
	if ((id = shmget(IPC_PRIVATE, PROBE_BUF, IPC_CREAT | 0600)) < 0)
		unavailable("shmget");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		n = slurp(argv[1], buf, sizeof buf - 1);
		if ((m = shmat(id, NULL, 0)) == (void *)-1)
			die("shmat");
		memcpy(m, buf, n);
		m[n] = '\0';
		shmdt(m);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("child");
	if ((m = shmat(id, NULL, SHM_RDONLY)) == (void *)-1)
		die("shmat");
	spill(argv[2], m, strlen(m));
	shmdt(m);
	shmctl(id, IPC_RMID, NULL);
	decoy();
	return 0;
}
