/*
 * bench_load.c - the measuring half of `make bench` (tests/bench.sh does
 * the reporting).  Linked with the library, single threaded; prints
 * "key=value" lines for the script to read:
 *
 *   bench_load gen N LOG [RUNS]  generate N events (capture/gen.h), best
 *                                of RUNS (default 1): rate (wall and CPU),
 *                                bytes per event on disk, detection spec
 *   bench_load load LOG SPEC [THREADS [RUNS]]
 *                                load the graph from the log, never from
 *                                an index (best of RUNS, default 3, on
 *                                THREADS threads, default as the loader
 *                                chooses), its memory
 *                                beyond the mapping (bt_graph_memory and
 *                                the anonymous RSS delta), backtrack SPEC at
 *                                page granularity (median of 5: resolving
 *                                the spec and walking; the resolving part
 *                                alone too), peak RSS; the load's CPU
 *                                time too (all threads: what it costs on
 *                                a shared machine)
 *   bench_load jsonl LOG OUT     write the JSONL observations equivalent to
 *                                LOG (bt_gen_jsonl; for the import rate)
 *
 * It measures; it never judges (the targets live in bench.sh).  Errors go
 * to stderr with exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../capture/gen.h"
#include "../core/error.h"
#include "../graph/graph.h"
#include "../graph/index.h"
#include "../core/log.h"
#include "../graph/walk.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process: what a run costs on a busy machine, where
 * the wall clock also counts other people's work. */
static double cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what)
{
	fprintf(stderr, "bench_load: %s: %s\n", what, bt_error_msg());
	return 1;
}

/* A field of /proc/self/status in kB ("RssAnon"), or 0. */
static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t n = strlen(key);
	long v = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Generate `runs` times into the same path (replaced each time) and keep
 * the best wall and CPU times: the machine may be shared. */
static int do_gen(const char *count, const char *path, int runs)
{
	struct bt_log_writer *w;
	struct bt_gen_opts o = { .events = strtoull(count, NULL, 10),
				 .seed = 1 };
	struct bt_gen_info info;
	uint64_t size = 0;
	double wall = 0, proc = 0;
	int i;

	for (i = 0; i < runs; i++) {
		double t0, t1, c0, c1;

		if (bt_log_writer_open(&w, path, BT_LOGW_CREATE | BT_LOGW_TRUNC))
			return fail(path);
		c0 = cpu();
		t0 = now();
		if (bt_gen(w, &o, &info)) {
			bt_log_writer_abort(w);
			return fail("gen");
		}
		t1 = now();
		c1 = cpu();
		size = bt_log_writer_size(w);
		if (bt_log_writer_close(w))
			return fail("close");
		if (!i || t1 - t0 < wall)
			wall = t1 - t0;
		if (!i || c1 - c0 < proc)
			proc = c1 - c0;
	}
	printf("gen_events=%llu\n", (unsigned long long)info.events);
	printf("gen_objects=%llu\n", (unsigned long long)info.objects);
	printf("gen_seconds=%.3f\n", wall);
	printf("gen_rate=%.0f\n", (double)info.events / wall);
	printf("gen_cpu_rate=%.0f\n", (double)info.events / proc);
	printf("disk_bytes=%llu\n", (unsigned long long)size);
	printf("disk_per_event=%.2f\n", (double)size / (double)info.events);
	printf("detection=%s\n", info.detection);
	printf("entry=%s\n", info.entry);
	return 0;
}

static int do_load(const char *path, const char *spec, int runs)
{
	struct bt_graph *g = NULL;
	struct bt_walk_opts o;
	struct bt_result *res;
	struct rusage ru;
	double best = 0, best_cpu = 0, lat[5], res_lat[5];
	long anon0, anon1 = 0;
	uint64_t events = 0;
	size_t mem = 0, nodes = 0;
	uint32_t start;
	uint64_t t;
	int i;

	bt_index_set_policy(BT_INDEX_OFF);
	for (i = 0; i < runs; i++) {
		double t0, t1, c0, c1;

		anon0 = status_kb("RssAnon");
		c0 = cpu();
		t0 = now();
		if (bt_graph_load(&g, path, NULL, NULL))
			return fail(path);
		t1 = now();
		c1 = cpu();
		if (!i || t1 - t0 < best)
			best = t1 - t0;
		if (!i || c1 - c0 < best_cpu)
			best_cpu = c1 - c0;
		if (!i)
			anon1 = status_kb("RssAnon") - anon0;
		events = bt_graph_nevents(g);
		mem = bt_graph_memory(g);
		if (i < runs - 1) {
			bt_graph_free(g);
			g = NULL;
		}
	}
	for (i = 0; i < 5; i++) {
		double t0 = now();

		if (bt_spec_resolve(&start, &t, g, spec))
			return fail(spec);
		res_lat[i] = now() - t0;
		bt_walk_opts_init(&o);
		o.gran = BT_GRAN_PAGE;
		if (bt_backtrack(&res, g, start, &o))
			return fail("backtrack");
		lat[i] = now() - t0;
		nodes = res->nnodes;
		bt_result_free(res);
	}
	qsort(lat, 5, sizeof(lat[0]), cmp_double);
	qsort(res_lat, 5, sizeof(res_lat[0]), cmp_double);
	getrusage(RUSAGE_SELF, &ru);
	printf("load_events=%llu\n", (unsigned long long)events);
	printf("load_seconds=%.3f\n", best);
	printf("load_rate=%.0f\n", (double)events / best);
	printf("load_cpu_seconds=%.3f\n", best_cpu);
	printf("load_cpu_rate=%.0f\n", (double)events / best_cpu);
	printf("graph_memory=%zu\n", mem);
	printf("mem_per_event=%.2f\n", (double)mem / (double)events);
	printf("rss_anon_delta=%ld\n", anon1 * 1024);
	printf("rss_per_event=%.2f\n", (double)anon1 * 1024 / (double)events);
	printf("backtrack_ms=%.3f\n", lat[2] * 1e3);
	printf("resolve_ms=%.3f\n", res_lat[2] * 1e3);
	printf("backtrack_nodes=%zu\n", nodes);
	printf("peak_rss=%ld\n", ru.ru_maxrss * 1024);
	bt_graph_free(g);
	return 0;
}

static int do_jsonl(const char *path, const char *out)
{
	FILE *f = fopen(out, "w");
	uint64_t lines;

	if (!f) {
		perror(out);
		return 1;
	}
	if (bt_gen_jsonl(f, path, &lines)) {
		fclose(f);
		return fail(path);
	}
	if (fclose(f)) {
		perror(out);
		return 1;
	}
	printf("jsonl_lines=%llu\n", (unsigned long long)lines);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "gen"))
		return do_gen(argv[2], argv[3], 1);
	if (argc == 5 && !strcmp(argv[1], "gen"))
		return do_gen(argv[2], argv[3], atoi(argv[4]) > 0 ?
			      atoi(argv[4]) : 1);
	if (argc == 4 && !strcmp(argv[1], "load"))
		return do_load(argv[2], argv[3], 3);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "load")) {
		bt_graph_set_threads((unsigned)atoi(argv[4]));
		return do_load(argv[2], argv[3], argc == 6 && atoi(argv[5]) > 0 ?
			       atoi(argv[5]) : 3);
	}
	if (argc == 4 && !strcmp(argv[1], "jsonl"))
		return do_jsonl(argv[2], argv[3]);
	fputs("usage: bench_load gen N LOG [RUNS] | "
	      "load LOG SPEC [THREADS [RUNS]] | "
	      "jsonl LOG OUT\n",
	      stderr);
	return 2;
}
