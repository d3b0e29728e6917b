/*
 * fuzz_channel.c - libFuzzer target for the connection matching
 * (graph/channel.c): each input line is "LOCAL REMOTE FIRST LAST"; the
 * addresses go through bt_sockaddr_parse() (the local one through
 * bt_sockaddr_parse_local(): "?#N", "ADDR:0#N") on an exact-size copy (so a
 * read past the given length is caught), the ends that parse through
 * bt_conn_match().  A parsed address has a port; the pairs are symmetric
 * and never an end with itself.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../graph/channel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENDS 256

static int parse(struct bt_sockaddr *a, const char *s, size_t len,
		 bool local)
{
	char *c = malloc(len ? len : 1);
	int r;

	if (!c)
		return -1;
	memcpy(c, s, len);
	r = local ? bt_sockaddr_parse_local(a, c, len) :
		    bt_sockaddr_parse(a, c, len);
	free(c);
	if (r == 0 && a->port == 0 && !local)
		abort();
	return r;
}

/* Digits of s[0..len), bounded (the input has no NUL). */
static uint64_t num(const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bt_conn_end e[MAX_ENDS];
	size_t peer[MAX_ENDS], n = 0, i;
	const char *p = (const char *)data, *end = p + size;

	while (p < end && n < MAX_ENDS) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *f[4], *q = p;
		size_t fl[4], k = 0;

		if (!nl)
			nl = end;
		while (q < nl && k < 4) {
			const char *sp = memchr(q, ' ', (size_t)(nl - q));

			if (!sp)
				sp = nl;
			f[k] = q;
			fl[k++] = (size_t)(sp - q);
			q = sp < nl ? sp + 1 : nl;
		}
		if (k >= 2 && parse(&e[n].local, f[0], fl[0], true) == 0 &&
		    parse(&e[n].remote, f[1], fl[1], false) == 0) {
			e[n].first = k > 2 ? num(f[2], fl[2]) : 0;
			e[n].last = k > 3 ? num(f[3], fl[3]) : 0;
			if (e[n].last < e[n].first)
				e[n].last = e[n].first;
			e[n].id = (uint32_t)n;
			n++;
		} else if (k >= 1) {
			struct bt_sockaddr a;

			parse(&a, f[0], fl[0], false);
		}
		p = nl + 1;
	}
	if (bt_conn_match(peer, e, n, BT_CHANNEL_TOLERANCE_NS))
		return 0;
	for (i = 0; i < n; i++)
		if (peer[i] != SIZE_MAX &&
		    (peer[i] >= n || peer[i] == i || peer[peer[i]] != i))
			abort();
	return 0;
}
