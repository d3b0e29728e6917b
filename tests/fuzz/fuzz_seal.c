/*
 * fuzz_seal.c - libFuzzer target for the sealing parsers and the verifier
 * (core/seal.c).
 *
 * The first byte picks what the rest is: 0 a sealing state file, 1 a
 * verification key file, 2 a seal payload, 3 and up a whole log verified
 * against a fixed key.  A payload that parses must encode back to the same
 * bytes; a key that parses must format back to the same text (states); a
 * verification must end in 0 or an error with a message, and stay cheap
 * whatever the epochs claim (they are bounded by the dates).  Build with
 * `make fuzz`; run e.g. `build/fuzz/fuzz_seal -max_total_time=60 DIR`.  The
 * same checks run in CI on mutated seals (tests/check_seal.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/error.h"
#include "../../core/log.h"
#include "../../core/seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define START 1700000000000000000ULL

/* A key at epoch 0 to verify with (a state's form serves). */
static const char state_text[] =
	"btrack-seal-state 1\n"
	"id 00112233445566778899aabbccddeeff\n"
	"start 01700000000000000000\n"
	"interval 00000000000100000000\n"
	"epoch 00000000000000000000\n"
	"top 0000000000000000000000000000000000000000000000000000000000000001\n"
	"mid 0000000000000000000000000000000000000000000000000000000000000002\n"
	"key 0000000000000000000000000000000000000000000000000000000000000003\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bt_seal_key k, vk;
	struct bt_seal s;
	struct bt_seal_report rep;
	struct bt_log *log;
	uint8_t enc[BT_SEAL_SIZE];
	char text[BT_SEAL_KEYFILE_MAX];
	int r;

	if (size < 1)
		return 0;
	switch (data[0]) {
	case 0:
	case 1:
		r = bt_seal_key_parse(&k, (const char *)data + 1, size - 1,
				      data[0] == 0);
		if (r == 0 && data[0] == 0 &&
		    (bt_seal_key_format_state(text, &k) != size - 1 ||
		     memcmp(text, data + 1, size - 1)))
			abort();
		if (r && !bt_error_msg()[0])
			abort();
		return 0;
	case 2:
		r = bt_seal_parse(&s, data + 1, size - 1);
		if (r == 0) {
			bt_seal_encode(enc, &s);
			if (size - 1 != BT_SEAL_SIZE ||
			    memcmp(enc, data + 1, BT_SEAL_SIZE))
				abort();
		}
		return 0;
	}
	if (bt_seal_key_parse(&vk, state_text, sizeof(state_text) - 1, true))
		abort();
	if (bt_log_open_mem(&log, data + 1, size - 1))
		return 0;
	r = bt_seal_verify(log, &vk, START + 86400000000000ULL, &rep);
	if (r && !strstr(bt_error_msg(), "offset"))
		abort();
	if (r == 0 && (rep.proven > rep.records || rep.seals > rep.records))
		abort();
	bt_log_close(log);
	return 0;
}
