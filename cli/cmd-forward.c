/*
 * cmd-forward.c - `btrack forward`: walk forward from an object to what it
 * affected (the impact of an entry point; graph/walk.h).  The query is
 * graph/query.c; options and output are walkcmd.c, shared with `btrack
 * backtrack`; the page is man/btrack-forward.1.
 */
#include "walkcmd.h"

static const struct cli_cmd forward_cmd = {
	.name = "forward",
	.synopsis = "forward --log LOG (--from SPEC | --alert FILE) [--since T] [--until T] "
		    "[--granularity page|vma|object] [--max-nodes N] "
		    "[--max-depth N] [--filters LIST | --no-filters] [--hide GLOB] "
		    "[--explain] [--format text|dot|json|svg|png|pdf|html|prov-json] "
		    "[-o OUT [--force]]\n"
		    "forward --db CASE.db [--host NAME] --from SPEC [options]\n"
		    "forward (--log LOG | --db CASE.db) --from-list POINTS "
		    "-o DIR [options]",
	.summary = "Walk forward from an object (SPEC: file:PATH, proc:PID, "
		   "proc:PID@TIME,\npage:PATH#N, filename:PATH, endpoint:ADDR) "
		   "to everything it affected.",
	.opts = walkcmd_opts,
};

int cmd_forward(int argc, char **argv)
{
	return walkcmd_run(&forward_cmd, BT_FORWARD, argc, argv);
}
