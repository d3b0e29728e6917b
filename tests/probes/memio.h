/*
 * memio.h - the memory probes' child (process_vm_writev, ptrace-poke,
 * proc-mem): forked before the parent reads the source, it waits (up to
 * 10 s) for its buffer to be written from outside, then writes it to the
 * sink.  Nothing but the memory write joins the two: no pipe, no file.
 */
#ifndef BT_MEMIO_H
#define BT_MEMIO_H

/* The same address in the parent and its forked child. */
static volatile char mem_box[PROBE_BUF];

static inline pid_t mem_child(const char *sink)
{
	pid_t c = fork();
	int i;

	if (c < 0)
		die("fork");
	if (c == 0) {
		for (i = 0; i < 10000 && !mem_box[0]; i++)
			usleep(1000);
		spill(sink, (const char *)mem_box,
		      strnlen((const char *)mem_box, sizeof(mem_box)));
		_exit(0);
	}
	return c;
}
#endif
