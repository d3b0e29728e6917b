/*
 * ebpfrec.c - `btrack record --source ebpf` (ebpfrec.h): fork the command
 * held on a pipe, scope the eBPF programs to it, release it, drain until
 * the tree is gone.
 *
 * The end of the tree is the scope map running empty: a process leaves it
 * in the kernel when its last thread exits, after its EXIT record is in
 * the ring, and a child joins it at fork, before its parent can exit.  So
 * "the first process reaped and the scope empty" means every record of the
 * tree has been written; detaching and draining the ring then gives all
 * of them.  Orphans that outlive the first process (daemons) are waited
 * for, as the ptrace recorder waits for every tracee.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/ingest.h"
#include "../core/util.h"
#include "drain.h"
#include "ebpf/loader.h"
#include "ebpfrec.h"

#define GRACE_NS 5000000000ULL  /* after the first interrupt: then SIGKILL */
#define TICK_NS 10000000ULL     /* the caller's tick, about */
#define NAP_MIN_NS 1000000ULL   /* the nap between drains: 1 ms while */
#define NAP_MAX_NS 10000000ULL  /* records come, up to 10 ms when idle */
#define KILL_BATCH 256          /* pids read per kill round */

struct bt_ebpfrec {
	struct bt_ebpf *e;
	struct bt_ebpfrec_opts o;
	/* the sink in front of the log's ingest */
	struct bt_obs_sink log;
	pid_t top;
	bool top_exec;          /* the first process's exec was seen */
	uint64_t exec_after;    /* CLOCK_REALTIME after its exec succeeded
	                           (the error pipe closed), 0 until then */
	uint64_t invalid;       /* observations ingest refused (BT_EINVAL) */
	uint64_t pages;         /* page observations logged */
	uint64_t early;         /* the first process's before its exec */
};

static volatile sig_atomic_t g_intr_count;
static volatile sig_atomic_t g_intr_sig;

void bt_ebpfrec_interrupt(int sig, bool forward)
{
	g_intr_sig = forward ? sig : 0;
	g_intr_count++;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

bool bt_ebpfrec_usable(char *why, size_t n)
{
	const char *r = NULL;

	if (!bt_ebpf_built())
		r = "this btrack was built without eBPF support";
	else if (geteuid() != 0)
		r = "the eBPF source needs root";
	else if (access("/sys/kernel/btf/vmlinux", R_OK))
		r = "no BTF for this kernel (/sys/kernel/btf/vmlinux)";
	if (r && n)
		snprintf(why, n, "%s", r);
	return !r;
}

int bt_ebpfrec_open(struct bt_ebpfrec **out, const struct bt_ebpfrec_opts *o)
{
	struct bt_ebpf_opts eo;
	struct bt_ebpfrec *x;
	int err;

	*out = NULL;
	if (!o->argv || !o->argv[0])
		return bt_error_set(BT_EINVAL, "no command to record");
	x = calloc(1, sizeof(*x));
	if (!x)
		return bt_error_set(BT_ENOMEM, "out of memory");
	x->o = *o;
	memset(&eo, 0, sizeof(eo));
	eo.tree = true;
	eo.ring_bytes = o->ring_bytes;
	eo.no_pages = !o->pages;
	err = bt_ebpf_open(&x->e, &eo);
	if (err) {
		free(x);
		return err;
	}
	*out = x;
	return 0;
}

void bt_ebpfrec_close(struct bt_ebpfrec *x)
{
	if (!x)
		return;
	bt_ebpf_close(x->e);
	free(x);
}

/*
 * The sink between the ring and the log: the first process is btrack's
 * until its exec (its read of the go pipe, its report of a failed exec),
 * so its observations before the EXEC are dropped; observations ingest
 * finds meaningless are counted, not fatal (as capture does).
 */
static int emit(void *arg, const struct bt_obs *ob)
{
	struct bt_ebpfrec *x = arg;
	int r;

	if (!x->top_exec && ob->pid == (uint32_t)x->top) {
		/* Its EXEC record may be lost (a drop): then whatever it
		 * did after the exec was known to have succeeded is its. */
		if (ob->op != BT_RAW_EXEC &&
		    !(x->exec_after && ob->time > x->exec_after)) {
			x->early++;
			return 0;
		}
		x->top_exec = true;
	}
	r = x->log.add(x->log.arg, ob);
	if (r == BT_EINVAL) {
		x->invalid++;
		return 0;
	}
	if (!r && (ob->op == BT_RAW_PAGE_READ || ob->op == BT_RAW_PAGE_WRITE))
		x->pages++;
	return r;
}

/* The command's first process: wait for the go byte, exec.  A failed exec
 * sends its errno on errfd.  It dies with btrack (as a tracee dies with
 * the ptrace recorder): a command btrack no longer records must not go
 * on as if it were. */
static void child_run(char *const *argv, pid_t parent, int gofd, int errfd)
{
	char c = 0;
	int e;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != parent)
		_exit(126);
	while (read(gofd, &c, 1) < 0 && errno == EINTR)
		;
	if (c != 'g')   /* btrack gave up (or died): do not run */
		_exit(126);
	close(gofd);
	execvp(argv[0], argv);
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(e == ENOENT ? 127 : 126);
}

/* SIGKILL every process in scope (a few rounds: a fork may race). */
static void kill_tree(struct bt_ebpfrec *x)
{
	uint32_t pids[KILL_BATCH];
	size_t n, i;
	int round;

	for (round = 0; round < 4; round++) {
		n = bt_ebpf_tracked(x->e, pids, KILL_BATCH);
		if (!n)
			return;
		for (i = 0; i < n && i < KILL_BATCH; i++)
			kill((pid_t)pids[i], SIGKILL);
	}
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int note(struct bt_log_writer *w, uint32_t key, const char *text)
{
	return bt_log_append_note(w, key, real_ns(), text, strlen(text));
}

int bt_ebpfrec_run(struct bt_ebpfrec *x, struct bt_log_writer *w,
		   struct bt_record_stats *out)
{
	struct bt_obs_sink sink = { emit, x };
	struct bt_ingest *ing = NULL;
	struct bt_ingest_stats is;
	struct bt_drain_stats ds;
	int gopipe[2], errpipe[2], st, e, err, handled = 0, exec_errno = 0;
	bool top_done = false, exec_known = false;
	uint64_t kill_at = 0, next_tick, nap = NAP_MIN_NS;
	struct timespec ts;
	char text[1024];
	size_t n, i;
	pid_t pid, self = getpid();

	memset(out, 0, sizeof(*out));
	out->status = -1;
	err = bt_ingest_new(&ing, w);
	if (err)
		return err;
	x->log = bt_ingest_sink(ing);
	snprintf(text, sizeof(text), "record %s (ebpf%s)", x->o.argv[0],
		 x->o.pages ? "" : ", object level: no page events");
	if ((err = note(w, BT_NOTE_SOURCE, text)))
		goto out;
	if (pipe2(gopipe, O_CLOEXEC)) {
		err = bt_error_set_os(BT_EIO, "cannot create a pipe");
		goto out;
	}
	if (pipe2(errpipe, O_CLOEXEC)) {
		err = bt_error_set_os(BT_EIO, "cannot create a pipe");
		close(gopipe[0]);
		close(gopipe[1]);
		goto out;
	}
	g_intr_count = 0;
	pid = fork();
	if (pid < 0) {
		err = bt_error_set_os(BT_EIO, "cannot fork");
		close(gopipe[0]);
		close(gopipe[1]);
		close(errpipe[0]);
		close(errpipe[1]);
		goto out;
	}
	if (pid == 0) {
		close(gopipe[1]);
		close(errpipe[0]);
		child_run(x->o.argv, self, gopipe[0], errpipe[1]);
	}
	close(gopipe[0]);
	close(errpipe[1]);
	x->top = pid;
	err = bt_ebpf_track(x->e, (uint32_t)pid);
	if (err || write(gopipe[1], "g", 1) != 1) {
		if (!err)
			err = bt_error_set_os(BT_EIO, "cannot start '%s'",
					      x->o.argv[0]);
		close(gopipe[1]);       /* the child reads EOF and exits */
		waitpid(pid, &st, 0);
		close(errpipe[0]);
		goto out;
	}
	close(gopipe[1]);
	fcntl(errpipe[0], F_SETFL, O_NONBLOCK);

	next_tick = now_ns() + TICK_NS;
	for (;;) {
		/* The error pipe closes at a successful exec (close-on-exec)
		 * or brings the exec's errno. */
		if (!exec_known) {
			ssize_t k = read(errpipe[0], &e, sizeof(e));

			if (k == 0) {
				exec_known = true;
				x->exec_after = real_ns();
			} else if (k == (ssize_t)sizeof(e)) {
				exec_known = true;
				exec_errno = e ? e : EIO;
			}
		}
		if (g_intr_count != handled) {
			if (handled == 0 && g_intr_count == 1) {
				if (g_intr_sig && !top_done)
					kill(pid, g_intr_sig);
				kill_at = now_ns() + GRACE_NS;
			} else {
				kill_tree(x);
			}
			handled = g_intr_count;
			out->interrupted = true;
		}
		if (kill_at && now_ns() > kill_at) {
			kill_tree(x);
			kill_at = now_ns() + GRACE_NS;
		}
		/* Consume, then nap: waiting in the ring's epoll would have
		 * the programs wake btrack for each record when it keeps up
		 * (a context switch per event). */
		err = bt_ebpf_poll_sink(x->e, 0, &sink, &n);
		if (err) {      /* the log failed: stop the tree, keep it */
			kill_tree(x);
			if (!top_done)
				waitpid(pid, &st, 0);
			close(errpipe[0]);
			goto stats;
		}
		if (x->o.tick && now_ns() >= next_tick) {
			x->o.tick(x->o.tick_arg);
			next_tick = now_ns() + TICK_NS;
		}
		if (!top_done) {
			pid_t r = waitpid(pid, &st, WNOHANG);

			if (r == pid || (r < 0 && errno == ECHILD)) {
				top_done = true;
				out->status = r == pid ? exit_status(st) : -1;
			}
		}
		if (top_done && !bt_ebpf_tracked(x->e, NULL, 0))
			break;
		if (n >= 65536)
			continue;
		nap = n ? NAP_MIN_NS : nap * 2;
		if (nap > NAP_MAX_NS)
			nap = NAP_MAX_NS;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)nap;
		nanosleep(&ts, NULL);   /* a signal ends it early: fine */
	}
	if (!exec_known && read(errpipe[0], &e, sizeof(e)) == sizeof(e))
		exec_errno = e ? e : EIO;
	close(errpipe[0]);
	if (exec_errno) {
		errno = exec_errno;
		err = bt_error_set_os(BT_EIO, "cannot run '%s'", x->o.argv[0]);
		out->status = exec_errno == ENOENT ? 127 : 126;
	}
	out->ran = x->top_exec || (exec_known && !exec_errno);
	/* Detached, nothing more is written: drain the rest. */
	bt_ebpf_stop(x->e);
	do {
		int r = bt_ebpf_poll_sink(x->e, 0, &sink, &n);

		if (r) {
			if (!err)
				err = r;
			break;
		}
	} while (n);
stats:
	bt_ebpf_stats(x->e, &ds);
	i = bt_drain_format_drops(text, sizeof(text), &ds);
	if (i >= sizeof(text))
		text[sizeof(text) - 1] = '\0';
	e = note(w, BT_NOTE_DROPS, text);
	if (!err)
		err = e;
	if (x->invalid) {
		snprintf(text, sizeof(text), "refused=%llu",
			 (unsigned long long)x->invalid);
		e = note(w, BT_NOTE_DROPS, text);
		if (!err)
			err = e;
	}
	out->io_uring = ds.io_uring;  /* (processes: not counted) */
	out->observations = ds.records - x->early;
	out->page_events = x->pages;
	out->lost = x->invalid;
	out->drops = ds.bad;
	for (i = 0; i < BT_DROP_SLOTS; i++)
		out->drops += ds.drops[i];
	if (out->drops)
		snprintf(out->warning, sizeof(out->warning), "%llu events "
			 "lost by the eBPF programs or malformed (the drops "
			 "note in the log says why)",
			 (unsigned long long)out->drops);
	else if (x->invalid)
		snprintf(out->warning, sizeof(out->warning), "%llu "
			 "observations refused as meaningless (a refused= "
			 "drops note in the log)",
			 (unsigned long long)x->invalid);
	bt_ingest_stats(ing, &is);
	out->events = is.events;
	out->processes = is.objects[BT_REC_PROCESS];
	out->files = is.objects[BT_REC_FILE];
	out->pages = is.objects[BT_REC_PAGE];
out:
	bt_ingest_free(ing);
	return err;
}
