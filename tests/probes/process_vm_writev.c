/* process_vm_writev(2): the parent writes the source into the memory of a
 * child forked before it read it; the child writes what it got to the
 * sink.  Only the memory write carries the source to the sink. */
#include "probe.h"
#include <sys/uio.h>
#include "memio.h"

int main(int argc, char **argv)
{
	char buf[PROBE_BUF];
	struct iovec l, r;
	size_t n;
	pid_t c;

	usage(argc, argv);
	c = mem_child(argv[2]);
	n = slurp(argv[1], buf, sizeof(buf) - 1);
	l = (struct iovec){ buf, n };
	r = (struct iovec){ (void *)mem_box, n };
	if (process_vm_writev(c, &l, 1, &r, 1, 0) != (ssize_t)n)
		die("process_vm_writev");
	reap(c);
	decoy();
	return 0;
}
