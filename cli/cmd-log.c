/* STUB: placeholder until the command lands. */
#include "cli.h"
int cmd_log(int argc, char **argv)
{
	cli_error("log: not implemented yet");
	return EXIT_ERROR;
}
