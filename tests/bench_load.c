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
 *   bench_load extend LOG OUT SPEC [STEP]
 *                                copy LOG record by record into a new log
 *                                OUT as a live writer would; load its first
 *                                half, then extend the graph
 *                                (bt_graph_extend()) each time STEP more
 *                                events (default 20000) are committed, to
 *                                the end: the extension rate (events/s,
 *                                the extend calls alone), its slowest
 *                                call, and bytes per event after it,
 *                                against a full load of the same log (same
 *                                threads); backtrack SPEC on both: the
 *                                same node count
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

static size_t backtrack_nodes(const struct bt_graph *g, const char *spec)
{
	struct bt_walk_opts o;
	struct bt_result *res;
	uint32_t start;
	uint64_t t;
	size_t n;

	if (bt_spec_resolve(&start, &t, g, spec))
		return 0;
	bt_walk_opts_init(&o);
	o.gran = BT_GRAN_PAGE;
	if (bt_backtrack(&res, g, start, &o))
		return 0;
	n = res->nnodes;
	bt_result_free(res);
	return n;
}

static int do_extend(const char *path, const char *out, const char *spec,
		     uint64_t step)
{
	struct bt_log *in;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	struct bt_log_writer *w;
	struct bt_log_stats st;
	struct bt_graph *g = NULL, *f = NULL;
	uint64_t total, ev = 0, next, base = 0, added, ext_events = 0;
	uint64_t calls = 0;
	double ext = 0, worst = 0, t0, c0, ext_cpu = 0, load, load_cpu;
	size_t mem_ext, mem_load, n_ext, n_load;
	int r;

	bt_index_set_policy(BT_INDEX_OFF);
	if (bt_log_open(&in, path) || bt_log_stats(in, &st))
		return fail(path);
	total = st.events;
	if (bt_log_writer_open(&w, out, BT_LOGW_CREATE | BT_LOGW_TRUNC))
		return fail(out);
	next = total / 2;
	bt_log_iter_init(&it, in);
	while ((r = bt_log_next(&it, &h)) == 1) {
		if (bt_log_append_record(w, h))
			return fail(out);
		if (h->type != BT_REC_EVENT || ++ev < next)
			continue;
		bt_log_writer_commit(w);
		next = ev + step;
		t0 = now();
		c0 = cpu();
		if (!g) {
			if (bt_graph_load(&g, bt_log_writer_file(w), NULL,
					  NULL))
				return fail("loading the first half");
			base = bt_graph_nevents(g);
			continue;
		}
		if (bt_graph_extend(g, &added))
			return fail("extending");
		t0 = now() - t0;
		ext_cpu += cpu() - c0;
		ext += t0;
		if (t0 > worst)
			worst = t0;
		ext_events += added;
		calls++;
	}
	if (r < 0)
		return fail(path);
	bt_log_iter_release(&it);
	bt_log_close(in);
	bt_log_writer_commit(w);
	t0 = now();
	c0 = cpu();
	if (bt_graph_extend(g, &added))
		return fail("extending");
	ext_cpu += cpu() - c0;
	t0 = now() - t0;
	ext += t0;
	if (t0 > worst)
		worst = t0;
	ext_events += added;
	calls++;
	if (bt_log_writer_close(w))
		return fail(out);
	mem_ext = bt_graph_memory(g);
	n_ext = backtrack_nodes(g, spec);
	t0 = now();
	c0 = cpu();
	if (bt_graph_load(&f, out, NULL, NULL))
		return fail(out);
	load = now() - t0;
	load_cpu = cpu() - c0;
	mem_load = bt_graph_memory(f);
	n_load = backtrack_nodes(f, spec);
	printf("ext_base_events=%llu\n", (unsigned long long)base);
	printf("ext_events=%llu\n", (unsigned long long)ext_events);
	printf("ext_calls=%llu\n", (unsigned long long)calls);
	printf("ext_seconds=%.3f\n", ext);
	printf("ext_rate=%.0f\n", (double)ext_events / ext);
	printf("ext_cpu_rate=%.0f\n", (double)ext_events / ext_cpu);
	printf("ext_worst_ms=%.3f\n", worst * 1e3);
	printf("ext_mem_per_event=%.2f\n",
	       (double)mem_ext / (double)bt_graph_nevents(g));
	printf("ext_load_rate=%.0f\n", (double)bt_graph_nevents(f) / load);
	printf("ext_load_cpu_rate=%.0f\n",
	       (double)bt_graph_nevents(f) / load_cpu);
	printf("ext_load_mem_per_event=%.2f\n",
	       (double)mem_load / (double)bt_graph_nevents(f));
	printf("ext_same_events=%d\n",
	       bt_graph_nevents(g) == bt_graph_nevents(f));
	printf("ext_nodes=%zu\n", n_ext);
	printf("ext_load_nodes=%zu\n", n_load);
	bt_graph_free(g);
	bt_graph_free(f);
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
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "extend"))
		return do_extend(argv[2], argv[3], argv[4],
				 argc == 6 && atoll(argv[5]) > 0 ?
				 (uint64_t)atoll(argv[5]) : 20000);
	fputs("usage: bench_load gen N LOG [RUNS] | "
	      "load LOG SPEC [THREADS [RUNS]] | "
	      "jsonl LOG OUT | extend LOG OUT SPEC [STEP]\n",
	      stderr);
	return 2;
}
