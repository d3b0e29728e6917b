/*
 * record-threads.c - threads that each write a file, one of which then
 * execs (exec from a non-leader thread changes its tid), for the
 * recorder's robustness test.
 *
 *   record-threads DIR [exec]
 * writes DIR/thread-N for N in 0..3; with "exec", thread 2 then execs
 * /bin/sh -c 'echo exec > DIR/after-exec'.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *dir;
static int do_exec;

static void *run(void *arg)
{
	long n = (long)arg;
	char path[4096], cmd[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/thread-%ld", dir, n);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fprintf(f, "thread %ld\n", n);
	fclose(f);
	if (do_exec && n == 2) {
		usleep(100000);
		snprintf(cmd, sizeof(cmd), "echo exec > '%s/after-exec'", dir);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[4];
	long i;

	if (argc < 2)
		return 2;
	dir = argv[1];
	do_exec = argc > 2 && !strcmp(argv[2], "exec");
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, run, (void *)i);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	if (do_exec)
		pause();  /* the exec ends us */
	return 0;
}
