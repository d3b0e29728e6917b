/* STUB: placeholder until the command lands. */
#include "cli.h"
int cmd_forward(int argc, char **argv)
{
	cli_error("forward: not implemented yet");
	return EXIT_ERROR;
}
