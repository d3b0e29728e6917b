/*
 * cmd-backtrack.c - `btrack backtrack`: walk back from a detection point to
 * the entry points (King and Chen's rule, graph/walk.h).  The query is
 * graph/query.c; options and output are walkcmd.c, shared with `btrack
 * forward`; the page is man/btrack-backtrack.1.
 */
#include "walkcmd.h"

static const struct cli_cmd backtrack_cmd = {
	.name = "backtrack",
	.synopsis = "backtrack --log LOG (--from SPEC | --alert FILE) [--since T] [--until T] "
		    "[--granularity page|vma|object] [--max-nodes N] "
		    "[--max-depth N] [--filters LIST | --no-filters] [--hide GLOB] "
		    "[--explain] [--format text|dot|json|svg|png|pdf|html|prov-json] "
		    "[-o OUT [--force]]\n"
		    "backtrack --db CASE.db [--host NAME] --from SPEC [options]\n"
		    "backtrack (--log LOG | --db CASE.db) --from-list POINTS "
		    "-o DIR [options]",
	.summary = "Walk back from a detection point (SPEC: file:PATH, "
		   "proc:PID, proc:PID@TIME,\npage:PATH#N, filename:PATH, "
		   "endpoint:ADDR) to what caused it.",
	.opts = walkcmd_opts,
};

int cmd_backtrack(int argc, char **argv)
{
	return walkcmd_run(&backtrack_cmd, BT_BACKWARD, argc, argv);
}
