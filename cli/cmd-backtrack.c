/* STUB: placeholder until the command lands. */
#include "cli.h"
int cmd_backtrack(int argc, char **argv)
{
	cli_error("backtrack: not implemented yet");
	return EXIT_ERROR;
}
