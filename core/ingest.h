/*
 * ingest.h - turn observations into log objects and events.
 *
 * Every capture source (the JSONL and auditd importers, the ptrace recorder,
 * the kernel ring drainer, the synthetic generator's checks) describes what
 * it saw as a struct bt_obs: pids, paths, inodes, page indexes.  bt_ingest
 * interns those into objects (a process is (pid, start), a file (dev, ino),
 * a filename a path, a page (file, index), an endpoint an address), writes
 * each object record once, and writes the events the dependency rules give
 * (DESIGN.md, man/btrack-log.5).  It commits after each observation, so the
 * log never holds half of one.
 *
 * It does not decide what a source means (that is the importer's job) and
 * allocates only when a new object appears, never per event.
 *
 * Rules it applies beyond the plain op -> event mapping:
 *  - A pid seen after its exit, or with a different start time, is a new
 *    process.  A process first seen without a fork gets start = its first
 *    observation's time (or bt_obs.start when the source knows it).
 *  - Files are found by (dev, ino) when the source gives them, otherwise by
 *    path: a created path after an unlink or before any sighting is a new
 *    file, rename moves the file to the new path (binding the new name
 *    before dropping the old, so the file keeps its identity; a file the
 *    rename replaced loses that name; a renamed directory takes the paths
 *    under it along), link adds a path.  A real file's
 *    (dev, ino) is forgotten when its last name goes, so a reused inode
 *    is a new file.
 *  - /proc/{self,PID}/fd/N, /proc/PID/task/TID/fd/N, /dev/fd/N and
 *    /dev/std{in,out,err} name descriptors: never bound to a file,
 *    labelled or made a filename (with an inode the observation reaches
 *    the file, without one it is ignored).
 *  - SYMLINK makes the link's own file (written by its creator) under a
 *    modified name; PIPE always makes a new file flagged BT_FILEF_PIPE;
 *    any file an observation makes gets its file_flags; CHMOD and CHOWN
 *    are process -> file.
 *  - Credentials: per process the last known uid/euid/gid/egid (a forked
 *    child inherits its parent's); an observation whose known fields
 *    differ writes a BT_LABEL_CRED label at its time.
 *  - A file that loses its last name forgets its (dev, ino): an
 *    observation BY NAME of them later is a new file (the inode was
 *    reused).  One THROUGH A DESCRIPTOR (via_fd) of them is the file the
 *    descriptor was opened on (a descriptor keeps its inode alive), until
 *    a named observation makes the new file.
 *  - A filename that some process created, renamed, linked or unlinked is
 *    "modified"; later reads, writes and execs through it add a LOOKUP event
 *    filename -> process (BackTracker's name dependency).  Names never
 *    modified in the log add nothing, which keeps /etc and /usr out.
 *  - Process memory: MEM_WRITE is a MEM_WRITE event from the actor to
 *    process `peer`, MEM_READ a MEM_READ event from `peer` to the actor
 *    (the live process of that pid, or with peer_start the one that
 *    started then; one never seen is made, started at the observation,
 *    and without peer_start the first start a later observation of that
 *    pid gives, if not after it, is taken as its own: the eBPF and
 *    auditd sources do not know a target's start).
 *    A READ or WRITE of /proc/PID/mem or /proc/PID/task/TID/mem is the
 *    same (peer PID; TID's process is PID), and so is one by inode
 *    alone (a descriptor's) of a file last bound to such a path; of the
 *    actor's own memory
 *    (/proc/self/mem, its own pid) it is no dependency.  Its pid is the
 *    actor's pid namespace's: a path from another namespace names
 *    another process (a limit: sources name paths from their root).
 *  - mmap makes a region object; page events name the region of the same
 *    process and file that holds the page (aux).
 *  - Endpoints: by remote address, or with `local` by (remote, local):
 *    one endpoint per connection end, its record's address the remote,
 *    a BT_LABEL_LOCAL label the local address.  A CONNECT or ACCEPT with
 *    `local` makes a new one even if the pair was seen (a reused port
 *    pair is a new connection).  Both ends of one connection, seen in
 *    one log, are matched into a channel at query time (graph/channel.h).
 */
#ifndef BT_INGEST_H
#define BT_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "raw.h"
#include "record.h"

/* One observation.  Fields not used by an op are ignored; strings are
 * borrowed for the duration of bt_ingest_add(). */
struct bt_obs {
	uint64_t time;          /* ns since the epoch */
	unsigned op;            /* enum bt_raw_op */
	uint32_t pid;           /* the acting process */
	uint64_t start;         /* its start time if known, else 0 */
	uint32_t ppid;          /* 0 if unknown */
	uint32_t uid;           /* UINT32_MAX if unknown */
	const char *exe;        /* NULL if unknown */
	const char *comm;       /* NULL if unknown */
	const char *cgroup;     /* the process's cgroup path, NULL if
	                           unknown: a BT_LABEL_CGROUP when it changes */

	uint32_t child;         /* FORK: the new process's pid */
	uint64_t child_start;   /* FORK: its start time if known, else time */

	const char *path;       /* file ops: absolute path (NULL if unknown) */
	const char *new_path;   /* RENAME, LINK: the new name */
	bool has_ino;           /* dev and ino are valid */
	uint64_t dev, ino;
	bool exchange;          /* RENAME: the two names swapped files
	                           (renameat2 RENAME_EXCHANGE); the file
	                           new_path named is (dev2, ino2) when
	                           has_ino2, else the one bound to it */
	bool has_ino2;
	uint64_t dev2, ino2;

	const char *const *argv;/* EXEC */
	size_t argc;

	bool shared;            /* MMAP: MAP_SHARED */
	unsigned prot;          /* MMAP: BT_PROT_READ | BT_PROT_WRITE */
	uint64_t map_first;     /* MMAP: first page of the file mapped */
	uint64_t map_count;     /* MMAP: pages mapped, 0 if unknown (= all) */
	uint64_t page;          /* PAGE_READ, PAGE_WRITE: page index */

	const char *remote;     /* CONNECT, ACCEPT, RECV, SEND: "addr:port" */
	const char *local;      /* the same: the socket's own "addr:port"
	                           (getsockname), NULL or "" if unknown:
	                           then the endpoint is the remote address
	                           alone, else one end of one connection */
	uint64_t bytes;         /* READ, WRITE, RECV, SEND: 0 if unknown */
	bool empties;           /* TRUNCATE: to length 0 (O_TRUNC, or a
	                           length of 0 given): BT_EVF_EMPTY; false
	                           when the length is another or unknown */

	/* The acting process's credentials when known (UINT32_MAX if not;
	 * `uid` above is the real uid).  SETID: the credentials after the
	 * call.  A change from the last known ones is a BT_LABEL_CRED. */
	uint32_t euid, gid, egid;

	uint32_t file_flags;    /* BT_FILEF_PIPE, BT_FILEF_ANON for a file
	                           made by this observation (PIPE, a read or
	                           write of a channel, memfd) */
	const char *target;     /* SYMLINK: the link's content as given;
	                           `path` is the link's own (absolute) name */
	uint32_t mode;          /* CHMOD: the new mode (UINT32_MAX unknown) */
	uint32_t owner, group;  /* CHOWN: UINT32_MAX = unchanged/unknown */
	bool via_fd;            /* through a descriptor, not a name: the
	                           (dev, ino) is the file the descriptor was
	                           opened on, even after its last name went */
	uint32_t peer;          /* MEM_WRITE, MEM_READ: the process whose
	                           memory is written or read (its tgid) */
	uint64_t peer_start;    /* its start time if known, else 0 */
};

/*
 * Where every capture source sends its observations: one shape for the
 * JSONL and auditd importers, the recorder and the kernel ring drainer.
 * add() returns 0 or a negative enum bt_error (passed up unchanged by the
 * source).  bt_ingest_sink() gives the sink that writes into a log;
 * tests can pass their own to see what a source observed.
 */
struct bt_obs_sink {
	int (*add)(void *arg, const struct bt_obs *o);
	void *arg;
};

/* Initialise an observation: everything zero, uid, euid, gid, egid, mode,
 * owner and group unknown. */
void bt_obs_init(struct bt_obs *o);

struct bt_ingest_stats {
	uint64_t observations;
	uint64_t events;
	uint64_t objects[BT_REC_TYPE_MAX + 1];  /* by record type */
	uint64_t ignored;       /* observations that make no dependency */
};

struct bt_ingest;

/* Start ingesting into `w` (borrowed; must outlive the ingest).  The caller
 * owns *out (bt_ingest_free()). */
int bt_ingest_new(struct bt_ingest **out, struct bt_log_writer *w);

/*
 * Add one observation.  BT_EINVAL (with a message that says which field)
 * for one that cannot be meaningful, e.g. a rename without new_path; the log
 * is unchanged then, and later observations are taken.  BT_EIO, BT_ENOMEM
 * and BT_ELIMIT pass up unchanged; the log is rolled back to the last
 * commit (bt_log_writer_rollback()) and every later call fails with the
 * same error: ingest never leaves half an observation.
 */
int bt_ingest_add(struct bt_ingest *ing, const struct bt_obs *o);

void bt_ingest_stats(const struct bt_ingest *ing, struct bt_ingest_stats *out);

/* The sink that calls bt_ingest_add(ing, ...); ing is borrowed. */
struct bt_obs_sink bt_ingest_sink(struct bt_ingest *ing);

void bt_ingest_free(struct bt_ingest *ing);

/* Names of raw ops ("fork", "page_read") and back; NULL / BT_EINVAL. */
const char *bt_raw_op_name(unsigned op);
int bt_raw_op_parse(unsigned *out, const char *name);

#endif
