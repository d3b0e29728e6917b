/* STUB: placeholder until the command lands. */
#include "cli.h"
int cmd_gen(int argc, char **argv)
{
	cli_error("gen: not implemented yet");
	return EXIT_ERROR;
}
