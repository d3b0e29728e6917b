/*
 * record-writes.c - a synthetic event load for the capture benchmark
 * (tests/bench-ebpf.sh): one-byte write(2) calls to FILE, paced to RATE
 * calls per second for SECONDS seconds (RATE 0: as fast as it can), each
 * one a WRITE event for a capture source.  Prints "writes=N seconds=S
 * rate=R" (R the rate achieved) on stdout.  MAX (not 0): stop after MAX writes.
 *
 *   record-writes FILE SECONDS RATE [MAX]
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs, rate, t0, t, end;
	uint64_t n = 0, k, max = UINT64_MAX;
	int fd;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: record-writes FILE SECONDS RATE "
			"[MAX]\n");
		return 2;
	}
	if (argc == 5 && strtoull(argv[4], NULL, 10))
		max = strtoull(argv[4], NULL, 10);
	secs = atof(argv[2]);
	rate = atof(argv[3]);
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || secs <= 0 || rate < 0) {
		perror(argv[1]);
		return 1;
	}
	t0 = now();
	end = t0 + secs;
	for (t = t0; t < end && n < max; t = now()) {
		/* A batch, then catch up with the schedule or wait for it. */
		for (k = 0; k < 256 && n < max; k++, n++)
			if (write(fd, "x", 1) != 1) {
				perror("write");
				return 1;
			}
		/* ahead of the schedule: sleep (a busy wait would take the
		 * CPU the drainer needs) */
		if (rate > 0 && (t = now()) < end &&
		    (double)n / rate > t - t0 + 0.0002) {
			double ahead = (double)n / rate - (t - t0);
			struct timespec ts = { (time_t)ahead,
				(long)((ahead - (double)(time_t)ahead) * 1e9) };

			nanosleep(&ts, NULL);
		}
		/* a file that grows without bound is not the point */
		if (!(n & 0xffff))
			lseek(fd, 0, SEEK_SET);
	}
	t = now();
	printf("writes=%llu seconds=%.3f rate=%.0f\n", (unsigned long long)n,
	       t - t0, (double)n / (t - t0));
	close(fd);
	return 0;
}
