/*
 * vmcheck.c - prints a btrack log in a stable form for the VM test's
 * checks (tests/vm/check.sh), independent of `btrack log dump`'s format:
 *
 *   vmcheck events LOG   one line per event: "OP CAUSE EFFECT", objects as
 *                        proc:PID, file:PATH (its first path label, else
 *                        file:DEV:INO), name:PATH, page:FILE#INDEX,
 *                        ep:ADDR, region:FILE
 *   vmcheck notes LOG    "note KEY TEXT" per note
 *   vmcheck count LOG OP PID   events of OP whose process side is PID
 *
 * Built against build/libbtrack.a by mk/kmod.mk; runs on the host and in
 * the VM.  Exit 3 for a log the reader rejects.  Not part of btrack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/error.h"
#include "../../core/log.h"

struct obj {
	unsigned kind;
	unsigned pid;
	unsigned file;            /* page, region: file object */
	unsigned long long index; /* page */
	const char *s;            /* file path, filename, endpoint */
	unsigned long long dev, ino;
};

static struct obj *objs;
static size_t nobjs, capobjs;

static void desc(char *buf, size_t n, unsigned id)
{
	const struct obj *o = id && id <= nobjs ? &objs[id] : NULL;
	char f[4200];

	if (!o) {
		snprintf(buf, n, "none");
		return;
	}
	switch (o->kind) {
	case BT_REC_PROCESS:
		snprintf(buf, n, "proc:%u", o->pid);
		break;
	case BT_REC_FILE:
		if (o->s)
			snprintf(buf, n, "file:%s", o->s);
		else
			snprintf(buf, n, "file:%llu:%llu", o->dev, o->ino);
		break;
	case BT_REC_FILENAME:
		snprintf(buf, n, "name:%s", o->s);
		break;
	case BT_REC_PAGE:
		desc(f, sizeof(f), o->file);
		snprintf(buf, n, "page:%s#%llu", f + 5, o->index);
		break;
	case BT_REC_ENDPOINT:
		snprintf(buf, n, "ep:%s", o->s);
		break;
	case BT_REC_REGION:
		desc(f, sizeof(f), o->file);
		snprintf(buf, n, "region:%s", f + 5);
		break;
	default:
		snprintf(buf, n, "?");
	}
}

static struct obj *new_obj(unsigned id)
{
	if (id >= capobjs) {
		capobjs = capobjs ? capobjs * 2 : 1024;
		while (capobjs <= id)
			capobjs *= 2;
		objs = realloc(objs, capobjs * sizeof(*objs));
		if (!objs)
			exit(1);
	}
	nobjs = id;
	memset(&objs[id], 0, sizeof(objs[id]));
	return &objs[id];
}

int main(int argc, char **argv)
{
	struct bt_log *log;
	struct bt_log_iter it;
	const struct bt_rec_head *h;
	const char *mode;
	unsigned long long count = 0;
	unsigned want_op = 0, want_pid = 0;
	int r;

	if (argc < 3)
		return 2;
	mode = argv[1];
	if (!strcmp(mode, "count")) {
		if (argc != 5 || bt_op_parse(&want_op, argv[3]))
			return 2;
		want_pid = strtoul(argv[4], NULL, 10);
	}
	if (bt_log_open(&log, argv[2])) {
		fprintf(stderr, "vmcheck: %s\n", bt_error_msg());
		return 3;
	}
	bt_log_iter_init(&it, log);
	while ((r = bt_log_next(&it, &h)) == 1) {
		const struct bt_rec_event *e = (const void *)h;
		struct obj *o;

		switch (h->type) {
		case BT_REC_PROCESS: {
			const struct bt_rec_process *p = (const void *)h;

			o = new_obj(p->id);
			o->kind = h->type;
			o->pid = p->pid;
			break;
		}
		case BT_REC_FILE: {
			const struct bt_rec_file *f = (const void *)h;

			o = new_obj(f->id);
			o->kind = h->type;
			o->dev = f->dev;
			o->ino = f->ino;
			break;
		}
		case BT_REC_FILENAME: {
			const struct bt_rec_filename *f = (const void *)h;

			o = new_obj(f->id);
			o->kind = h->type;
			o->s = bt_rec_str(&f->path);
			break;
		}
		case BT_REC_PAGE: {
			const struct bt_rec_page *p = (const void *)h;

			o = new_obj(p->id);
			o->kind = h->type;
			o->file = p->file;
			o->index = p->index;
			break;
		}
		case BT_REC_ENDPOINT: {
			const struct bt_rec_endpoint *p = (const void *)h;

			o = new_obj(p->id);
			o->kind = h->type;
			o->s = bt_rec_str(&p->addr);
			break;
		}
		case BT_REC_REGION: {
			const struct bt_rec_region *p = (const void *)h;

			o = new_obj(p->id);
			o->kind = h->type;
			o->file = p->file;
			break;
		}
		case BT_REC_LABEL: {
			const struct bt_rec_label *l = (const void *)h;

			if (l->key == BT_LABEL_PATH && l->object <= nobjs &&
			    !objs[l->object].s)
				objs[l->object].s = bt_rec_str(&l->value);
			break;
		}
		case BT_REC_NOTE: {
			const struct bt_rec_note *n = (const void *)h;

			if (!strcmp(mode, "notes"))
				printf("note %u %s\n", n->key,
				       bt_rec_str(&n->text));
			break;
		}
		case BT_REC_EVENT: {
			char c[8400], f[8400];
			unsigned pid = 0;

			if (!strcmp(mode, "count")) {
				if (e->op != want_op)
					break;
				if (e->cause <= nobjs &&
				    objs[e->cause].kind == BT_REC_PROCESS)
					pid = objs[e->cause].pid;
				if (e->effect <= nobjs &&
				    objs[e->effect].kind == BT_REC_PROCESS)
					pid = objs[e->effect].pid;
				if (pid == want_pid)
					count++;
				break;
			}
			if (strcmp(mode, "events"))
				break;
			desc(c, sizeof(c), e->cause);
			desc(f, sizeof(f), e->effect);
			printf("%s %s %s\n", bt_op_name(e->op), c, f);
			break;
		}
		}
	}
	if (r < 0) {
		fprintf(stderr, "vmcheck: %s\n", bt_error_msg());
		return 3;
	}
	if (!strcmp(mode, "count"))
		printf("%llu\n", count);
	bt_log_iter_release(&it);
	bt_log_close(log);
	return 0;
}
