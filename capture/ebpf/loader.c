/*
 * loader.c - the eBPF capture source's user side (loader.h): open, set up
 * and attach the skeleton of btrack.bpf.c, keep the scope maps, drain the
 * ring buffer through bt_drain_decode() and sum the per-CPU counters.
 *
 * A ring-buffer sample is untrusted in the same way as a module ring
 * record: its length is checked against the sample, and the decoder
 * validates every field and string (the eBPF conventions, binary socket
 * addresses and the cgroup id, included).  Nothing allocates per
 * record.
 *
 * Built without libbpf (mk/ebpf.mk did not find the tools), every entry
 * point but bt_ebpf_built() fails with a message that says so.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/error.h"
#include "../../core/util.h"
#include "loader.h"

#ifndef BT_HAVE_EBPF

bool bt_ebpf_built(void)
{
	return false;
}

int bt_ebpf_open(struct bt_ebpf **out, const struct bt_ebpf_opts *o)
{
	*out = NULL;
	return bt_error_set(BT_EINVAL, "this btrack was built without eBPF "
			    "support (install clang, bpftool and libbpf-dev "
			    "and rebuild)");
}

int bt_ebpf_poll_sink(struct bt_ebpf *e, int timeout_ms,
		      const struct bt_obs_sink *sink, size_t *nout)
{
	return bt_error_set(BT_EINVAL, "no eBPF support");
}

int bt_ebpf_stop(struct bt_ebpf *e)
{
	return 0;
}

void bt_ebpf_stats(const struct bt_ebpf *e, struct bt_drain_stats *out)
{
	memset(out, 0, sizeof(*out));
}

int bt_ebpf_track(struct bt_ebpf *e, uint32_t pid)
{
	return bt_error_set(BT_EINVAL, "no eBPF support");
}

size_t bt_ebpf_tracked(struct bt_ebpf *e, uint32_t *pids, size_t max)
{
	return 0;
}

void bt_ebpf_close(struct bt_ebpf *e)
{
}

#else /* BT_HAVE_EBPF */

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "btrack_ebpf.h"
#include "btrack.skel.h"

struct bt_ebpf {
	struct btrack_bpf *skel;
	struct ring_buffer *rb;
	int ncpus;
	int cgfd;
	bool attached;
	/* the poll in progress */
	const struct bt_obs_sink *sink;
	int err;
	size_t n;
	struct bt_drain_stats st;   /* records, bad */
	struct bt_raw_dec dec;
	char nsp[2][BT_RAW_MAX + 64]; /* paths named from our root */
};

bool bt_ebpf_built(void)
{
	return true;
}

/* libbpf's messages go to stderr only with BTRACK_BPF_DEBUG set: core/
 * and capture/ never print, and a failed load is reported through the
 * error. */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!getenv("BTRACK_BPF_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC, the programs' time offset: fixed for
 * the capture, so that a process's start time is one value throughout
 * (it is half of its identity). */
/* Whether the running kernel has raw tracepoint `name` (the type
 * btf_trace_NAME in its BTF). */
static bool has_tracepoint(const char *name)
{
	struct btf *btf = btf__load_vmlinux_btf();
	char type[128];
	bool ok;

	if (!btf)
		return false;
	snprintf(type, sizeof(type), "btf_trace_%s", name);
	ok = btf__find_by_name_kind(btf, type, BTF_KIND_TYPEDEF) > 0;
	btf__free(btf);
	return ok;
}

static uint64_t rt_offset(void)
{
	struct timespec r, m, r2;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r2);
	return ((uint64_t)r.tv_sec * 1000000000u + r.tv_nsec) / 2 +
	       ((uint64_t)r2.tv_sec * 1000000000u + r2.tv_nsec) / 2 -
	       ((uint64_t)m.tv_sec * 1000000000u + m.tv_nsec);
}

/* The parent of pid from /proc/PID/stat, 0 if unknown. */
static uint32_t proc_ppid(uint32_t pid)
{
	char path[64], buf[512], *p;
	unsigned long ppid = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');     /* comm may hold anything */
	if (!p || sscanf(p + 1, " %*c %lu", &ppid) != 1)
		return 0;
	return (uint32_t)ppid;
}

/* Track pid and every process already descended from it: repeat a scan
 * of /proc until it adds nothing (a child may be listed before its
 * parent joins). */
static int track_tree(struct bt_ebpf *e, uint32_t root)
{
	int fd = bpf_map__fd(e->skel->maps.tracked);
	uint8_t one = 1, v;
	bool added = true;

	if (bpf_map_update_elem(fd, &root, &one, BPF_ANY))
		return bt_error_set_os(BT_EIO, "cannot scope capture to "
				       "pid %u", root);
	while (added) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		added = false;
		if (!d)
			return bt_error_set_os(BT_EIO, "cannot read /proc");
		while ((de = readdir(d))) {
			char *end;
			unsigned long pid = strtoul(de->d_name, &end, 10);
			uint32_t p32 = (uint32_t)pid, pp;

			if (*end || !pid || pid > UINT32_MAX ||
			    !bpf_map_lookup_elem(fd, &p32, &v))
				continue;
			pp = proc_ppid(p32);
			if (pp && !bpf_map_lookup_elem(fd, &pp, &v) &&
			    !bpf_map_update_elem(fd, &p32, &one, BPF_ANY))
				added = true;
		}
		closedir(d);
	}
	return 0;
}

/*
 * A path process o->pid gave or was given from the root of its own mount
 * namespace (BT_RAWF_NSROOT), as a name from ours, into out: itself when
 * it names the same file here (o's inode) or the process's root is ours;
 * else under /proc/PID/root (the same file, from the host, while the
 * process lives: a container's "/etc/passwd" is not the host's).  A file
 * known by its inode that neither names: no name, never a wrong one.
 */
static const char *ns_path(char *out, size_t cap, const struct bt_obs *o,
			   const char *path)
{
	struct stat sb, rb;
	char q[48];
	int n;

	if (!path || path[0] != '/')
		return path;
	if (o->has_ino) {
		if (!stat(path, &sb) && sb.st_dev == o->dev &&
		    sb.st_ino == o->ino)
			return path;
	} else {
		snprintf(q, sizeof(q), "/proc/%u/root", o->pid);
		if (!stat(q, &rb) && !stat("/", &sb) &&
		    rb.st_dev == sb.st_dev && rb.st_ino == sb.st_ino)
			return path;
	}
	n = snprintf(out, cap, "/proc/%u/root%s", o->pid,
		     path[1] ? path : "");
	if (n < 0 || (size_t)n >= cap)
		return o->has_ino ? NULL : path;
	if (o->has_ino && (stat(out, &sb) || sb.st_dev != o->dev ||
			   sb.st_ino != o->ino))
		return NULL;
	return out;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct bt_ebpf *e = ctx;
	uint8_t *b = (uint8_t *)e->dec.rec;
	struct bt_raw raw;
	int r;

	if (size < BT_RAW_HEAD || size > BT_RAW_MAX) {
		e->st.bad++;
		return 0;
	}
	memcpy(&raw, data, BT_RAW_HEAD);
	if (raw.len != size) {
		e->st.bad++;
		return 0;
	}
	memcpy(b, data, size);
	if (!bt_drain_decode(&e->dec, b, size, BT_RAW_OP_MAX)) {
		e->st.bad++;
		return 0;
	}
	if ((raw.arg32 & BT_RAWF_NSROOT) && raw.op != BT_RAW_FORK &&
	    raw.op != BT_RAW_EXEC) {
		struct bt_obs *o = &e->dec.obs;

		o->path = ns_path(e->nsp[0], sizeof(e->nsp[0]), o, o->path);
		o->new_path = ns_path(e->nsp[1], sizeof(e->nsp[1]), o,
				      o->new_path);
		if (!o->path && !o->has_ino) {
			e->st.bad++;
			return 0;
		}
	}
	r = e->sink->add(e->sink->arg, &e->dec.obs);
	if (r) {
		e->err = r;
		return r < 0 ? r : -1;
	}
	e->st.records++;
	e->n++;
	return 0;
}

int bt_ebpf_open(struct bt_ebpf **out, const struct bt_ebpf_opts *o)
{
	struct bt_ebpf *e;
	uint64_t ring = o->ring_bytes ? o->ring_bytes : BT_EBPF_RING_DEFAULT;
	int err;

	*out = NULL;
	if (ring < 4096 || (ring & (ring - 1)) || ring > (1ull << 31))
		return bt_error_set(BT_EINVAL, "bad ring size %llu: a power "
				    "of two, 4 KiB to 2 GiB",
				    (unsigned long long)ring);
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return bt_error_set(BT_EINVAL, "no BTF for this kernel "
				    "(/sys/kernel/btf/vmlinux): the eBPF "
				    "source needs CONFIG_DEBUG_INFO_BTF");
	libbpf_set_print(quiet);
	e = calloc(1, sizeof(*e));
	if (!e)
		return bt_error_set(BT_ENOMEM, "out of memory");
	e->cgfd = -1;
	e->ncpus = libbpf_num_possible_cpus();
	if (e->ncpus <= 0) {
		err = bt_error_set(BT_EIO, "cannot count CPUs");
		goto fail;
	}
	e->skel = btrack_bpf__open();
	if (!e->skel) {
		err = bt_error_set_os(BT_EIO, "cannot open the eBPF programs");
		goto fail;
	}
	e->skel->rodata->excl_tgid = (uint32_t)getpid();
	{
		struct stat ns;

		if (!stat("/proc/self/ns/mnt", &ns))
			e->skel->rodata->self_mntns = (uint32_t)ns.st_ino;
	}
	e->skel->rodata->rt_offset = rt_offset();
	e->skel->rodata->pages_on = !o->no_pages;
	e->skel->rodata->scope = o->pid || o->tree ? BT_EBPF_PIDS :
				 o->cgroup ? BT_EBPF_CGROUP : BT_EBPF_ALL;
	if (bpf_map__set_max_entries(e->skel->maps.events, (uint32_t)ring)) {
		err = bt_error_set(BT_EINVAL, "ring size %llu refused",
				   (unsigned long long)ring);
		goto fail;
	}
	/* io_uring's completions, where the kernel has io_uring (its
	 * tracepoint in the kernel's BTF); without it nothing is lost */
	if (!has_tracepoint("io_uring_complete") ||
	    !has_tracepoint("io_uring_submit_req")) {
		bpf_program__set_autoload(e->skel->progs.bt_uring_complete,
					  false);
		bpf_program__set_autoload(e->skel->progs.bt_uring_submit,
					  false);
	}
	if (btrack_bpf__load(e->skel)) {
		if (errno == EPERM || errno == EACCES)
			err = bt_error_set_os(BT_EIO, "cannot load the eBPF "
					      "programs (the eBPF source needs "
					      "root: CAP_BPF and CAP_PERFMON)");
		else
			err = bt_error_set_os(BT_EIO, "cannot load the eBPF "
					      "programs (BTRACK_BPF_DEBUG=1 "
					      "shows the verifier's log)");
		goto fail;
	}
	if (o->pid && (err = track_tree(e, o->pid)))
		goto fail;
	if (o->cgroup) {
		uint32_t zero = 0;

		e->cgfd = open(o->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (e->cgfd < 0) {
			err = bt_error_set_os(BT_EIO, "cannot open cgroup '%s'",
					      o->cgroup);
			goto fail;
		}
		if (bpf_map_update_elem(bpf_map__fd(e->skel->maps.cgroup),
					&zero, &e->cgfd, BPF_ANY)) {
			err = bt_error_set_os(BT_EINVAL, "'%s' is not a cgroup "
					      "v2 directory", o->cgroup);
			goto fail;
		}
	}
	e->rb = ring_buffer__new(bpf_map__fd(e->skel->maps.events), on_sample,
				 e, NULL);
	if (!e->rb) {
		err = bt_error_set_os(BT_EIO, "cannot map the eBPF ring");
		goto fail;
	}
	if (btrack_bpf__attach(e->skel)) {
		err = bt_error_set_os(BT_EIO, "cannot attach the eBPF programs "
				      "to their tracepoints");
		goto fail;
	}
	e->attached = true;
	*out = e;
	return 0;
fail:
	bt_ebpf_close(e);
	return err;
}

int bt_ebpf_poll_sink(struct bt_ebpf *e, int timeout_ms,
		      const struct bt_obs_sink *sink, size_t *nout)
{
	int r;

	e->sink = sink;
	e->err = 0;
	e->n = 0;
	r = timeout_ms ? ring_buffer__poll(e->rb, timeout_ms) :
			 ring_buffer__consume(e->rb);
	if (nout)
		*nout = e->n;
	if (e->err)
		return e->err;
	if (r < 0 && r != -EINTR)
		return bt_error_set(BT_EIO, "eBPF ring: %s", strerror(-r));
	return 0;
}

int bt_ebpf_stop(struct bt_ebpf *e)
{
	struct timespec ts = { 0, 20000000 };

	if (!e->attached)
		return 0;
	btrack_bpf__detach(e->skel);
	e->attached = false;
	/* A program that started before its link went may still be
	 * writing: it runs with preemption or migration disabled, for
	 * microseconds. */
	nanosleep(&ts, NULL);
	return 0;
}

void bt_ebpf_stats(const struct bt_ebpf *e, struct bt_drain_stats *out)
{
	struct bt_ebpf_stats *v;
	uint32_t zero = 0;
	int i, j;

	*out = e->st;
	v = calloc(e->ncpus, sizeof(*v));
	if (!v)
		return;
	if (!bpf_map_lookup_elem(bpf_map__fd(e->skel->maps.stats), &zero, v)) {
		for (i = 0; i < e->ncpus; i++) {
			out->kernel_events += v[i].events;
			for (j = 0; j < BT_DROP_SLOTS; j++)
				out->drops[j] += v[i].drops[j];
			for (j = 0; j <= BT_RAW_OP_MAX; j++)
				out->drops_by_op[j] += v[i].drops_by_op[j];
			out->truncated += v[i].truncated;
			out->faults += v[i].faults;
			out->io_uring += v[i].io_uring;
		}
	}
	free(v);
}

int bt_ebpf_track(struct bt_ebpf *e, uint32_t pid)
{
	if (e->skel->rodata->scope != BT_EBPF_PIDS)
		return bt_error_set(BT_EINVAL, "the eBPF source was not "
				    "opened for a process tree");
	return track_tree(e, pid);
}

size_t bt_ebpf_tracked(struct bt_ebpf *e, uint32_t *pids, size_t max)
{
	int fd = bpf_map__fd(e->skel->maps.tracked);
	uint32_t key, next, gone[64];
	size_t n = 0, ngone = 0, i;
	void *prev = NULL;

	/* Deleting while iterating restarts the walk: collect, then
	 * delete.  kill(pid, 0) fails with ESRCH only when no process (not
	 * even a zombie) has the pid. */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (kill((pid_t)key, 0) && errno == ESRCH) {
			if (ngone < BT_ARRAY_SIZE(gone))
				gone[ngone++] = key;
			continue;
		}
		if (n < max)
			pids[n] = key;
		n++;
	}
	for (i = 0; i < ngone; i++)
		bpf_map_delete_elem(fd, &gone[i]);
	return n;
}

void bt_ebpf_close(struct bt_ebpf *e)
{
	if (!e)
		return;
	ring_buffer__free(e->rb);
	btrack_bpf__destroy(e->skel);
	if (e->cgfd >= 0)
		close(e->cgfd);
	free(e);
}

#endif /* BT_HAVE_EBPF */
