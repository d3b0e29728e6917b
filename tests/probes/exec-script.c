/* execve(2) of the source, a "#!/bin/sh" script (probes.sh writes it):
 * the kernel runs the interpreter, which reads the script; the script's
 * command writes the sink.  The program is execve's. */
#include "execve.c"
