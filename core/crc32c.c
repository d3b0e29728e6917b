/*
 * crc32c.c - CRC-32C (see crc32c.h): the SSE4.2 crc32 instruction when the
 * CPU has it, else slicing-by-8 over tables built on first use.
 *
 * Both run on the reflected, pre-inverted register, so they agree bit for
 * bit; tests/check_log.c checks the standard check value and that the two
 * paths agree (BTRACK_CRC32C_SOFT=1 forces the table, for that test).
 */
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"

#define POLY 0x82F63B78u

static uint32_t tab[8][256];

static void make_tables(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		tab[0][i] = c;
	}
	for (i = 0; i < 256; i++) {
		c = tab[0][i];
		for (j = 1; j < 8; j++) {
			c = (c >> 8) ^ tab[0][c & 0xff];
			tab[j][i] = c;
		}
	}
}

static uint32_t soft(uint32_t c, const uint8_t *p, size_t n)
{
	while (n && ((uintptr_t)p & 7)) {
		c = (c >> 8) ^ tab[0][(c ^ *p++) & 0xff];
		n--;
	}
	while (n >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		v ^= c;
		c = tab[7][v & 0xff] ^ tab[6][(v >> 8) & 0xff] ^
		    tab[5][(v >> 16) & 0xff] ^ tab[4][(v >> 24) & 0xff] ^
		    tab[3][(v >> 32) & 0xff] ^ tab[2][(v >> 40) & 0xff] ^
		    tab[1][(v >> 48) & 0xff] ^ tab[0][v >> 56];
		p += 8;
		n -= 8;
	}
	while (n--)
		c = (c >> 8) ^ tab[0][(c ^ *p++) & 0xff];
	return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t hard(uint32_t c, const uint8_t *p, size_t n)
{
	uint64_t c64;

	while (n && ((uintptr_t)p & 7)) {
		c = __builtin_ia32_crc32qi(c, *p++);
		n--;
	}
	c64 = c;
	while (n >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c64 = __builtin_ia32_crc32di(c64, v);
		p += 8;
		n -= 8;
	}
	c = (uint32_t)c64;
	while (n--)
		c = __builtin_ia32_crc32qi(c, *p++);
	return c;
}
#endif

/* 0 unknown, 1 table, 2 instruction.  Races on first use are benign:
 * every thread computes the same tables and the same answer. */
static int mode;

static int pick(void)
{
	const char *e = getenv("BTRACK_CRC32C_SOFT");

	make_tables();
#if defined(__x86_64__)
	if (!(e && *e == '1')) {
		__builtin_cpu_init();
		if (__builtin_cpu_supports("sse4.2"))
			return 2;
	}
#else
	(void)e;
#endif
	return 1;
}

uint32_t bt_crc32c(uint32_t crc, const void *p, size_t n)
{
	int m = __atomic_load_n(&mode, __ATOMIC_ACQUIRE);

	if (__builtin_expect(!m, 0)) {
		m = pick();
		__atomic_store_n(&mode, m, __ATOMIC_RELEASE);
	}
	crc = ~crc;
#if defined(__x86_64__)
	if (m == 2)
		return ~hard(crc, p, n);
#endif
	return ~soft(crc, p, n);
}
