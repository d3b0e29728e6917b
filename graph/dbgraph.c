/*
 * dbgraph.c - the dependency graph of a case database (graph/dbgraph.h):
 * the database's events, or those a walk needs, written into a temporary
 * log, then loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../core/db.h"
#include "../core/error.h"
#include "../core/log.h"
#include "../core/util.h"
#include "dbgraph.h"
#include "walk.h"

/* A private temporary file: a memfd (no disk, no fsync) through
 * /proc/self/fd when the kernel has them, else an unlinked file in
 * $TMPDIR.  *path is the caller's (tmp_close()). */
struct tmp {
	int fd;
	char *path;
	bool unlink;
};

/* A temporary log: read it, never index it (graph/index.h). */
static int load_tmp(struct bt_graph **out, const char *path,
		    bt_progress_fn progress, void *arg)
{
	struct bt_log *log;
	int err;

	*out = NULL;
	if ((err = bt_log_open(&log, path)))
		return err;
	return bt_graph_from_log(out, log, progress, arg);
}

static int tmp_open(struct tmp *t)
{
	const char *dir = getenv("TMPDIR");

	t->unlink = false;
	t->fd = memfd_create("btrack-db", MFD_CLOEXEC);
	if (t->fd >= 0) {
		if (asprintf(&t->path, "/proc/self/fd/%d", t->fd) < 0) {
			close(t->fd);
			return bt_error_set(BT_ENOMEM, "out of memory");
		}
		if (access(t->path, R_OK | W_OK) == 0)
			return 0;
		free(t->path);
		close(t->fd);
	}
	if (!dir || !*dir)
		dir = "/tmp";
	if (asprintf(&t->path, "%s/btrack-db-XXXXXX", dir) < 0)
		return bt_error_set(BT_ENOMEM, "out of memory");
	t->fd = mkstemp(t->path);
	if (t->fd < 0) {
		int err = bt_error_set_os(BT_EIO, "cannot create a temporary "
					  "file in '%s'", dir);

		free(t->path);
		return err;
	}
	t->unlink = true;
	return 0;
}

static void tmp_close(struct tmp *t)
{
	if (t->unlink)
		unlink(t->path);
	close(t->fd);
	free(t->path);
}

int bt_db_graph(struct bt_graph **out, struct bt_db *db,
		bt_progress_fn progress, void *arg)
{
	return bt_db_graph_host(out, db, NULL, progress, arg);
}

int bt_db_graph_host(struct bt_graph **out, struct bt_db *db,
		     const char *host, bt_progress_fn progress, void *arg)
{
	struct tmp t;
	int err;

	*out = NULL;
	if ((err = tmp_open(&t)))
		return err;
	err = bt_db_export_log_host(db, t.path, host, progress, arg);
	if (!err)
		err = load_tmp(out, t.path, progress, arg);
	tmp_close(&t);
	return err;
}

struct points {
	const char *const *specs;
	size_t n;
};

/* The detection points, found in the log of the objects alone. */
static int resolve(void *arg, const char *objects, uint32_t **starts,
		   size_t *n)
{
	const struct points *p = arg;
	struct bt_graph *g;
	uint64_t t;
	size_t i, cap = p->n + 1, k, ne;
	uint32_t *eps;
	int err = 0;

	*n = 0;
	if ((err = load_tmp(&g, objects, NULL, NULL)))
		return err;
	*starts = calloc(cap, sizeof(**starts));
	if (!*starts) {
		bt_graph_free(g);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	/* A spec that names nothing fails again, the same, on the walk's
	 * graph: left out here.  endpoint:ADDR is every end of a
	 * connection to ADDR (the walk starts from them all: walk.c). */
	for (i = 0; i < p->n && !err; i++) {
		if (!p->specs[i])
			continue;
		if (!strncmp(p->specs[i], "endpoint:", 9) &&
		    bt_graph_find_endpoints(g, p->specs[i] + 9, &eps,
					    &ne) == 0) {
			for (k = 0; k < ne && !err; k++)
				if (!(err = bt_grow(starts, &cap, *n + 2,
						    sizeof(**starts))))
					(*starts)[(*n)++] = eps[k];
			free(eps);
		} else if (bt_spec_resolve(&(*starts)[*n], &t, g,
					   p->specs[i]) == 0) {
			(*n)++;
		}
	}
	bt_graph_free(g);
	return err;
}

int bt_db_graph_walk(struct bt_graph **out, struct bt_db *db,
		     const char *host, enum bt_dir dir,
		     const char *const *specs, size_t n,
		     bt_progress_fn progress, void *arg)
{
	return bt_db_graph_walk_whole(out, db, host, dir, specs, n, false,
				      progress, arg);
}

/* What the detection points may name (struct bt_db_points): strings
 * owned here. */
struct want {
	char **s[3];            /* paths, filenames, endpoints */
	size_t n[3], cap[3];
	uint32_t *pids;
	size_t npids, pcap;
	int which, err;
};

static void want_add(void *arg, const char *str)
{
	struct want *w = arg;
	int k = w->which;
	char *d;

	if (w->err)
		return;
	if (!(d = strdup(str)) ||
	    bt_grow(&w->s[k], &w->cap[k], w->n[k] + 1, sizeof(*w->s[k]))) {
		free(d);
		w->err = bt_error_set(BT_ENOMEM, "out of memory");
		return;
	}
	w->s[k][w->n[k]++] = d;
}

static int want_specs(struct want *w, const char *const *specs, size_t n)
{
	size_t i;

	for (i = 0; i < n && !w->err; i++) {
		const char *sp = specs[i], *hash;
		char *path, *end;
		unsigned long v;

		if (!sp)
			continue;
		if (!strncmp(sp, "file:", 5) && sp[5]) {
			w->which = 0;
			bt_spec_path_candidates(sp + 5, want_add, w);
		} else if (!strncmp(sp, "filename:", 9) && sp[9]) {
			w->which = 1;
			bt_spec_path_candidates(sp + 9, want_add, w);
		} else if (!strncmp(sp, "endpoint:", 9) && sp[9]) {
			w->which = 2;
			want_add(w, sp + 9);
		} else if (!strncmp(sp, "page:", 5) &&
			   (hash = strrchr(sp + 5, '#')) && hash > sp + 5) {
			if (!(path = strndup(sp + 5, (size_t)(hash - sp - 5))))
				return bt_error_set(BT_ENOMEM,
						    "out of memory");
			w->which = 0;
			bt_spec_path_candidates(path, want_add, w);
			free(path);
		} else if (!strncmp(sp, "proc:", 5) && sp[5] >= '0' &&
			   sp[5] <= '9') {
			/* what does not parse fails on the walk's graph */
			v = strtoul(sp + 5, &end, 10);
			if (v > UINT32_MAX || (*end && *end != '@'))
				continue;
			if (bt_grow(&w->pids, &w->pcap, w->npids + 1,
				    sizeof(*w->pids)))
				return bt_error_set(BT_ENOMEM,
						    "out of memory");
			w->pids[w->npids++] = (uint32_t)v;
		}
	}
	return w->err;
}

static void want_free(struct want *w)
{
	size_t k, i;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < w->n[k]; i++)
			free(w->s[k][i]);
		free(w->s[k]);
	}
	free(w->pids);
}

int bt_db_graph_walk_whole(struct bt_graph **out, struct bt_db *db,
			   const char *host, enum bt_dir dir,
			   const char *const *specs, size_t n, bool whole,
			   bt_progress_fn progress, void *arg)
{
	struct points p = { specs, n };
	struct want w = { 0 };
	struct bt_db_points pt;
	struct tmp objs, walk;
	int err;

	*out = NULL;
	if ((err = want_specs(&w, specs, n))) {
		want_free(&w);
		return err;
	}
	pt = (struct bt_db_points){
		.paths = (const char *const *)w.s[0], .npaths = w.n[0],
		.filenames = (const char *const *)w.s[1],
		.nfilenames = w.n[1],
		.endpoints = (const char *const *)w.s[2],
		.nendpoints = w.n[2],
		.pids = w.pids, .npids = w.npids,
	};
	if ((err = tmp_open(&objs))) {
		want_free(&w);
		return err;
	}
	if ((err = tmp_open(&walk))) {
		tmp_close(&objs);
		want_free(&w);
		return err;
	}
	err = bt_db_export_walk(db, objs.path, walk.path, host,
				dir == BT_FORWARD, whole, &pt, resolve, &p,
				progress, arg);
	want_free(&w);
	tmp_close(&objs);
	if (!err)
		err = load_tmp(out, walk.path, progress, arg);
	tmp_close(&walk);
	return err;
}

/* ---- the host of each object ------------------------------------------ */

struct run {
	uint32_t first, last, host;
};

struct bt_hostmap {
	char **host;            /* [1..nhost] */
	size_t nhost;
	struct run *run;        /* by first id */
	size_t nrun;
	char *skew;             /* the clock skews reported, or NULL */
};

void bt_hostmap_free(struct bt_hostmap *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 1; i <= m->nhost; i++)
		free(m->host[i]);
	free(m->host);
	free(m->run);
	free(m->skew);
	free(m);
}

/* Parse the note (len bytes); 0, BT_ENOMEM, or 1 if malformed. */
static int parse_hosts(struct bt_hostmap *m, const char *t, size_t len)
{
	const char *end = t + len, *nl;
	size_t hcap = 0, rcap = 0;

	nl = memchr(t, '\n', len);
	if (!nl)
		return 1;
	for (t = nl + 1; t < end; t = nl + 1) {
		nl = memchr(t, '\n', (size_t)(end - t));
		if (!nl || nl - t < 2 || t[1] != ' ')
			return 1;
		if (t[0] == 'H') {
			if (bt_grow(&m->host, &hcap, m->nhost + 2,
				    sizeof(*m->host)))
				return BT_ENOMEM;
			m->host[0] = NULL;
			if (!(m->host[m->nhost + 1] =
			      strndup(t + 2, (size_t)(nl - t - 2))))
				return BT_ENOMEM;
			m->nhost++;
		} else if (t[0] == 'S') {
			free(m->skew);
			if (!(m->skew = strndup(t + 2, (size_t)(nl - t - 2))))
				return BT_ENOMEM;
		} else if (t[0] == 'R') {
			struct run r;
			char buf[64];
			size_t l = (size_t)(nl - t);

			if (l >= sizeof(buf))
				return 1;
			memcpy(buf, t, l);
			buf[l] = '\0';
			if (sscanf(buf, "R %u %u %u", &r.first, &r.last,
				   &r.host) != 3 || !r.host ||
			    r.host > m->nhost || r.first > r.last ||
			    (m->nrun && r.first <= m->run[m->nrun - 1].last))
				return 1;
			if (bt_grow(&m->run, &rcap, m->nrun + 1,
				    sizeof(*m->run)))
				return BT_ENOMEM;
			m->run[m->nrun++] = r;
		} else {
			return 1;
		}
	}
	return 0;
}

int bt_hostmap_new(struct bt_hostmap **out, const struct bt_graph *g)
{
	const struct bt_log *log = bt_graph_log(g);
	const size_t pl = sizeof(BT_DB_HOSTS_NOTE) - 1;
	const struct bt_rec_head *h;
	struct bt_log_iter it;
	struct bt_hostmap *m = NULL;
	int r = 0;

	*out = NULL;
	if (!log || !bt_graph_lead_notes(g))
		return 0;
	bt_log_iter_init(&it, log);
	while (bt_log_next(&it, &h) == 1 && h->type != BT_REC_EVENT) {
		const struct bt_rec_note *n = (const void *)h;

		if (h->type != BT_REC_NOTE || n->key != BT_NOTE_TEXT ||
		    n->text.len <= pl ||
		    memcmp(bt_rec_str(&n->text), BT_DB_HOSTS_NOTE, pl) ||
		    bt_rec_str(&n->text)[pl] != '\n')
			continue;
		if (!(m = calloc(1, sizeof(*m)))) {
			r = bt_error_set(BT_ENOMEM, "out of memory");
			break;
		}
		r = parse_hosts(m, bt_rec_str(&n->text), n->text.len);
		if (r == BT_ENOMEM)
			r = bt_error_set(BT_ENOMEM, "out of memory");
		if (r || m->nhost < 2) {
			bt_hostmap_free(m);
			m = NULL;
			r = r < 0 ? r : 0;
		}
		break;
	}
	bt_log_iter_release(&it);
	*out = m;
	return r;
}

const char *bt_hostmap_get(const struct bt_hostmap *m, uint32_t id)
{
	size_t lo = 0, hi;

	if (!m)
		return NULL;
	hi = m->nrun;
	while (lo < hi) {       /* the first run that ends at or after id */
		size_t mid = lo + (hi - lo) / 2;

		if (m->run[mid].last < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == m->nrun || m->run[lo].first > id)
		return NULL;
	return m->host[m->run[lo].host];
}

bool bt_hostmap_spans(const struct bt_hostmap *m, const struct bt_result *r)
{
	const char *one = NULL, *h;
	size_t i;

	if (!m)
		return false;
	for (i = 0; i < r->nnodes; i++) {
		if (!(h = bt_hostmap_get(m, r->nodes[i].obj)))
			continue;
		if (!one)
			one = h;
		else if (h != one)
			return true;
	}
	return false;
}

const char *bt_hostmap_skew(const struct bt_hostmap *m)
{
	return m ? m->skew : NULL;
}
