/*
 * crc32c.h - CRC-32C (Castagnoli), the checksum of the log's blocks
 * (man/btrack-log.5).
 *
 * The polynomial is 0x1EDC6F41 (reflected 0x82F63B78), initial value and
 * final XOR 0xFFFFFFFF, as in iSCSI, ext4 and SSE4.2's crc32 instruction:
 * crc32c("123456789") == 0xE3069283.  The value is extensible:
 * bt_crc32c(bt_crc32c(0, a), b) == CRC of a followed by b, which is what
 * lets the log writer hash only the bytes a commit adds.  It uses the
 * SSE4.2 instruction where the CPU has it and a table otherwise; both give
 * the same values.  No state, thread-safe.
 */
#ifndef BT_CRC32C_H
#define BT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32C of `crc`'s bytes followed by the n bytes at p (start with
 * crc = 0 for the CRC of p alone). */
uint32_t bt_crc32c(uint32_t crc, const void *p, size_t n);

#endif
