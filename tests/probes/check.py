#!/usr/bin/env python3
"""check.py - judge the probes' walks (tests/scenario/probes.sh).

usage: check.py JOBS DESIGN KNOWN TABLE [LIST]

Each line of JOBS (tab-separated) is one probe run under one source:
    SOURCE PROBE KIND SRC SINK EXE RUN LOG FROM EXTRA
KIND is the probe's kind (flow, exec, net, name, attr, cred); SRC and SINK
its source and sink paths; EXE the probe program; RUN "ok", "unavailable
WHY" or "failed WHY"; LOG the log to walk and FROM the sink's SPEC.  It
runs (with $BTRACK, a few at a time) `btrack backtrack --no-filters` from
the sink, `btrack forward --no-filters` from the source and `btrack
backtrack` (default filters) from the sink, and keeps the JSON results
beside the sink.  (One python run for all: python and process creation
are slow on small machines.)

The checks: back (a backtrack from the sink reaches the source, or for
name and attr probes the probe's process), fwd (a forward walk from the
source reaches the sink: for net probes the sink or an endpoint), decoy
(the decoy read after the sink was done is not blamed), filters (the
default filters keep the source), cred (the sink's writer shows its new
uid 65534); EXTRA adds checks the script made itself, as
"CHECK=ok" or "CHECK=missing:DETAIL", ";"-separated (detect: the source
says it cannot see the call).  A DESIGN row covers every check of its
probe but these.

DESIGN lines: "SOURCE PROBE REASON" (the source cannot see it by design);
KNOWN lines: "SOURCE:PROBE:CHECK TITLE" (shell patterns; a known bug).
With PROBES_FAILING set, prints only SOURCE:PROBE of the probes with an
unexpected failure (probes.sh records those once more).
LIST: the probe list of probes.sh (name kind precondition calls...), for
the table's "calls" column.  Prints a line per check that is not plainly
ok, the coverage table (also written to TABLE, markdown; a known failure
shows its finding's number), and exits 1 if a check failed that is
neither by design nor known.
"""
import concurrent.futures
import fnmatch
import os
import json
import sys

from walklib import load, match, table_lines, walk as walk_on


def graph(d):
    nodes = {n["id"]: n for n in d["nodes"]}
    out, inn = {}, {}
    for e in d["edges"]:
        out.setdefault(e["from"], []).append(e)
        inn.setdefault(e["to"], []).append(e)
    return nodes, out, inn






def reach(d, start, specs, forward):
    """Nodes matching any spec that a path from start reaches (forward:
    along edges; else against them)."""
    nodes, out, inn = graph(d)
    seen, todo = {start}, [start]
    while todo:
        x = todo.pop()
        for e in (out if forward else inn).get(x, ()):
            y = e["to"] if forward else e["from"]
            if y not in seen:
                seen.add(y)
                todo.append(y)
    return [nodes[i] for i in seen
            if i != start and any(match(nodes[i], s) for s in specs)]


def summary(d, limit=12):
    nodes, out, inn = graph(d)
    labels = []
    for n in d["nodes"]:
        if n.get("detection"):
            continue
        ops = sorted({e["op"] for e in out.get(n["id"], [])})
        labels.append("%s(%s)" % (n["label"], ",".join(ops)))
    more = "" if len(labels) <= limit else " +%d more" % (len(labels) - limit)
    return "%d nodes: %s%s" % (len(d["nodes"]), "; ".join(labels[:limit]),
                               more)


def checks(kind, src, sink, exe, back, fwd, backf):
    """Yields (check, ok, detail)."""
    proc = "process:" + exe
    want_fwd = ["file:" + sink]
    if kind in ("name", "attr"):
        want_back = [proc]
    else:
        want_back = ["file:" + src]

    def walk_check(name, d, want, forward):
        if isinstance(d, str):
            return (name, False, "the walk failed: " + d)
        got = reach(d, d["detection"], want, forward)
        if got:
            return (name, True, "reaches " + got[0]["label"])
        return (name, False, "does not reach %s; %s" %
                (" or ".join(want), summary(d)))

    yield walk_check("back", back, want_back, False)
    if kind not in ("name", "attr"):
        yield walk_check("fwd", fwd, want_fwd, True)
    if isinstance(back, dict):
        bad = [n for n in back["nodes"] if match(n, "file:/decoy")]
        if bad:
            yield ("decoy", False, "blames %s (read after the sink was done)"
                   % bad[0]["label"])
        else:
            yield ("decoy", True, "")
    if kind in ("flow", "exec", "cred", "net"):
        yield walk_check("filters", backf, want_back, False)
    if kind == "cred" and isinstance(back, dict):
        ps = reach(back, back["detection"], [proc], False)
        shown = [p for p in ps if "65534" in json.dumps(p)]
        if shown:
            yield ("cred", True, "")
        elif ps:
            yield ("cred", False, "the writer shows no uid 65534: %s" %
                   json.dumps({k: ps[0].get(k) for k in ps[0]
                               if k in ("label", "uid", "cred", "labels")}))
        else:
            yield ("cred", False, "the writer is not in the result")






def walk(log, out, args):
    # probes.sh runs this script twice over the `btrack record` probes
    # (once to find the ones to record again, which it deletes, then for
    # the table): a result already written from this very log is the
    # same walk's, kept (half the walks, a minute under sanitizers).
    try:
        if os.path.getmtime(out) >= os.path.getmtime(log):
            return out
    except OSError:
        pass
    return walk_on(log, "--log", out, args)


def run_walks(rows):
    """For each job row, starts its walks; returns futures by row index."""
    pool = concurrent.futures.ThreadPoolExecutor(4)
    futs = {}
    for i, f in enumerate(rows):
        kind, src, sink, run, log, frm = f[2], f[3], f[4], f[6], f[7], f[8]
        if run != "ok":
            continue
        d = os.path.dirname(sink)
        back = pool.submit(walk, log, d + "/back.json",
                           ["backtrack", "--from", frm, "--no-filters"])
        fwd = backf = None
        if kind not in ("name", "attr"):
            fwd = pool.submit(walk, log, d + "/fwd.json",
                              ["forward", "--from", "file:" + src,
                               "--no-filters"])
            backf = pool.submit(walk, log, d + "/backf.json",
                                ["backtrack", "--from", frm])
        futs[i] = (back, fwd, backf)
    return futs


def main():
    jobs, design_f, known_f, table_f = sys.argv[1:5]
    calls = {}
    if len(sys.argv) > 5:
        for f in table_lines(sys.argv[5]):
            if len(f) == 3:
                calls[f[0]] = f[2].split(None, 1)[-1]
    rows = [line.rstrip("\n").split("\t") for line in open(jobs)]
    futs = run_walks(rows)
    design = {(f[0], f[1]): f[2] if len(f) > 2 else "" for f in
              table_lines(design_f)}
    known = [(f[0], " ".join(f[1:])) for f in table_lines(known_f)]
    sources, probes, cells = [], [], {}
    failed = nknown = nowok = 0
    failing = set()
    if os.environ.get("PROBES_FAILING"):
        sys.stdout = open(os.devnull, "w")  # only the names, at the end
    for i, f in enumerate(rows):
        s, p, kind, src, sink, exe, run = f[:7]
        if s not in sources:
            sources.append(s)
        if (p, kind) not in probes:
            probes.append((p, kind))
        why = design.get((s, p))
        if run.startswith("unavailable"):
            print("skip: %s %s: %s" % (s, p, run))
            cells[s, p] = "unavailable here"
            continue
        if run == "ok":
            res = list(checks(kind, src, sink, exe,
                              *(load(x.result() if x else "-")
                                for x in futs[i])))
        else:
            res = [("run", False, run)]
        extra = []
        for x in (f[9] if len(f) > 9 else "").split(";"):
            if "=" in x:
                c, v = x.split("=", 1)
                extra.append((c, v == "ok", v.partition(":")[2]))
        res += extra
        bad, kn, ids = [], [], []
        for check, ok, detail in res:
            why = design.get((s, p)) if (check, ok, detail) not in extra \
                else None
            title = next((t for pat, t in known
                          if fnmatch.fnmatchcase("%s:%s:%s" % (s, p, check),
                                                 pat)), None)
            if ok:
                if why is not None and check == "back":
                    print("now ok: %s %s %s (listed as not visible: %s)"
                          % (s, p, check, why))
                    nowok += 1
                elif why is None and title:
                    print("now ok: %s %s %s (known: %s): remove it from "
                          "KNOWN" % (s, p, check, title))
                    nowok += 1
            elif why is not None:
                print("not visible: %s %s %s: %s" % (s, p, check, detail))
            elif title:
                print("known: %s %s %s [%s]: %s" % (s, p, check, title,
                                                     detail))
                kn.append(check)
                if title.split()[0] not in ids:
                    ids.append(title.split()[0])
                nknown += 1
            else:
                print("FAIL: %s %s %s: %s" % (s, p, check, detail))
                bad.append(check)
                failed += 1
                failing.add("%s:%s" % (s, p))
        why = design.get((s, p))
        if why is not None:
            cells[s, p] = "not visible: " + why + \
                ("" if not bad + kn else " (missing: %s)" % ",".join(bad + kn))
        elif bad or kn:
            cells[s, p] = "missing: " + ",".join(bad + kn) + \
                (" (%s)" % ", ".join(ids) if ids else "")
        else:
            cells[s, p] = "ok"
    rows = ["| probe | calls | " + " | ".join(sources) + " |",
            "|---|---|" + "---|" * len(sources)]
    for p, kind in probes:
        rows.append("| %s | %s | %s |" % (p, calls.get(p, kind), " | ".join(
            cells.get((s, p), "-") for s in sources)))
    with open(table_f, "w") as t:
        t.write("\n".join(rows) + "\n")
    if os.environ.get("PROBES_FAILING"):
        sys.stdout = sys.__stdout__
        print(" ".join(sorted(failing)))
        sys.exit(0)
    print("\ncoverage (missing: the checks that fail):")
    print("\n".join(rows))
    print("\nprobes: %d failed, %d known failures, %d now ok"
          % (failed, nknown, nowok))
    sys.exit(1 if failed else 0)


main()
