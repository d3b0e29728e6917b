/*
 * fuzz_audit_records.c - libFuzzer target for the audit record layer alone
 * (capture/audit/records.c): the input is split into lines and fed to
 * bt_arec_line(); every event handed over must keep the layer's promises
 * (string references inside the arena and NUL-terminated, counts within
 * their arrays, a canonical syscall in range).  No log is written, so it
 * runs much faster than fuzz_auditd.  The same input is then read again
 * by bt_arec_feed() (its bounded line reader: the line count and the
 * missing last newline must match the input).  Seeds and dictionary: as
 * fuzz_auditd (tests/fuzz/seed-auditd.sh, fuzz_auditd.dict).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../capture/audit/records.h"
#include "../../capture/audit/syscalls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ref(const struct aev *e, uint32_t ref)
{
	if (!ref)
		return;
	if (ref > e->alen || !memchr(e->arena + ref - 1, '\0',
				     e->alen - (ref - 1)))
		abort();
}

static int check(void *ctx, struct aev *e)
{
	int i;

	(void)ctx;
	if (e->alen > AUD_ARENA || e->nitems < 0 ||
	    e->nitems > AUD_MAX_ITEMS || e->nargs < 0 ||
	    e->nargs > AUD_MAX_ARGS || e->sysno < 0 || e->sysno >= SYS__COUNT)
		abort();
	if (e->arch == BT_ARCH_OTHER && e->sysno != SYS_UNKNOWN)
		abort();  /* never decoded with another table */
	if (e->success != AEV_YES && e->success != AEV_NO &&
	    e->success != AEV_UNSTATED)
		abort();
	check_ref(e, e->comm);
	check_ref(e, e->exe);
	check_ref(e, e->cwd);
	check_ref(e, e->sockaddr);
	check_ref(e, e->key);
	check_ref(e, e->sysname);
	for (i = 0; i < e->nitems; i++) {
		check_ref(e, e->items[i].name);
		/* a malformed name is no name */
		if (e->items[i].bad_name && e->items[i].name)
			abort();
	}
	for (i = 0; i < e->nargs; i++) {
		const struct aud_arg *g = &e->args[i];

		check_ref(e, g->off);
		if (g->off && (g->len > g->cap ||
			       g->off - 1 + (uint64_t)g->cap + 1 > e->alen))
			abort();
	}
	if (e->sockaddr) {
		char text[160];

		bt_arec_sockaddr_text(aev_str(e, e->sockaddr), text,
				      sizeof(text));
		if (!memchr(text, '\0', sizeof(text)))
			abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bt_arec *p;
	struct bt_auditd_stats st;
	const char *s = (const char *)data, *end = s + size;
	uint64_t lineno = 0;

	memset(&st, 0, sizeof(st));
	if (bt_arec_new(&p, &st, check, NULL))
		abort();
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		(void)bt_arec_line(p, s, n, "fuzz", ++lineno);
		s += n + 1;
	}
	(void)bt_arec_finish(p);
	if (st.events > st.records)
		abort();
	bt_arec_free(p);
	p = NULL;

	/* again through the line reader */
	if (size) {
		FILE *in = fmemopen((void *)data, size, "r");

		if (!in)
			return 0;
		memset(&st, 0, sizeof(st));
		if (bt_arec_new(&p, &st, check, NULL))
			abort();
		(void)bt_arec_feed(p, in, "fuzz", true);
		(void)bt_arec_finish(p);
		if (st.lines != lineno ||
		    st.no_newline != (data[size - 1] != '\n'))
			abort();
		bt_arec_free(p);
		p = NULL;
		fclose(in);
	}
	return 0;
}
