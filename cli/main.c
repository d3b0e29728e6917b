/*
 * main.c - `btrack <command>`: the command table and dispatch.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const struct cli_entry cli_commands[] = {
	{ "import", cmd_import, "import events (JSONL, auditd) into a log" },
	{ "backtrack", cmd_backtrack, "walk back from a detection point" },
	{ "forward", cmd_forward, "walk forward from an object (impact)" },
	{ "log", cmd_log, "show, verify or dump a log" },
	{ "gen", cmd_gen, "generate a synthetic log (benchmarks, tests)" },
	{ "capture", cmd_capture, "capture activity (kernel module or eBPF) into a log" },
	{ "record", cmd_record, "record a command's activity into a log" },
	{ "db", cmd_db, "load logs into a case database and query it" },
	{ "watch", cmd_watch, "answer IDS alerts with graphs as they arrive" },
	{ "help", cmd_help, "show help for btrack or a command" },
	{ NULL, NULL, NULL }
};

static void usage(FILE *f)
{
	const struct cli_entry *e;

	fputs("usage: btrack <command> [options] [args]\n"
	      "       btrack --version\n\ncommands:\n", f);
	for (e = cli_commands; e->name; e++)
		fprintf(f, "  %-10s %s\n", e->name, e->summary);
	fputs("\n'btrack <command> -h' shows a command's options; "
	      "see btrack(1).\n", f);
}

int cmd_help(int argc, char **argv)
{
	const struct cli_entry *e;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (e = cli_commands; e->name; e++) {
		if (!strcmp(e->name, argv[1])) {
			char h[] = "-h";
			char *av[] = { argv[1], h, NULL };

			return e->fn(2, av);
		}
	}
	cli_error("no such command '%s'", argv[1]);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const struct cli_entry *e;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("btrack %s\n", BTRACK_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (e = cli_commands; e->name; e++)
		if (!strcmp(e->name, argv[1]))
			return e->fn(argc - 1, argv + 1);
	cli_error("'%s' is not a btrack command; see 'btrack help'", argv[1]);
	return EXIT_USAGE;
}
