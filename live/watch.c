/*
 * watch.c - the live response engine (see watch.h): a reader thread fills
 * a bounded queue from the alert source, the engine answers the alerts in
 * order on the followed log's graph and keeps a journal of what it
 * answered in the output directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "watch.h"
#include "alertsrc.h"
#include "follow.h"
#include "../core/drops.h"
#include "../core/error.h"
#include "../core/hash.h"
#include "../core/outfile.h"
#include "../core/timefmt.h"
#include "../core/util.h"

#define POLL_MS 100      /* how often the threads look at the stop flag */
#define LOG_POLL_MS 20   /* how often a waiting alert refreshes the log */
/* The queue's lines, at most (beyond one line): a flood of long lines
 * waits (a followed file) or is dropped like a full queue's. */
#define QUEUE_BYTES ((size_t)8 << 20)

/* The latency histogram (watch.h, bt_watch_status): 1 ms buckets up to
 * 1 s, 100 ms buckets up to 60 s, one for the rest.  Fixed: no memory per
 * alert. */
#define LAT_FINE 1000u
#define LAT_BUCKETS (LAT_FINE + 590u + 1u)

/* A queued alert: its line, parsed when its turn comes.  A parsed alert
 * (struct bt_alert) is 5 kB, most of it room for a long detection point:
 * a queue of those held 5 kB per alert waiting (5 MB for the default
 * 1024), where a Falco line is a few hundred bytes. */
struct entry {
	char *text;              /* malloc'd copy of the line, or NULL: too
	                            long (or no memory for it) */
	size_t len;
	bool too_long;
	uint64_t key;            /* hash of the line and its ordinal */
	uint64_t arrived;        /* monotonic ns */
	uint64_t line;
};

/* The alert being answered. */
struct job {
	struct bt_alert a;
	int err;                 /* a line that is no alert: why */
	char msg[256];
	uint64_t key, arrived, line;   /* as queued */
};

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct entry *v;
	size_t cap, head, n;
	size_t bytes;            /* of the queued lines */
	uint64_t dropped;
	bool ended;              /* the reader is done */
	char notes[4][256];      /* the source's news, for the engine to
	                            tell (ops are called from one thread) */
	size_t nnotes;
	int err;                 /* the reader's error, if it stopped */
	char errmsg[512];
};

/* A begun, not done, alert of the journal: its NAME. */
struct begun {
	uint64_t key;
	char name[200];
};

struct watch {
	const struct bt_watch_opts *o;
	const struct bt_watch_ops *ops;
	struct queue q;
	struct bt_alertsrc *src;
	/* reader thread only */
	struct bt_u64map ordinals;   /* line hash -> lines seen */
	uint64_t lines;
	uint64_t drop_told;
	/* engine only */
	int jfd;                     /* the journal */
	struct bt_u64map done;       /* key -> 1 */
	struct begun *begun;
	size_t nbegun, begun_cap;
	struct bt_follow *f;
	struct bt_watch_status st;
	uint64_t last_status;
	uint32_t lat[LAT_BUCKETS];   /* alerts answered, by latency */
	/* What the log's capture lost (drops notes), for the results as
	 * `backtrack` gives them: read for each graph, and again once its
	 * writer closed the log (a capture writes its note at its end). */
	struct bt_drops drops;
	const struct bt_graph *drops_g;
	bool drops_ok, drops_closed;
	int halt;                    /* the engine stopped: so does the
	                                reader (atomic) */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool stopping(struct watch *w)
{
	return (w->o->stop && *w->o->stop) ||
	       __atomic_load_n(&w->halt, __ATOMIC_RELAXED);
}

static bool finishing(const struct watch *w)
{
	return w->o->finish && *w->o->finish;
}

static unsigned lat_bucket(uint64_t ns)
{
	uint64_t ms = ns / 1000000u;

	if (ms < LAT_FINE)
		return (unsigned)ms;
	ms = LAT_FINE + (ms - LAT_FINE) / 100u;
	return ms < LAT_BUCKETS ? (unsigned)ms : LAT_BUCKETS - 1;
}

/* The upper end of a bucket, in ns. */
static uint64_t lat_value(unsigned b)
{
	if (b < LAT_FINE)
		return (uint64_t)(b + 1) * 1000000u;
	return ((uint64_t)LAT_FINE + (uint64_t)(b - LAT_FINE + 1) * 100u) *
	       1000000u;
}

/* The latency under which a fraction q of the answered alerts were. */
static uint64_t lat_quantile(const struct watch *w, uint64_t n, double q)
{
	uint64_t want = (uint64_t)((double)n * q + 0.999999), seen = 0;
	unsigned b;

	if (!n)
		return 0;
	if (!want)
		want = 1;
	for (b = 0; b < LAT_BUCKETS; b++) {
		seen += w->lat[b];
		if (seen >= want)
			return lat_value(b);
	}
	return lat_value(LAT_BUCKETS - 1);
}

static void say(struct watch *w, bool warning, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct watch *w, bool warning, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->ops->event)
		w->ops->event(w->ops->arg, warning, msg);
}

/* ---- names -------------------------------------------------------------- */

static size_t put_safe(char *buf, size_t k, size_t n, const char *s,
		       size_t max)
{
	size_t start = k;
	bool sep = false;

	for (; *s && k + 1 < n && k - start < max; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_') {
			buf[k++] = (char)ch;
			sep = false;
		} else if (!sep && k > start) {
			buf[k++] = '_';
			sep = true;
		}
	}
	while (k > start && buf[k - 1] == '_')
		k--;
	buf[k] = '\0';
	return k;
}

void bt_watch_name(char *buf, size_t n, const struct bt_alert *a)
{
	char t[BT_TIME_BUFSZ], c[BT_TIME_BUFSZ];
	size_t i, k = 0, start;

	if (!n)
		return;
	if (a->time != BT_TIME_NONE) {
		bt_time_format(t, sizeof(t), a->time);
		for (i = 0; t[i]; i++)
			if (t[i] != '-' && t[i] != ':')
				c[k++] = t[i];
		c[k] = '\0';
	} else {
		snprintf(c, sizeof(c), "notime");
	}
	k = (size_t)snprintf(buf, n, "%s-", c);
	if (k >= n)
		k = n - 1;
	start = k;
	k = put_safe(buf, k, n, a->rule, 80);
	if (k == start)
		snprintf(buf + k, n - k, "alert");
}

/* ---- the journal -------------------------------------------------------- */

static int begun_find(const struct watch *w, uint64_t key)
{
	size_t i;

	for (i = 0; i < w->nbegun; i++)
		if (w->begun[i].key == key)
			return (int)i;
	return -1;
}

static int begun_add(struct watch *w, uint64_t key, const char *name)
{
	if (w->nbegun + 1 > w->begun_cap &&
	    bt_grow(&w->begun, &w->begun_cap, w->nbegun + 1,
		    sizeof(*w->begun)))
		return BT_ENOMEM;
	w->begun[w->nbegun].key = key;
	snprintf(w->begun[w->nbegun].name, sizeof(w->begun[0].name), "%s",
		 name);
	w->nbegun++;
	return 0;
}

static void begun_drop(struct watch *w, uint64_t key)
{
	int i = begun_find(w, key);

	if (i >= 0)
		w->begun[i] = w->begun[--w->nbegun];
}

/* Read the journal: every line "B KEY NAME" or "D KEY STATUS". */
static int journal_load(struct watch *w, FILE *in)
{
	char line[512];
	uint64_t lineno = 0;
	int r;

	while (fgets(line, sizeof(line), in)) {
		char kind, name[200];
		unsigned long long key;
		size_t len = strlen(line);

		lineno++;
		if (!len || line[len - 1] != '\n')
			break;   /* a torn last line: never completed */
		if (sscanf(line, "%c %16llx %199s", &kind, &key, name) != 3 ||
		    (kind != 'B' && kind != 'D'))
			return bt_error_set(BT_ECORRUPT, "%s/%s:%" PRIu64 ": "
					    "not a journal line", w->o->dir,
					    BT_WATCH_JOURNAL, lineno);
		if (kind == 'B') {
			if (begun_find(w, key) < 0 &&
			    (r = begun_add(w, key, name)))
				return r;
		} else {
			begun_drop(w, key);
			if ((r = bt_u64map_put(&w->done, key ? key : 1, 1)))
				return r;
		}
	}
	return 0;
}

static int journal_open(struct watch *w)
{
	char *path;
	FILE *in;
	int r = 0, fd;

	if (mkdir(w->o->dir, 0777) && errno != EEXIST)
		return bt_error_set_os(BT_EIO, "cannot create '%s'", w->o->dir);
	if (asprintf(&path, "%s/%s", w->o->dir, BT_WATCH_JOURNAL) < 0)
		return bt_error_set(BT_ENOMEM, "out of memory");
	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
		  0666);
	if (fd < 0) {
		r = bt_error_set_os(BT_EIO, "cannot open '%s'", path);
		goto out;
	}
	/* One watcher per DIR: two would answer every alert twice. */
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		r = errno == EWOULDBLOCK ?
		    bt_error_set(BT_EINVAL, "another watcher writes into "
				 "'%s'", w->o->dir) :
		    bt_error_set_os(BT_EIO, "cannot lock '%s'", path);
		close(fd);
		goto out;
	}
	in = fdopen(dup(fd), "r");
	if (!in) {
		close(fd);
		r = bt_error_set_os(BT_EIO, "cannot read '%s'", path);
		goto out;
	}
	r = journal_load(w, in);
	fclose(in);
	if (r) {
		close(fd);
		goto out;
	}
	w->jfd = fd;
	if (w->nbegun)
		say(w, false, "%zu alert%s begun by a watcher that stopped "
		    "will be finished when %s again", w->nbegun,
		    w->nbegun == 1 ? "" : "s",
		    w->nbegun == 1 ? "it arrives" : "they arrive");
out:
	free(path);
	return r;
}

/* One journal line, in one write(2) with O_APPEND. */
static int journal_put(struct watch *w, char kind, uint64_t key,
		       const char *what)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "%c %016" PRIx64 " %s\n", kind,
			 key, what);

	if (n <= 0 || (size_t)n >= sizeof(line) ||
	    write(w->jfd, line, (size_t)n) != n)
		return bt_error_set_os(BT_EIO, "cannot write '%s/%s'",
				       w->o->dir, BT_WATCH_JOURNAL);
	return 0;
}

/* ---- the reader thread -------------------------------------------------- */

/* Whether a line of len bytes must wait (or be dropped): q->mu held. */
static bool queue_full(const struct queue *q, size_t len)
{
	return q->n == q->cap || (q->n && q->bytes + len > QUEUE_BYTES);
}

static int on_line(void *arg, const char *line, size_t len, bool too_long)
{
	struct watch *w = arg;
	struct queue *q = &w->q;
	struct entry *e;
	uint64_t h = bt_hash_bytes(line, len), ord;
	uint32_t seen;

	w->lines++;
	seen = bt_u64map_get(&w->ordinals, h);
	ord = (uint64_t)seen + 1;
	if (bt_u64map_put(&w->ordinals, h, seen + 1))
		return BT_ENOMEM;

	pthread_mutex_lock(&q->mu);
	while (queue_full(q, len) && bt_alertsrc_is_durable(w->src) &&
	       !stopping(w)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += POLL_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&q->not_full, &q->mu, &ts);
	}
	if (stopping(w)) {
		pthread_mutex_unlock(&q->mu);
		return 1;
	}
	if (queue_full(q, len)) {
		q->dropped++;
		pthread_mutex_unlock(&q->mu);
		return 0;
	}
	e = &q->v[(q->head + q->n) % q->cap];
	pthread_mutex_unlock(&q->mu);

	/* The slot is ours until n counts it. */
	e->key = bt_hash_u64(h ^ bt_hash_u64(ord));
	if (!e->key)
		e->key = 1;
	e->arrived = mono_ns();
	e->line = w->lines;
	e->too_long = too_long;
	e->len = too_long ? 0 : len;
	e->text = too_long ? NULL : malloc(len ? len : 1);
	if (e->text)
		memcpy(e->text, line, len);
	pthread_mutex_lock(&q->mu);
	q->n++;
	q->bytes += e->len;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

static void on_src_event(void *arg, const char *what)
{
	struct watch *w = arg;

	pthread_mutex_lock(&w->q.mu);
	if (w->q.nnotes < BT_ARRAY_SIZE(w->q.notes))
		snprintf(w->q.notes[w->q.nnotes++], sizeof(w->q.notes[0]),
			 "%s", what);
	pthread_cond_signal(&w->q.not_empty);
	pthread_mutex_unlock(&w->q.mu);
}

/* Tell the source's news (engine thread; called with q.mu held, which
 * it drops while telling). */
static void tell_notes(struct watch *w)
{
	char notes[4][256];
	size_t i, n = w->q.nnotes;

	memcpy(notes, w->q.notes, sizeof(notes));
	w->q.nnotes = 0;
	pthread_mutex_unlock(&w->q.mu);
	for (i = 0; i < n; i++)
		say(w, false, "%s", notes[i]);
	pthread_mutex_lock(&w->q.mu);
}

static void *reader(void *arg)
{
	struct watch *w = arg;
	struct bt_alertsrc_ops ops = { on_line, on_src_event, w };
	int r = 0;

	while (!stopping(w)) {
		bool last = finishing(w);
		uint64_t before = w->lines;

		r = bt_alertsrc_poll(w->src, last ? 0 : POLL_MS, &ops);
		if (r)
			break;
		/* Finishing: what the source had ready when the writer
		 * ended is read to the last line, then no more. */
		if (last && w->lines == before)
			break;
	}
	pthread_mutex_lock(&w->q.mu);
	w->q.ended = true;
	if (r < 0) {
		w->q.err = r;
		snprintf(w->q.errmsg, sizeof(w->q.errmsg), "%s",
			 bt_error_msg());
	}
	pthread_cond_signal(&w->q.not_empty);
	pthread_mutex_unlock(&w->q.mu);
	return NULL;
}

/* ---- the engine --------------------------------------------------------- */

static bool file_exists(const char *dir, const char *name, const char *ext)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	return !lstat(path, &st);
}

static const char *const exts[] = { "json", "dot", "svg", "txt" };

/* A NAME no result and no begun alert uses yet. */
static void choose_name(struct watch *w, const struct bt_alert *a,
			char *name, size_t n)
{
	char base[160];
	unsigned k, i;
	size_t j;

	bt_watch_name(base, sizeof(base), a);
	for (k = 1;; k++) {
		bool taken = false;

		if (k == 1)
			snprintf(name, n, "%s", base);
		else
			snprintf(name, n, "%s-%u", base, k);
		for (i = 0; i < BT_ARRAY_SIZE(exts) && !taken; i++)
			taken = file_exists(w->o->dir, name, exts[i]);
		for (j = 0; j < w->nbegun && !taken; j++)
			taken = !strcmp(w->begun[j].name, name);
		if (!taken)
			return;
	}
}

/* Write one result file DIR/NAME.EXT unless it exists (a resumed alert's
 * files written before the watcher died).  `note` is appended to the text
 * summary. */
static int write_one(struct watch *w, const struct bt_result *res,
		     enum bt_format fmt, const char *name, const char *ext,
		     const char *note)
{
	struct bt_outfile of;
	char *path;
	FILE *f;
	int r, fd;

	if (asprintf(&path, "%s/%s.%s", w->o->dir, name, ext) < 0)
		return bt_error_set(BT_ENOMEM, "out of memory");
	/* No fsync: a result is derived data, and a responder waits for it
	 * (10-75 ms per fsync on a busy disk, four files an alert).  A
	 * SIGKILL loses nothing; a power loss may lose the last results
	 * (their journal lines too, so they are answered again). */
	r = bt_outfile_open(&of, path, BT_OUTF_NOSYNC, 0666, NULL);
	if (r == BT_EINVAL && file_exists(w->o->dir, name, ext)) {
		r = 0;   /* written before a restart: kept as it is */
		goto out;
	}
	if (r)
		goto out;
	fd = dup(of.fd);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		bt_outfile_abort(&of);
		r = bt_error_set_os(BT_EIO, "cannot write '%s'", path);
		goto out;
	}
	r = bt_export_with(res, fmt, &w->o->eo, f);
	if (!r && note && fmt == BT_FMT_TEXT)
		fprintf(f, "\nwatch: %s\n", note);
	if (fclose(f) && !r)
		r = bt_error_set_os(BT_EIO, "cannot write '%s'", path);
	if (!r)
		r = bt_outfile_commit(&of);
	if (r)
		bt_outfile_abort(&of);
out:
	free(path);
	return r;
}

/* Refresh the log; a replaced log is a warning, not an end. */
static void refresh(struct watch *w)
{
	int r = bt_follow_refresh(w->f, NULL);

	if (r)
		say(w, true, "%s", bt_error_msg());
	w->st.events = bt_follow_graph(w->f) ?
		       bt_graph_nevents(bt_follow_graph(w->f)) : 0;
	w->st.log_time = bt_follow_last_time(w->f);
}

/* Whether refreshing the log extends the graph (else it reloads it). */
static bool incremental(struct watch *w)
{
	struct bt_follow_stats st;

	bt_follow_stats(w->f, &st);
	return st.incremental;
}

/* Whether the log has what the alert needs: events up to its time and
 * its detection point. */
static bool caught_up(struct watch *w, const struct bt_alert *a)
{
	const struct bt_graph *g = bt_follow_graph(w->f);
	uint32_t id;
	uint64_t t;

	if (!g)
		return false;
	if (a->time != BT_TIME_NONE && bt_follow_last_time(w->f) < a->time)
		return false;
	return bt_spec_resolve(&id, &t, g, a->spec) != BT_ENOTFOUND;
}

/* The drops of the followed log (see struct watch), or NULL when they
 * cannot be read.  Without an index, a whole read of the log (a tenth of
 * a second per million events): once per graph, and once more at the
 * writer's close;
 * a drops note appended to a log still being written in between is seen
 * at the close. */
static const struct bt_drops *watch_drops(struct watch *w)
{
	const struct bt_graph *g = bt_follow_graph(w->f);
	bool closed = bt_follow_is_closed(w->f);

	if (!g)
		return NULL;
	if (g != w->drops_g || (closed && !w->drops_closed)) {
		w->drops_g = g;
		w->drops_closed = closed;
		w->drops_ok = !bt_graph_drops(g, &w->drops);
	}
	return w->drops_ok ? &w->drops : NULL;
}

static void count_nodes(const struct bt_result *r, size_t *objects,
			size_t *entries)
{
	size_t i;

	*objects = r->nnodes;
	*entries = 0;
	for (i = 0; i < r->nnodes; i++)
		if (r->nodes[i].flags & BT_NODE_ENTRY)
			(*entries)++;
}

/* Answer one alert; a negative bt_error only for what stops the watcher
 * (the journal cannot be written). */
static int answer(struct watch *w, struct job *e)
{
	struct bt_watch_answer ans = { .alert = &e->a, .line = e->line };
	struct bt_query q = w->o->query;
	struct bt_query_result qr = { 0 };
	const struct bt_query_msg *m;
	char name[200], result[PATH_MAX], note[256] = "", stamp[BT_TIME_BUFSZ];
	const char *status = "ok";
	/* JSON first: what programs wait for; SVG (a graphviz layout,
	 * tens of ms) last. */
	static const enum bt_format fmts[] = {
		BT_FMT_JSON, BT_FMT_TEXT, BT_FMT_DOT, BT_FMT_SVG
	};
	static const unsigned bits[] = {
		BT_WATCH_OUT_JSON, BT_WATCH_OUT_TEXT, BT_WATCH_OUT_DOT,
		BT_WATCH_OUT_SVG
	};
	static const char *const fext[] = { "json", "txt", "dot", "svg" };
	unsigned outs = w->o->outputs ? w->o->outputs : BT_WATCH_OUT_ALL;
	uint64_t deadline = e->arrived + w->o->wait_ns;
	size_t i;
	int bi, r, err;

	if (bt_u64map_get(&w->done, e->key)) {
		w->st.skipped++;
		return 0;
	}
	bi = begun_find(w, e->key);
	ans.resumed = bi >= 0;
	if (e->err) {
		ans.err = e->err;
		ans.msg = e->msg;
		status = "bad";
		goto done;
	}
	/* Every alert takes in what was committed before it: extending the
	 * graph costs what the log added (follow.h), so events committed
	 * late with earlier times are in its answer too.  A version 1 log
	 * is loaded again at each refresh that finds records: a graph that
	 * already reaches the alert's time and holds its point answers it
	 * as it is. */
	if (bt_follow_check(w->f))   /* before the graph is touched */
		say(w, true, "%s", bt_error_msg());
	if (incremental(w) || e->a.time == BT_TIME_NONE ||
	    !caught_up(w, &e->a))
		refresh(w);
	while (!caught_up(w, &e->a) && !bt_follow_is_closed(w->f) &&
	       mono_ns() < deadline && !stopping(w)) {
		nap_ms(LOG_POLL_MS);
		refresh(w);
	}
	ans.log_time = bt_follow_last_time(w->f);
	if (!bt_follow_graph(w->f)) {
		ans.err = BT_ENOTFOUND;
		snprintf(note, sizeof(note), "no log at '%s' yet", w->o->log);
		ans.msg = note;
		status = "nolog";
		goto done;
	}
	/* A log its writer closed will not catch up: it is complete. */
	if (e->a.time != BT_TIME_NONE && ans.log_time < e->a.time &&
	    !bt_follow_is_closed(w->f)) {
		ans.behind = true;
		bt_time_format(stamp, sizeof(stamp), ans.log_time);
		snprintf(note, sizeof(note), "the log had not caught up with "
			 "the alert's time after the wait: answered with its "
			 "events up to %s", ans.log_time ? stamp : "(none)");
	}
	q.spec = e->a.spec;
	q.point_time = e->a.time;
	q.drops = watch_drops(w);
	err = bt_query_run(&qr, bt_follow_graph(w->f), &q);
	if (err) {
		ans.err = err;
		ans.msg = bt_error_msg();
		status = "failed";
		goto done;
	}
	ans.truncated = qr.result->truncated;
	count_nodes(qr.result, &ans.objects, &ans.entries);
	if ((m = bt_query_msg_find(&qr, BT_QUERY_INCOMPLETE)))
		ans.note = m->text;
	if (bi >= 0)
		snprintf(name, sizeof(name), "%s", w->begun[bi].name);
	else
		choose_name(w, &e->a, name, sizeof(name));
	if (bi < 0) {
		if ((r = journal_put(w, 'B', e->key, name)) ||
		    (r = begun_add(w, e->key, name)))
			goto fatal;
	}
	for (i = 0; i < BT_ARRAY_SIZE(fmts); i++) {
		if (!(outs & bits[i]))
			continue;
		err = write_one(w, qr.result, fmts[i], name, fext[i],
				note[0] ? note : NULL);
		if (err == BT_ELIMIT && fmts[i] == BT_FMT_SVG) {
			say(w, false, "%s/%s: no SVG: %s", w->o->dir, name,
			    bt_error_msg());
			continue;
		}
		if (err) {
			/* A result we cannot write (disk full): the alert
			 * stays begun, answered again at the next start. */
			r = err;
			goto fatal;
		}
		if (!ans.latency_ns)
			ans.latency_ns = mono_ns() - e->arrived;
	}
	snprintf(result, sizeof(result), "%s/%s", w->o->dir, name);
	ans.result = result;
	if (ans.behind)
		status = "behind";
done:
	if (!ans.msg && note[0])
		ans.msg = note;
	/* Not into w->done: that holds the journal's keys from before the
	 * start (to skip the alerts a source gives again); an alert's key
	 * (its line's hash and ordinal) never comes twice in one run, and
	 * keeping them all would grow with every alert answered. */
	if ((r = journal_put(w, 'D', e->key, status)))
		goto fatal;
	begun_drop(w, e->key);
	ans.total_ns = mono_ns() - e->arrived;
	if (!ans.latency_ns)
		ans.latency_ns = ans.total_ns;
	if (ans.err) {
		w->st.failed++;
	} else {
		w->st.answered++;
		w->lat[lat_bucket(ans.latency_ns)]++;
		if (ans.latency_ns > w->st.latency_max_ns)
			w->st.latency_max_ns = ans.latency_ns;
	}
	w->ops->answer(w->ops->arg, &ans);
	bt_query_result_release(&qr);
	return 0;
fatal:
	bt_query_result_release(&qr);
	return r;
}

/* The queued entry q (its text freed) as the job to answer. */
static void take(struct watch *w, struct entry *q, struct job *e)
{
	e->key = q->key;
	e->arrived = q->arrived;
	e->line = q->line;
	e->err = 0;
	if (!q->text) {
		memset(&e->a, 0, sizeof(e->a));
		e->a.time = BT_TIME_NONE;
		e->err = q->too_long ? BT_ECORRUPT : BT_ENOMEM;
		if (q->too_long)
			snprintf(e->msg, sizeof(e->msg), "%s:%" PRIu64 ": "
				 "longer than %u bytes",
				 bt_alertsrc_name(w->src), q->line,
				 BT_ALERT_LINE_MAX);
		else
			snprintf(e->msg, sizeof(e->msg), "%s:%" PRIu64 ": no "
				 "memory to queue it", bt_alertsrc_name(w->src),
				 q->line);
	} else if ((e->err = bt_alert_parse(&e->a, q->text, q->len,
					    bt_alertsrc_name(w->src),
					    q->line))) {
		snprintf(e->msg, sizeof(e->msg), "%s", bt_error_msg());
	}
	free(q->text);
	q->text = NULL;
}

/* Bring w->st up to date (engine thread). */
static void fill_status(struct watch *w)
{
	const struct bt_graph *g = w->f ? bt_follow_graph(w->f) : NULL;
	struct bt_follow_stats fs;
	struct mallinfo2 mi;

	pthread_mutex_lock(&w->q.mu);
	w->st.queued = w->q.n;
	w->st.dropped = w->q.dropped;
	pthread_mutex_unlock(&w->q.mu);
	w->st.graph_bytes = g ? bt_graph_memory(g) : 0;
	w->st.cache_bytes = g ? bt_graph_cache_memory(g) : 0;
	mi = mallinfo2();
	w->st.heap_used = mi.uordblks + mi.hblkhd;
	w->st.heap_held = mi.arena + mi.hblkhd;
	w->st.latency_p50_ns = lat_quantile(w, w->st.answered, 0.5);
	w->st.latency_p99_ns = lat_quantile(w, w->st.answered, 0.99);
	if (w->f) {
		bt_follow_stats(w->f, &fs);
		w->st.loads = fs.loads;
		w->st.load_ns = fs.load_ns;
		w->st.restarts = fs.restarts;
		w->st.incremental = fs.incremental;
	}
}

static void status(struct watch *w, bool force)
{
	uint64_t now = mono_ns();

	if (w->o->report && *w->o->report) {
		*w->o->report = 0;
		if (w->ops->report) {
			fill_status(w);
			w->ops->report(w->ops->arg, &w->st);
		}
	}
	if (!w->ops->status || (!force && now - w->last_status < 1000000000u))
		return;
	w->last_status = now;
	fill_status(w);
	w->ops->status(w->ops->arg, &w->st);
}

/* Tell about drops since the last time (first of a burst, then every
 * power of two). */
static void tell_drops(struct watch *w, uint64_t dropped)
{
	if (dropped > w->drop_told && (!w->drop_told ||
				       (dropped & (dropped - 1)) == 0 ||
				       dropped - w->drop_told >= 1024)) {
		say(w, true, "the alert queue is full (%zu): %" PRIu64
		    " alert%s dropped so far", w->q.cap, dropped,
		    dropped == 1 ? "" : "s");
		w->drop_told = dropped;
	}
}

int bt_watch_run(const struct bt_watch_opts *o, const struct bt_watch_ops *ops,
		 struct bt_watch_summary *sum)
{
	struct watch w = { .o = o, .ops = ops, .jfd = -1 };
	struct entry qe;
	struct job cur;
	size_t i;
	pthread_t th;
	bool started = false;
	int r;

	if (sum)
		memset(sum, 0, sizeof(*sum));
	if (!o->queue || o->queue > BT_WATCH_QUEUE_MAX)
		return bt_error_set(BT_EINVAL, "the queue holds 1 to %u alerts",
				    BT_WATCH_QUEUE_MAX);
	bt_u64map_init(&w.ordinals);
	bt_u64map_init(&w.done);
	pthread_mutex_init(&w.q.mu, NULL);
	pthread_cond_init(&w.q.not_empty, NULL);
	pthread_cond_init(&w.q.not_full, NULL);
	w.q.cap = o->queue;
	w.q.v = calloc(o->queue, sizeof(*w.q.v));
	if (!w.q.v) {
		r = bt_error_set(BT_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = journal_open(&w)) || (r = bt_follow_open(&w.f, o->log)) ||
	    (r = bt_alertsrc_open(&w.src, o->alerts)))
		goto out;
	refresh(&w);
	if (pthread_create(&th, NULL, reader, &w)) {
		r = bt_error_set(BT_EIO, "cannot start a thread");
		goto out;
	}
	started = true;
	for (;;) {
		struct timespec ts;
		uint64_t dropped;

		pthread_mutex_lock(&w.q.mu);
		while (!w.q.n && !w.q.ended && !stopping(&w) &&
		       !w.q.nnotes) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += POLL_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			if (pthread_cond_timedwait(&w.q.not_empty, &w.q.mu,
						   &ts) == ETIMEDOUT)
				break;
		}
		if (w.q.nnotes)
			tell_notes(&w);
		dropped = w.q.dropped;
		if (stopping(&w) || (!w.q.n && w.q.ended)) {
			pthread_mutex_unlock(&w.q.mu);
			break;
		}
		if (!w.q.n) {
			pthread_mutex_unlock(&w.q.mu);
			tell_drops(&w, dropped);
			/* idle: keep the graph up to date (cheap: an
			 * extension), so the next alert finds it there;
			 * with no graph yet (the log did not exist or was
			 * empty at the start), load it as it appears, so
			 * the first alert does not pay a load of all of it */
			if (incremental(&w) || !bt_follow_graph(w.f))
				refresh(&w);
			status(&w, false);
			continue;
		}
		/* Copy out, so the reader may refill the slot. */
		qe = w.q.v[w.q.head];
		w.q.head = (w.q.head + 1) % w.q.cap;
		w.q.n--;
		w.q.bytes -= qe.len;
		pthread_cond_signal(&w.q.not_full);
		pthread_mutex_unlock(&w.q.mu);
		tell_drops(&w, dropped);
		take(&w, &qe, &cur);
		if ((r = answer(&w, &cur)))
			break;
		status(&w, false);
	}
	if (started) {
		__atomic_store_n(&w.halt, 1, __ATOMIC_RELAXED);
		pthread_join(th, NULL);
	}
	if (w.q.nnotes) {
		pthread_mutex_lock(&w.q.mu);
		tell_notes(&w);
		pthread_mutex_unlock(&w.q.mu);
	}
	if (!r && w.q.err)
		r = bt_error_set(w.q.err, "%s", w.q.errmsg);
	tell_drops(&w, w.q.dropped);
	status(&w, true);
	fill_status(&w);
	if (sum) {
		sum->st = w.st;
		sum->st.dropped = w.q.dropped;
		sum->unanswered = w.q.n;
		sum->source_ended = w.q.ended && !(o->stop && *o->stop) &&
				    !w.q.err;
	}
out:
	bt_alertsrc_close(w.src);
	bt_follow_close(w.f);
	if (w.jfd >= 0)
		close(w.jfd);
	/* The reader has stopped (or never started): what it queued. */
	for (i = 0; w.q.v && i < w.q.n; i++)
		free(w.q.v[(w.q.head + i) % w.q.cap].text);
	free(w.q.v);
	free(w.begun);
	bt_u64map_release(&w.ordinals);
	bt_u64map_release(&w.done);
	pthread_mutex_destroy(&w.q.mu);
	pthread_cond_destroy(&w.q.not_empty);
	pthread_cond_destroy(&w.q.not_full);
	return r;
}
