/*
 * fuzz_recorder.c - libFuzzer target for the recorder's parsers of text and
 * answers it reads about a traced program: /proc/PID/status (credentials),
 * /proc/PID/net/{tcp,udp}{,6} (a socket's peer), a sock_diag unix answer
 * and a sockaddr read from the tracee.  The input is given whole to each;
 * its first 8 bytes are also the inode looked for.  Outputs must be
 * NUL-terminated strings of their buffers; nothing may crash or loop.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../capture/recorder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t cred[4];
	uint64_t ino = 0;
	char out[128];
	struct bt_unix_sock u;
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	/* an exact-size copy: a read past the end is an ASan report */
	memcpy(copy, data, size);
	if (size >= 8)
		memcpy(&ino, data, 8);
	bt_record_parse_status(cred, copy, size);
	if (bt_record_net_peer(out, sizeof(out), copy, size, false, ino) == 0 &&
	    !memchr(out, '\0', sizeof(out)))
		abort();
	if (bt_record_net_peer(out, sizeof(out), copy, size, true, ino % 1000)
	    == 0 && !memchr(out, '\0', sizeof(out)))
		abort();
	if (bt_record_unix_diag_parse(&u, copy, size) == 0 &&
	    !memchr(u.name, '\0', sizeof(u.name)))
		abort();
	bt_record_sockaddr_fmt(out, sizeof(out), copy, size);
	if (!memchr(out, '\0', sizeof(out)))
		abort();
	free(copy);
	return 0;
}
