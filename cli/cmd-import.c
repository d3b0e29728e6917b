/* STUB: placeholder until the command lands. */
#include "cli.h"
int cmd_import(int argc, char **argv)
{
	cli_error("import: not implemented yet");
	return EXIT_ERROR;
}
