/*
 * record.h - the btrack log format and the raw capture record.
 *
 * This is the one definition of what btrack records, so it uses
 * fixed-width types only and contains no code.  The raw capture record
 * that kernel sources write is core/raw.h.  The prose specification is
 * man/btrack-log.5; this comment and that page must agree.
 *
 * A log file is a 64-byte header, then its body up to `committed`:
 *
 *   offset  size  field
 *   0       8     magic "BTRKLOG\0"
 *   8       4     format version: 1 or 2 (BT_LOG_VERSION, the one written)
 *   12      4     flags (BT_LOGF_*)
 *   16      8     committed: end offset of the last complete record; the
 *                 writer advances it (release store) only after the records
 *                 (version 2: and the block checksum) it covers are fully
 *                 written.  Bytes past it are not part of the log (a torn
 *                 tail, or preallocated zeros).
 *   24      8     created: ns since the epoch (UTC) when the log was created
 *   32      4     header size (BT_LOG_HEADER_SIZE); the body starts here
 *   36      4     version 2: block size (BT_LOG_BLOCK_SIZE); version 1: 0
 *   40      4     version 2: hcrc, CRC-32C of bytes 0-11, 24-39 and 48-63
 *                 (the fields that never change); version 1: 0
 *   44      4     version 2: ccrc, CRC-32C of bytes 12-23 (flags and
 *                 committed) written when the writer closes the log, 0
 *                 while it is open; version 1: 0
 *   48      16    reserved, 0 (covered by hcrc)
 *   64      ...   the body, up to `committed`
 *
 * Every field is little-endian.  The file may be longer than `committed`
 * (the writer preallocates in chunks; the bytes past it are zeros).
 *
 * Version 1 body: records, each 8-byte aligned, in the layout of the
 * structs below (their "canonical form").  Every record starts with a
 * 8-byte head { u16 type, u16 x, u32 y }.  An event record (type
 * BT_REC_EVENT) is exactly 24 bytes: the head's x is { u8 op, u8 flags } and
 * y is `aux`.  Every other record is variable length and y is its length in
 * bytes (a multiple of 8, at least the fixed part of its type); x is 0.
 * Object ids are assigned by the writer, 1, 2, 3 ... in the order the object
 * records appear; 0 means "none".  An event refers only to objects defined
 * before it.  Strings inside records are a u32 byte length, the bytes, a
 * NUL, and zero padding to the record's 8-byte end; a reader checks that
 * the NUL is there, so a borrowed pointer to the bytes is a C string (which
 * may be shorter than its length if it holds a NUL).
 *
 * Version 2 body: checksummed blocks of compact records (struct
 * bt_log_block; man/btrack-log.5 has the encoding byte by byte).  Each
 * block decodes on its own to the same canonical records as version 1; the
 * reader returns the canonical form whatever the version.
 */
#ifndef BT_RECORD_H
#define BT_RECORD_H

/* The kernel's fixed-width types, in the kernel and in user space alike
 * (user space gets them from the UAPI header, so this file and any other
 * UAPI header agree on them). */
#include <linux/types.h>

#define BT_LOG_MAGIC "BTRKLOG"   /* 8 bytes with the NUL */
#define BT_LOG_VERSION 2        /* the version new logs are written in */
#define BT_LOG_VERSION_MIN 1    /* the oldest version read */
#define BT_LOG_HEADER_SIZE 64
#define BT_LOG_BLOCK_SIZE 65536 /* version 2: a block's usual largest size */

/* Log flags. */
#define BT_LOGF_CLOSED    0x1   /* the writer closed the log cleanly */
#define BT_LOGF_OBJ_LEVEL 0x2   /* some shared mappings were recorded at
                                   object level only (e.g. static binaries) */
#define BT_LOGF_ALL       0x3   /* the flags a version 2 log may have */

struct bt_log_header {
	char magic[8];
	__u32 version;
	__u32 flags;
	__u64 committed;
	__u64 created;
	__u32 header_size;
	__u32 block_size;   /* v2; 0 in v1 */
	__u32 hcrc;         /* v2; 0 in v1 */
	__u32 ccrc;         /* v2; 0 in v1 */
	__u8 reserved[16];  /* 0; room for later fields (e.g. the owner of a
	                       capture, or a reader's offsets) */
};

/*
 * Version 2 block header, at an 8-byte aligned offset; the first block
 * starts at BT_LOG_HEADER_SIZE and each next one at the end of the one
 * before, rounded up to 8 (the padding bytes are zero).  `used` and `crc`
 * are one 64-bit word the writer updates with one release store per commit:
 * `crc` is the CRC-32C of bytes 8-31 of this header followed by the `used`
 * bytes of records after it, so a commit hashes only what it adds.  The
 * other fields never change once the block exists.  A block holds at most
 * block_size bytes (this header included) unless it holds one record only.
 * Decoding state (previous time, cause, effect) starts afresh in each block
 * from base_time and zeros, so blocks decode independently.
 */
struct bt_log_block {
	__u32 used;      /* bytes of records after this 32-byte header, >= 1 */
	__u32 crc;
	__u32 seq;       /* block number: 0, 1, 2 ... */
	__u32 objects;   /* objects defined before this block */
	__u64 base_time; /* time of the last event before it, 0 if none */
	__u64 events;    /* events before this block */
};
#define BT_LOG_BLOCK_HEADER 32

/* Record types. */
enum bt_rec_type {
	BT_REC_EVENT    = 1,  /* struct bt_rec_event, 24 bytes */
	BT_REC_PROCESS  = 2,  /* struct bt_rec_process */
	BT_REC_FILE     = 3,  /* struct bt_rec_file */
	BT_REC_FILENAME = 4,  /* struct bt_rec_filename + path string */
	BT_REC_PAGE     = 5,  /* struct bt_rec_page */
	BT_REC_ENDPOINT = 6,  /* struct bt_rec_endpoint + address string */
	BT_REC_REGION   = 7,  /* struct bt_rec_region: a mapped file range */
	BT_REC_LABEL    = 8,  /* struct bt_rec_label + string: an attribute */
	BT_REC_NOTE     = 9,  /* struct bt_rec_note + string: source, drops */
	BT_REC_SEAL     = 10, /* struct bt_rec_seal: a seal (core/seal.h) */
	BT_REC_TYPE_MAX = 10
};

/* Object kinds, as seen by the graph.  The object record types above. */
enum bt_obj_kind {
	BT_OBJ_NONE     = 0,
	BT_OBJ_PROCESS  = BT_REC_PROCESS,
	BT_OBJ_FILE     = BT_REC_FILE,
	BT_OBJ_FILENAME = BT_REC_FILENAME,
	BT_OBJ_PAGE     = BT_REC_PAGE,
	BT_OBJ_ENDPOINT = BT_REC_ENDPOINT,
	BT_OBJ_REGION   = BT_REC_REGION
};

/*
 * Operations.  Each event is one dependency cause -> effect.  The table of
 * which objects may stand on each side is in man/btrack-log.5 and enforced
 * by the reader (bt_op_kinds_ok() in log.h).
 */
enum bt_op {
	BT_OP_FORK       = 1,   /* process -> process (fork, clone, vfork) */
	BT_OP_EXEC       = 2,   /* file -> process */
	BT_OP_READ       = 3,   /* file -> process (read, pread, readv, ...) */
	BT_OP_WRITE      = 4,   /* process -> file (write, pwrite, writev) */
	BT_OP_TRUNCATE   = 5,   /* process -> file */
	BT_OP_MMAP_READ  = 6,   /* file -> process: a readable mapping */
	BT_OP_MMAP_WRITE = 7,   /* process -> file: a writable shared mapping */
	BT_OP_PAGE_READ  = 8,   /* page -> process */
	BT_OP_PAGE_WRITE = 9,   /* process -> page */
	BT_OP_CREATE     = 10,  /* process -> filename */
	BT_OP_RENAME     = 11,  /* process -> filename (old and new name) */
	BT_OP_LINK       = 12,  /* process -> filename (the new name) */
	BT_OP_UNLINK     = 13,  /* process -> filename */
	BT_OP_LOOKUP     = 14,  /* filename -> process: path resolution */
	BT_OP_CONNECT    = 15,  /* endpoint -> process */
	BT_OP_ACCEPT     = 16,  /* endpoint -> process */
	BT_OP_RECV       = 17,  /* endpoint -> process */
	BT_OP_SEND       = 18,  /* process -> endpoint */
	BT_OP_SYMLINK    = 19,  /* process -> filename: the link's name */
	BT_OP_CHMOD      = 20,  /* process -> file: mode changed */
	BT_OP_CHOWN      = 21,  /* process -> file: owner or group changed */
	BT_OP_MEM_WRITE  = 22,  /* process -> process: the cause wrote into
	                           the effect's memory (/proc/PID/mem,
	                           process_vm_writev, ptrace POKEDATA) */
	BT_OP_MEM_READ   = 23,  /* process -> process: the effect read the
	                           cause's memory (/proc/PID/mem,
	                           process_vm_readv, ptrace PEEKDATA) */
	BT_OP_MAX        = 23
};

/* Event flags. */
#define BT_EVF_SHARED 0x1  /* mmap events: the mapping is MAP_SHARED */
#define BT_EVF_EMPTY  0x2  /* truncate: to length 0 (O_TRUNC, truncate(2)
                              or ftruncate(2) with length 0): what was
                              written before is gone, so a walk stops at
                              it (graph/walk.h).  Without it a truncate's
                              length is not 0 or not known: no cut. */

/*
 * aux, by op: READ/WRITE/RECV/SEND/MEM_WRITE/MEM_READ: bytes moved (saturated at 2^32-1, 0 if
 * unknown); PAGE_READ/PAGE_WRITE: the region object id the page was touched
 * through (0 if unknown); MMAP_*: the region object id; CHMOD: the new mode
 * (0xffffffff if unknown); others 0.
 */
struct bt_rec_event {
	__u16 type;    /* BT_REC_EVENT */
	__u8 op;       /* enum bt_op */
	__u8 flags;    /* BT_EVF_* */
	__u32 aux;
	__u64 time;    /* ns since the epoch, UTC */
	__u32 cause;   /* object id */
	__u32 effect;  /* object id */
};

/* Common head of every variable-length record. */
struct bt_rec_head {
	__u16 type;
	__u16 x;       /* 0 */
	__u32 len;     /* bytes, multiple of 8, including this head */
};

/* A process: (pid, start) is its identity. */
struct bt_rec_process {
	struct bt_rec_head h;
	__u32 id;
	__u32 pid;
	__u64 start;   /* ns since the epoch: fork time, or first sighting */
	__u32 ppid;    /* 0 if unknown */
	__u32 uid;     /* (__u32)-1 if unknown */
};

/* A file: (dev, ino) is its identity.  Importers without inodes number
 * files themselves and set BT_FILEF_SYNTH. */
#define BT_FILEF_SYNTH 0x1
#define BT_FILEF_PIPE  0x2  /* an unnamed channel: pipe, socketpair (a
                               named FIFO has its path too) */
#define BT_FILEF_ANON  0x4  /* no name in any file system: memfd, O_TMPFILE
                               before a link */
struct bt_rec_file {
	struct bt_rec_head h;
	__u32 id;
	__u32 flags;   /* BT_FILEF_* */
	__u64 dev;
	__u64 ino;
};

/* A string inside a record. */
struct bt_rec_str {
	__u32 len;     /* bytes, not counting the NUL that follows them */
	char s[];
};

/* A filename: a path. */
struct bt_rec_filename {
	struct bt_rec_head h;
	__u32 id;
	struct bt_rec_str path;
};

/* A shared-memory page: (file, index) is its identity. */
struct bt_rec_page {
	struct bt_rec_head h;
	__u32 id;
	__u32 file;    /* file object id */
	__u64 index;   /* page index in the file (offset / 4096) */
};

/* A remote endpoint, e.g. "203.0.113.9:4444" or "[2001:db8::1]:80".  With
 * a BT_LABEL_LOCAL label it is one end of one connection (local, remote). */
struct bt_rec_endpoint {
	struct bt_rec_head h;
	__u32 id;
	struct bt_rec_str addr;
};

/* A mapped range of a file, by one process: pages [first, first+count). */
struct bt_rec_region {
	struct bt_rec_head h;
	__u32 id;
	__u32 file;    /* file object id */
	__u32 process; /* process object id */
	__u32 prot;    /* BT_PROT_* */
	__u64 first;
	__u64 count;
};
/* The same values as the raw record's (core/raw.h defines them alike). */
#define BT_PROT_READ  0x1
#define BT_PROT_WRITE 0x2
#define BT_PROT_SHARED 0x4

/* An attribute of an object.  A later label of the same key replaces the
 * earlier one for display, except BT_LABEL_PATH, of which a file keeps all. */
enum bt_label_key {
	BT_LABEL_EXE  = 1,  /* process: the executable's path */
	BT_LABEL_ARGV = 2,  /* process: argv, NUL-separated */
	BT_LABEL_COMM = 3,  /* process: comm */
	BT_LABEL_PATH = 4,  /* file: a path it was seen under */
	BT_LABEL_CRED = 5,  /* process: credentials from `time` on, as
	                       "uid=N euid=N gid=N egid=N" (unknown fields
	                       left out); the process record's uid is the
	                       first one */
	BT_LABEL_CGROUP = 6, /* process: its cgroup (v2) path, as
	                        "/system.slice/docker-<id>.scope", from
	                        `time` on; a container id is derived from
	                        it at display (bt_cgroup_container()) */
	BT_LABEL_LOCAL = 7, /* endpoint: the socket's own address, same
	                       spelling as the record's (remote) address,
	                       "127.0.0.1:54321"; one per endpoint, written
	                       when it is made (an endpoint with it is one
	                       end of one connection: graph/channel.h) */
	BT_LABEL_MAX  = 7
};
struct bt_rec_label {
	struct bt_rec_head h;
	__u32 object;  /* object id */
	__u32 key;     /* enum bt_label_key */
	__u64 time;    /* when it became true */
	struct bt_rec_str value;
};

/* A note about the recording: who wrote it, what was dropped.  The reader
 * keeps notes for `btrack log info`. */
enum bt_note_key {
	BT_NOTE_SOURCE = 1,  /* e.g. "import jsonl events.jsonl" */
	BT_NOTE_DROPS  = 2,  /* "cause=count ..." */
	BT_NOTE_TEXT   = 3
};
struct bt_rec_note {
	struct bt_rec_head h;
	__u32 key;     /* enum bt_note_key */
	__u32 reserved;
	__u64 time;
	struct bt_rec_str text;
};

/* Whether a record type defines an object (and takes the next id). */
static inline int bt_rec_is_object(unsigned type)
{
	return type >= BT_REC_PROCESS && type <= BT_REC_REGION;
}

/* A seal over the records before it (core/seal.h, man/btrack-log.5): an
 * opaque payload that only the seal code interprets; the log carries it. */
struct bt_rec_seal {
	struct bt_rec_head h;
	__u32 len;     /* payload bytes */
	__u32 reserved;
	__u8 data[];
};

#endif /* BT_RECORD_H */
