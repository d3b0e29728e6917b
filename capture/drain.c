/*
 * drain.c - drain the btrack module's per-CPU rings (see drain.h; the ring
 * format is kmod/btrack_ioctl.h, the prose man/btrack.ko.4).
 *
 * Per ring the drainer keeps its own tail and one pending record, copied
 * out of the ring (so the kernel may reuse the space at once) and decoded
 * into a struct bt_obs whose strings live in the ring's own buffer.  The
 * ring memory is untrusted: head is checked against tail and the ring
 * size, each record's length against what is published and the end of the
 * ring, each string against its record; bad framing skips the ring to its
 * head (a resync), a bad record is skipped and counted.  Nothing here
 * allocates per record.
 *
 * It does not write the log and does not decide what an observation means
 * (core/ingest.c does).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.h"
#include "drain.h"

struct ring {
	struct bt_ring_ctl *ctl;     /* shared with the kernel or a test */
	const uint8_t *data;
	uint64_t tail;               /* our copy; published to ctl->tail */
	bool have;                   /* dec.obs holds a pending record */
	struct bt_raw_dec dec;       /* the record, copied out, decoded */
};

struct bt_drain {
	int fd;                      /* -1 for memory rings */
	unsigned nrings;
	uint64_t size, mask;
	uint64_t window;
	struct ring *rings;
	struct bt_drain_stats st;    /* the drainer's own counters */
};

static const char *const drop_names[BT_DROP_NCAUSE] = {
	"full", "fault", "toolong", "nested", "lock", "rearm"
};

const char *bt_drop_name(unsigned cause)
{
	return cause < BT_DROP_NCAUSE ? drop_names[cause] : NULL;
}

/* ---- paths ------------------------------------------------------------ */

bool bt_drain_normpath(char *p)
{
	static const char deleted[] = " (deleted)";
	size_t len = strlen(p), dl = sizeof(deleted) - 1;
	char *w = p, *r = p;

	if (p[0] != '/')
		return false;
	if (len > dl && !strcmp(p + len - dl, deleted))
		p[len - dl] = 0;
	/* w writes the result; it always ends without a trailing '/'
	 * except for the root itself. */
	while (*r) {
		char *seg;
		size_t n;

		while (*r == '/')
			r++;
		seg = r;
		while (*r && *r != '/')
			r++;
		n = r - seg;
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (w > p && *--w != '/')
				;
			continue;
		}
		*w++ = '/';
		memmove(w, seg, n);
		w += n;
	}
	if (w == p)
		*w++ = '/';
	*w = 0;
	return true;
}

/* ---- decoding --------------------------------------------------------- */

static bool op_has_file(unsigned op)
{
	switch (op) {
	case BT_RAW_EXEC: case BT_RAW_OPEN: case BT_RAW_READ:
	case BT_RAW_WRITE: case BT_RAW_TRUNCATE: case BT_RAW_MMAP:
	case BT_RAW_MUNMAP: case BT_RAW_PAGE_READ: case BT_RAW_PAGE_WRITE:
	case BT_RAW_CREATE: case BT_RAW_RENAME: case BT_RAW_LINK:
	case BT_RAW_UNLINK: case BT_RAW_CHMOD: case BT_RAW_CHOWN:
	case BT_RAW_PIPE:
		return true;
	}
	return false;
}

/* FORK and EXEC from the eBPF source carry the acting process's cgroup v2
 * id in arg2 (the module sends 0: unknown); its path, when it resolves,
 * becomes obs.cgroup. */
static void cgroup(struct bt_raw_dec *r, uint64_t id)
{
	if (id && bt_cgroup_path(id, r->cgroup, sizeof(r->cgroup)))
		r->obs.cgroup = r->cgroup;
}

/* Bytes 0x21-0x7e but '\\' as they are, others as \xNN: the ptrace
 * recorder's spelling of a unix socket name. */
static size_t put_escaped(char *out, size_t n, const uint8_t *s, size_t len)
{
	size_t o = 0, i;

	for (i = 0; i < len && o + 5 < n; i++) {
		if (s[i] >= 0x21 && s[i] < 0x7f && s[i] != '\\')
			out[o++] = (char)s[i];
		else
			o += (size_t)snprintf(out + o, n - o, "\\x%02x", s[i]);
	}
	out[o] = 0;
	return o;
}

/* Format the struct bt_raw_addr string s of n bytes (eBPF, BT_RAWF_ADDR)
 * as text into out: "a.b.c.d:port", "[v6]:port" (a v4-mapped address as
 * IPv4: one name for one remote), "unix:PATH", "unix:@ABSTRACT",
 * "unix:unnamed", with "#INO" for a unix stream connection.  false for a
 * malformed one. */
static bool fmt_addr(char *out, size_t cap, const char *s, size_t n)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct bt_raw_addr a;
	char ip[INET6_ADDRSTRLEN];
	const uint8_t *nm = (const uint8_t *)s + sizeof(a);
	size_t nl = n - sizeof(a), o;

	if (n < sizeof(a))
		return false;
	memcpy(&a, s, sizeof(a));
	switch (a.family) {
	case BT_RAW_AF_INET:
		if (nl || a.ino)
			return false;
		inet_ntop(AF_INET, a.addr, ip, sizeof(ip));
		snprintf(out, cap, "%s:%u", ip, a.port);
		return true;
	case BT_RAW_AF_INET6:
		if (nl || a.ino)
			return false;
		if (!memcmp(a.addr, mapped, 12)) {
			inet_ntop(AF_INET, a.addr + 12, ip, sizeof(ip));
			snprintf(out, cap, "%s:%u", ip, a.port);
		} else {
			inet_ntop(AF_INET6, a.addr, ip, sizeof(ip));
			snprintf(out, cap, "[%s]:%u", ip, a.port);
		}
		return true;
	case BT_RAW_AF_UNIX:
		if (a.port || nl > 108)
			return false;
		o = (size_t)snprintf(out, cap, "unix:");
		if (!nl) {
			o += (size_t)snprintf(out + o, cap - o, "unnamed");
		} else if (!nm[0]) {            /* abstract: every byte */
			out[o++] = '@';
			o += put_escaped(out + o, cap - o, nm + 1, nl - 1);
		} else {                        /* a path: up to a NUL */
			o += put_escaped(out + o, cap - o, nm,
					 strnlen((const char *)nm, nl));
		}
		if (a.ino)
			snprintf(out + o, cap - o, "#%u", a.ino);
		return true;
	}
	return false;
}

/* Decode the record copied into r->rec (len bytes, framing already
 * checked) into r->obs, accepting ops up to max_op.  false for a record
 * that cannot be meaningful. */
static bool decode(struct bt_raw_dec *r, size_t len, unsigned max_op)
{
	const struct bt_raw *raw = (const struct bt_raw *)r->rec;
	const uint8_t *b = (const uint8_t *)r->rec;
	const char *str[2] = { NULL, NULL };
	size_t slen[2] = { 0, 0 };
	struct bt_obs *o = &r->obs;
	size_t off = BT_RAW_HEAD, so = 0, end = len;
	unsigned op = raw->op, i;
	bool ebpf = max_op > BT_RAW_SEND;
	uint64_t cg = 0;

	/* Only the ops the source produces: the user-space ones after
	 * BT_RAW_SEND (symlink, chmod, ...) in a module's ring are bad
	 * bytes, but for MEM_WRITE and MEM_READ (raw version 3); the eBPF
	 * source has them all. */
	if (op < 1 || raw->nstr > 2 || !raw->pid || !raw->time ||
	    (op > max_op && op != BT_RAW_MEM_WRITE &&
	     op != BT_RAW_MEM_READ) || op > BT_RAW_OP_MAX)
		return false;
	/* eBPF: the cgroup id after the strings (not on FORK and EXEC,
	 * whose arg32 and arg2 say otherwise) */
	if (ebpf && op != BT_RAW_FORK && op != BT_RAW_EXEC &&
	    (raw->arg32 & BT_RAWF_CGROUP)) {
		if (len < BT_RAW_HEAD + 8)
			return false;
		end = len - 8;
		memcpy(&cg, b + end, 8);
		if (!cg)
			return false;
	}
	for (i = 0; i < raw->nstr; i++) {
		uint16_t n;

		if (off + 2 > end)
			return false;
		memcpy(&n, b + off, 2);
		off += 2;
		if (n > end - off)
			return false;
		memcpy(r->strs + so, b + off, n);
		r->strs[so + n] = 0;
		str[i] = r->strs + so;
		slen[i] = n;
		so += n + 1;
		off += n;
	}
	if (((off + 7) & ~(size_t)7) != end)
		return false;

	bt_obs_init(o);
	o->time = raw->time;
	o->op = op;
	o->pid = raw->pid;
	o->start = raw->start;
	if (cg)
		cgroup(r, cg);
	if (op_has_file(op) && (raw->arg32 & BT_RAWF_INO)) {
		o->has_ino = true;
		o->dev = raw->dev;
		o->ino = raw->ino;
	}
	switch (op) {
	case BT_RAW_FORK:
		if (!raw->arg32 || raw->nstr)
			return false;
		o->child = raw->arg32;
		o->child_start = raw->arg ? raw->arg : raw->time;
		cgroup(r, raw->arg2);
		return true;
	case BT_RAW_EXIT:
		return raw->nstr == 0;
	case BT_RAW_MEM_WRITE: case BT_RAW_MEM_READ:
		/* the target's pid in arg32's low bits (core/raw.h) */
		o->peer = raw->arg32 & BT_RAW_PID_MASK;
		o->peer_start = raw->arg2;
		o->bytes = raw->arg;
		return o->peer && !raw->nstr;
	case BT_RAW_CONNECT: case BT_RAW_ACCEPT: case BT_RAW_RECV:
	case BT_RAW_SEND:
		o->bytes = raw->arg;
		if (ebpf && (raw->arg32 & BT_RAWF_ADDR)) {
			/* binary: the remote address, then maybe the
			 * local one */
			if (raw->nstr < 1 ||
			    !fmt_addr(r->addr[0], sizeof(r->addr[0]), str[0],
				      slen[0]) ||
			    (raw->nstr == 2 &&
			     !fmt_addr(r->addr[1], sizeof(r->addr[1]), str[1],
				       slen[1])))
				return false;
			o->remote = r->addr[0];
			o->local = raw->nstr == 2 ? r->addr[1] : NULL;
			return true;
		}
		if (raw->nstr != 1 || !slen[0] || memchr(str[0], 0, slen[0]))
			return false;
		o->remote = str[0];
		return true;
	/* A read, a write, a page or a mapping reaches its file through a
	 * descriptor or a mapping, which keeps the inode alive: the file it
	 * was opened on even after its last name went (shm_unlink before the
	 * parent reads the segment, a deleted binary still running), not a
	 * new file of that inode (core/ingest.h, via_fd). */
	case BT_RAW_PAGE_READ: case BT_RAW_PAGE_WRITE:
		if (!o->has_ino)
			return false;
		o->page = raw->arg;
		o->via_fd = true;
		break;
	case BT_RAW_READ: case BT_RAW_WRITE:
		o->bytes = raw->arg;
		o->via_fd = o->has_ino;
		break;
	case BT_RAW_TRUNCATE:
		/* to length 0 when the source says the length (the module
		 * does not: unknown, no emptying) */
		o->empties = ebpf && (raw->arg32 & BT_RAWF_LEN) &&
			     raw->arg == 0;
		o->via_fd = ebpf && o->has_ino &&
			    (raw->arg32 & BT_RAWF_VIAFD);
		break;
	case BT_RAW_MMAP: case BT_RAW_MUNMAP:
		o->via_fd = o->has_ino;
		o->prot = raw->arg32 & (BT_PROT_READ | BT_PROT_WRITE);
		o->shared = raw->arg32 & BT_PROT_SHARED;
		o->map_first = raw->arg;
		o->map_count = raw->arg2;
		break;
	case BT_RAW_SETID:
		/* the credentials after the call: uid | euid << 32 in arg,
		 * gid | egid << 32 in arg2 */
		if (raw->nstr)
			return false;
		o->uid = (uint32_t)raw->arg;
		o->euid = (uint32_t)(raw->arg >> 32);
		o->gid = (uint32_t)raw->arg2;
		o->egid = (uint32_t)(raw->arg2 >> 32);
		return true;
	case BT_RAW_CHMOD:
		o->mode = raw->arg <= 07777 ? (uint32_t)raw->arg : UINT32_MAX;
		break;
	case BT_RAW_CHOWN:
		o->owner = (uint32_t)raw->arg;
		o->group = (uint32_t)raw->arg2;
		break;
	}
	/* File ops: the first string is the path (absolute, or none, e.g.
	 * "pipe:[12]"), RENAME and LINK have the new name second. */
	if (raw->nstr >= 1) {
		if (!slen[0] || memchr(str[0], 0, slen[0]))
			return false;
		/* absolute, or a d_path name such as "pipe:[12]" */
		bt_drain_normpath((char *)str[0]);
		o->path = str[0];
		/* What d_path says a file is when it is in no file system:
		 * a pipe, or a memfd ("/memfd:NAME (deleted)"); and the
		 * eBPF source's names of a pty's two channels and of a
		 * System V message queue (core/raw.h BT_PTY_INO,
		 * BT_SYSV_MSG_INO). */
		if (!strncmp(o->path, "pipe:[", 6) ||
		    !strncmp(o->path, "socket:[", 8) ||
		    !strncmp(o->path, "pty:[", 5) ||
		    !strncmp(o->path, "sysv-msg:[", 10))
			o->file_flags = BT_FILEF_PIPE;
		else if (!strncmp(o->path, "/memfd:", 7))
			o->file_flags = BT_FILEF_ANON;
		/* Anonymous shared memory (MAP_SHARED | MAP_ANONYMOUS) is a
		 * file of no file system that d_path calls "/dev/zero": no
		 * name, not the device (which the sources never record) */
		if (!strcmp(o->path, "/dev/zero") && o->has_ino &&
		    (op == BT_RAW_MMAP || op == BT_RAW_MUNMAP ||
		     op == BT_RAW_PAGE_READ || op == BT_RAW_PAGE_WRITE)) {
			o->path = NULL;
			o->file_flags = BT_FILEF_ANON;
		}
	}
	if (op == BT_RAW_RENAME || op == BT_RAW_LINK) {
		o->exchange = op == BT_RAW_RENAME && ebpf &&
			      (raw->arg32 & BT_RAWF_EXCHANGE);
		if (raw->nstr != 2 || !o->path || memchr(str[1], 0, slen[1]) ||
		    !bt_drain_normpath((char *)str[1]))
			return false;
		o->new_path = str[1];
	} else if (op == BT_RAW_EXEC) {
		if (raw->nstr == 2) {
			/* argv: NUL-separated, the last without a NUL */
			const char *s = str[1], *e = str[1] + slen[1];
			size_t n = 0;

			while (slen[1] && s <= e && n < BT_DRAIN_ARGV_MAX) {
				r->argv[n++] = s;
				s += strlen(s) + 1;
			}
			r->argv[n] = NULL;
			o->argv = r->argv;
			o->argc = n;
		}
		o->exe = o->path;
		cgroup(r, raw->arg2);
	} else if (op == BT_RAW_SYMLINK) {
		/* the link's name, then its target as given */
		if (raw->nstr != 2 || !o->path || o->path[0] != '/' ||
		    !slen[1] || memchr(str[1], 0, slen[1]))
			return false;
		o->target = str[1];
	} else if (raw->nstr > 1) {
		return false;
	}
	if (!o->path && !o->has_ino)
		return false;
	return true;
}

bool bt_drain_decode(struct bt_raw_dec *dec, const void *rec, size_t len,
		     unsigned max_op)
{
	struct bt_raw raw;

	if (len < BT_RAW_HEAD || len > BT_RAW_MAX || len % 8)
		return false;
	memcpy(&raw, rec, BT_RAW_HEAD);
	if (raw.len != len || max_op > BT_RAW_OP_MAX)
		return false;
	if (rec != dec->rec)
		memcpy(dec->rec, rec, len);
	return decode(dec, len, max_op);
}

/* ---- rings ------------------------------------------------------------ */

static uint64_t load_head(const struct ring *r)
{
	return __atomic_load_n(&r->ctl->head, __ATOMIC_ACQUIRE);
}

static void publish_tail(struct ring *r)
{
	__atomic_store_n(&r->ctl->tail, r->tail, __ATOMIC_RELEASE);
}

static void resync(struct bt_drain *d, struct ring *r, uint64_t head)
{
	d->st.resyncs++;
	r->tail = head;
	publish_tail(r);
}

/* Make r->have true if the ring holds a valid record. */
static void fill(struct bt_drain *d, struct ring *r)
{
	while (!r->have) {
		uint64_t head = load_head(r), avail, pos;
		uint16_t len;
		uint8_t op;

		if (head == r->tail)
			return;
		avail = head - r->tail;
		if (head < r->tail || avail > d->size || avail % 8) {
			resync(d, r, head);
			return;
		}
		pos = r->tail & d->mask;
		memcpy(&len, r->data + pos, 2);
		memcpy(&op, r->data + pos + 2, 1);
		if (len < 8 || len % 8 || len > avail || pos + len > d->size) {
			resync(d, r, head);
			return;
		}
		if (op == BT_RAW_PAD) {
			if (pos + len != d->size) {
				resync(d, r, head);
				return;
			}
			r->tail += len;
			publish_tail(r);
			continue;
		}
		if (len < BT_RAW_HEAD || len > BT_RAW_MAX) {
			resync(d, r, head);
			return;
		}
		memcpy(r->dec.rec, r->data + pos, len);
		r->tail += len;
		publish_tail(r);
		if (decode(&r->dec, len, BT_RAW_SEND))
			r->have = true;
		else
			d->st.bad++;
	}
}

int bt_drain_poll_sink(struct bt_drain *d, uint64_t now, bool all,
		       size_t budget, const struct bt_obs_sink *sink,
		       size_t *nout)
{
	size_t n = 0;
	int err = 0;

	while (!budget || n < budget) {
		struct ring *min = NULL;
		bool every = true;
		unsigned i;

		for (i = 0; i < d->nrings; i++) {
			struct ring *r = &d->rings[i];

			fill(d, r);
			if (!r->have) {
				every = false;
				continue;
			}
			if (!min || r->dec.obs.time < min->dec.obs.time)
				min = r;
		}
		if (!min)
			break;
		if (!all && !every && min->dec.obs.time + d->window > now)
			break;
		err = sink->add(sink->arg, &min->dec.obs);
		if (err)
			break;
		min->have = false;
		d->st.records++;
		n++;
	}
	if (nout)
		*nout = n;
	return err;
}

void bt_drain_stats(const struct bt_drain *d, struct bt_drain_stats *out)
{
	unsigned i, j;

	*out = d->st;
	for (i = 0; i < d->nrings; i++) {
		const struct bt_ring_ctl *c = d->rings[i].ctl;

		out->kernel_events += __atomic_load_n(&c->events,
						      __ATOMIC_RELAXED);
		for (j = 0; j < BT_DROP_SLOTS; j++)
			out->drops[j] += __atomic_load_n(&c->drops[j],
							 __ATOMIC_RELAXED);
		for (j = 0; j < BT_RING_OPS; j++)
			out->drops_by_op[j] += __atomic_load_n(
				&c->drops_by_op[j], __ATOMIC_RELAXED);
		out->truncated += c->truncated;
		out->faults += c->faults;
	}
}

size_t bt_drain_format_drops(char *buf, size_t n,
			     const struct bt_drain_stats *s)
{
	size_t len = 0;
	unsigned i;
	int k;

#define ADD(...) do { \
		k = snprintf(len < n ? buf + len : NULL, \
			     len < n ? n - len : 0, __VA_ARGS__); \
		if (k > 0) \
			len += k; \
	} while (0)
	if (n)
		buf[0] = 0;
	for (i = 0; i < BT_DROP_NCAUSE; i++)
		ADD("%s%s=%llu", i ? " " : "", drop_names[i],
		    (unsigned long long)s->drops[i]);
	ADD(" bad=%llu resync=%llu", (unsigned long long)s->bad,
	    (unsigned long long)s->resyncs);
	for (i = 0; i <= BT_RAW_OP_MAX; i++) {
		const char *name = i ? bt_raw_op_name(i) : "unknown";

		if (s->drops_by_op[i])
			ADD(" op.%s=%llu", name ? name : "?",
			    (unsigned long long)s->drops_by_op[i]);
	}
	if (s->io_uring)  /* I/O not seen, not records lost: said */
		ADD(" io_uring_calls=%llu", (unsigned long long)s->io_uring);
#undef ADD
	return len;
}

/* ---- lifecycle -------------------------------------------------------- */

static int alloc_drain(struct bt_drain **out, unsigned nrings, uint64_t size)
{
	struct bt_drain *d;

	if (!nrings || nrings > BT_MAX_CPUS)
		return bt_error_set(BT_EINVAL, "bad ring count %u", nrings);
	if (size < 64 || (size & (size - 1)) || size > (1ull << 40))
		return bt_error_set(BT_EINVAL, "bad ring size %llu",
				    (unsigned long long)size);
	d = calloc(1, sizeof(*d));
	if (!d)
		return bt_error_set(BT_ENOMEM, "out of memory");
	d->rings = calloc(nrings, sizeof(*d->rings));
	if (!d->rings) {
		free(d);
		return bt_error_set(BT_ENOMEM, "out of memory");
	}
	d->fd = -1;
	d->nrings = nrings;
	d->size = size;
	d->mask = size - 1;
	d->window = BT_DRAIN_WINDOW_NS;
	*out = d;
	return 0;
}

int bt_drain_new_mem(struct bt_drain **out, unsigned nrings,
		     struct bt_ring_ctl *const *ctl,
		     const uint8_t *const *data, uint64_t ring_size)
{
	struct bt_drain *d;
	unsigned i;
	int err = alloc_drain(&d, nrings, ring_size);

	if (err)
		return err;
	for (i = 0; i < nrings; i++) {
		d->rings[i].ctl = ctl[i];
		d->rings[i].data = data[i];
		d->rings[i].tail = ctl[i]->tail;
	}
	*out = d;
	return 0;
}

int bt_drain_open(struct bt_drain **out, const char *dev)
{
	struct bt_ioc_hello h = {
		.abi = BT_KMOD_ABI,
		.log_version = BT_RAW_VERSION,
		.raw_head = BT_RAW_HEAD,
	};
	struct bt_drain *d = NULL;
	struct stat st;
	unsigned i;
	int fd, err;

	if (!dev)
		dev = BT_DEV_PATH;
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return bt_error_set(BT_ENOTFOUND,
					    "no %s: is the btrack module loaded?",
					    dev);
		return bt_error_set_os(BT_EIO, "cannot open '%s'", dev);
	}
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode)) {
		err = bt_error_set(BT_EINVAL, "'%s' is not the btrack device",
				   dev);
		goto fail;
	}
	if (ioctl(fd, BT_IOC_HELLO, &h)) {
		if (errno == EPROTO)
			err = bt_error_set(BT_EVERSION,
				"'%s' speaks ring ABI %u, raw format %u, "
				"record head %u bytes; this btrack speaks %u, "
				"%u, %u: rebuild the module or btrack", dev,
				h.abi, h.log_version, h.raw_head, BT_KMOD_ABI,
				BT_RAW_VERSION, BT_RAW_HEAD);
		else if (errno == ENOTTY || errno == EINVAL)
			err = bt_error_set(BT_EINVAL,
					   "'%s' is not the btrack device", dev);
		else
			err = bt_error_set_os(BT_EIO, "handshake with '%s'",
					      dev);
		goto fail;
	}
	err = alloc_drain(&d, h.ncpus, h.ring_size);
	if (err)
		goto fail;
	d->fd = fd;
	for (i = 0; i < d->nrings; i++) {
		struct ring *r = &d->rings[i];
		void *p;

		p = mmap(NULL, BT_CTL_PAGE, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, (off_t)i * BT_CTL_PAGE);
		if (p == MAP_FAILED) {
			if (errno == EINVAL)	/* CPU not possible */
				continue;
			err = bt_error_set_os(BT_EIO, "cannot map ring %u of "
					      "'%s'", i, dev);
			goto fail;
		}
		r->ctl = p;
		p = mmap(NULL, d->size, PROT_READ, MAP_SHARED, fd,
			 (off_t)(h.data_base + i * d->size));
		if (p == MAP_FAILED) {
			err = bt_error_set_os(BT_EIO, "cannot map ring %u of "
					      "'%s'", i, dev);
			goto fail;
		}
		r->data = p;
	}
	/* Drop the rings of impossible CPUs (no control page). */
	for (i = 0; i < d->nrings;) {
		if (d->rings[i].ctl) {
			i++;
			continue;
		}
		memmove(&d->rings[i], &d->rings[i + 1],
			(d->nrings - i - 1) * sizeof(*d->rings));
		d->nrings--;
	}
	if (!d->nrings) {
		err = bt_error_set(BT_EIO, "'%s' has no rings", dev);
		goto fail;
	}
	*out = d;
	return 0;
fail:
	if (d)
		bt_drain_close(d);
	else
		close(fd);
	return err;
}

void bt_drain_set_window(struct bt_drain *d, uint64_t ns)
{
	d->window = ns;
}

int bt_drain_start(struct bt_drain *d, uint64_t slice_ns,
		   const char *const *prefixes, size_t n)
{
	struct bt_ioc_prefix p;
	unsigned i;

	if (d->fd < 0)
		return 0;
	if (slice_ns && ioctl(d->fd, BT_IOC_SLICE, &slice_ns))
		return bt_error_set_os(BT_EINVAL, "slice %llu ns refused",
				       (unsigned long long)slice_ns);
	memset(&p, 0, sizeof(p));
	if (ioctl(d->fd, BT_IOC_PAGES, &p))
		return bt_error_set_os(BT_EIO, "cannot clear page prefixes");
	for (i = 0; i < n; i++) {
		size_t len = strlen(prefixes[i]);

		if (prefixes[i][0] != '/' || len >= BT_PREFIX_MAX)
			return bt_error_set(BT_EINVAL, "bad page prefix '%s': "
					    "must be absolute, under %d bytes",
					    prefixes[i], BT_PREFIX_MAX);
		memset(&p, 0, sizeof(p));
		p.len = len;
		memcpy(p.path, prefixes[i], len);
		if (ioctl(d->fd, BT_IOC_PAGES, &p))
			return bt_error_set_os(BT_EINVAL, "page prefix '%s' "
					       "refused", prefixes[i]);
	}
	if (ioctl(d->fd, BT_IOC_START))
		return bt_error_set_os(BT_EIO, "cannot start capture");
	for (i = 0; i < d->nrings; i++) {
		d->rings[i].tail = 0;
		d->rings[i].have = false;
	}
	return 0;
}

int bt_drain_stop(struct bt_drain *d)
{
	if (d->fd >= 0 && ioctl(d->fd, BT_IOC_STOP))
		return bt_error_set_os(BT_EIO, "cannot stop capture");
	return 0;
}

void bt_drain_close(struct bt_drain *d)
{
	unsigned i;

	if (!d)
		return;
	if (d->fd >= 0) {
		for (i = 0; i < d->nrings; i++) {
			if (d->rings[i].ctl)
				munmap(d->rings[i].ctl, BT_CTL_PAGE);
			if (d->rings[i].data)
				munmap((void *)d->rings[i].data, d->size);
		}
		close(d->fd);
	}
	free(d->rings);
	free(d);
}
