#!/usr/bin/env python3
"""judge.py - judge the scenario tests' walks (tests/scenario/scenarios.sh,
tests/scenario/workloads.sh): one python run for all checks.

usage: judge.py JOBS DESIGN KNOWN

Each line of JOBS (tab-separated) is one check on one walk:
    SOURCE SCENARIO CHECK LOG DB WALK FROM FILTERS ASSERTION ARG...
WALK is back or fwd, FROM the walk's SPEC, FILTERS none or default; the
walk is run (with $BTRACK, a few at a time, each distinct walk once) on
LOG and, unless DB is "-", on the case database DB; results go beside
LOG.  (One python run for all: python and process creation are slow on
small machines.)
Assertions, on the walk's result from the log:
    reaches SPEC...   every SPEC is a node with a path to (backward walk)
                      or from (forward walk) the detection point
    lacks SPEC...     no node matches any SPEC
    chain SPEC...     a directed path visits nodes matching SPECs in order
    max N             the result has at most N nodes
    agree             the log and the case database give the same nodes
                      (kind, label) and edges (from, to, op)
SPEC is KIND:TEXT, matching a node of that kind whose path, exe or label
ends with TEXT, or a process whose command line (argv joined by spaces)
does (TEXT* : contains it; KIND *: any kind).
DESIGN lines: "SOURCE:SCENARIO:CHECK REASON" (the source cannot see it:
reported, not failed); KNOWN lines "SOURCE:SCENARIO:CHECK TITLE" (a known
bug); both shell patterns.  Prints what is not plainly ok and a summary table;
exits 1 if a check failed that is neither by design nor known.
"""
import concurrent.futures
import fnmatch
import hashlib
import os
import sys

from walklib import load, match, table_lines, walk






def adj(d):
    out = {}
    for e in d["edges"]:
        out.setdefault(e["from"], set()).add(e["to"])
    return out


def reachable(out, a):
    seen, todo = {a}, [a]
    while todo:
        x = todo.pop()
        for y in out.get(x, ()):
            if y not in seen:
                seen.add(y)
                todo.append(y)
    return seen


def summary(d, limit=15):
    labels = [n["label"] for n in d["nodes"] if not n.get("detection")]
    more = "" if len(labels) <= limit else " +%d more" % (len(labels) - limit)
    # what the capture said it lost comes first (a failure's first cause
    # to rule out; run.sh shows the start of each FAIL: line)
    dr = d.get("drops") or {}
    lost = ""
    if dr.get("records") or dr.get("causes"):
        lost = "capture drops %s; " % ", ".join(
            "%s=%s" % kv for kv in sorted((dr.get("causes") or {}).items())) \
            if dr.get("causes") else "capture drops %s; " % dr["records"]
    return "%s%d nodes: %s%s" % (lost, len(d["nodes"]),
                                 "; ".join(labels[:limit]), more)


def shape(d):
    lab = {n["id"]: (n["kind"], n["label"]) for n in d["nodes"]}
    return ({v for v in lab.values()},
            {(lab[e["from"]], lab[e["to"]], e["op"]) for e in d["edges"]})


def check(log, db, what, args):
    """Returns (ok, detail)."""
    if what == "agree" and isinstance(log, str) and isinstance(db, str):
        return True, ""  # neither knows the object
    if isinstance(log, str):
        return False, "the walk failed: " + log
    if what == "agree":
        if db is None:
            return True, ""
        if isinstance(db, str):
            return False, "the walk on the case database failed: " + db
        (ln, le), (dn, de) = shape(log), shape(db)
        if ln == dn and le == de:
            return True, ""
        return False, ("log and case database differ: nodes only in the "
                       "log %s, only in the db %s; %d edges differ" %
                       (sorted(ln - dn)[:5], sorted(dn - ln)[:5],
                        len(le ^ de)))
    nodes = {n["id"]: n for n in log["nodes"]}
    if what == "max":
        n = len(log["nodes"])
        return n <= int(args[0]), "%d nodes (at most %s)" % (n, args[0])
    if what == "lacks":
        bad = [n["label"] for n in log["nodes"]
               if any(match(n, s) for s in args) and not n.get("detection")]
        if bad:
            return False, "blames %s; %s" % (", ".join(bad[:5]),
                                              summary(log))
        return True, ""
    out = adj(log)
    if log.get("direction") == "backward":
        rev = {}
        for a, bs in out.items():
            for b in bs:
                rev.setdefault(b, set()).add(a)
        from_det = reachable(rev, log["detection"])
    else:
        from_det = reachable(out, log["detection"])
    if what == "reaches":
        miss = [s for s in args
                if not any(match(nodes[i], s) for i in from_det)]
        if miss:
            return False, "does not reach %s; %s" % (", ".join(miss),
                                                      summary(log))
        return True, ""
    if what == "chain":
        cur = [i for i, n in nodes.items() if match(n, args[0])]
        for s in args[1:]:
            if not cur:
                break
            nxt = [i for i, n in nodes.items() if match(n, s)]
            cur = [b for b in nxt
                   if any(b in reachable(out, a) for a in cur)]
        if cur:
            return True, ""
        return False, "no path %s; %s" % (" -> ".join(args), summary(log))
    return False, "unknown assertion " + what






def main():
    jobs, design_f, known_f = sys.argv[1:4]
    rows = [line.rstrip("\n").split("\t") for line in open(jobs)]
    pool = concurrent.futures.ThreadPoolExecutor(4)
    walks = {}
    for f in rows:
        log, db, wdir, frm, filt = f[3:8]
        key = (log, db, wdir, frm, filt)
        if key in walks:
            continue
        args = ["backtrack" if wdir == "back" else "forward", "--from", frm]
        if filt == "none":
            args.append("--no-filters")
        h = hashlib.md5(repr(key).encode()).hexdigest()[:10]
        base = os.path.join(os.path.dirname(log), "walk-" + h)
        walks[key] = (pool.submit(walk, log, "--log", base + ".log.json",
                                  args),
                      pool.submit(walk, db, "--db", base + ".db.json", args)
                      if db != "-" else None)
    agreed = set()
    design = [(f[0], " ".join(f[1:])) for f in table_lines(design_f)]
    known = [(f[0], " ".join(f[1:])) for f in table_lines(known_f)]
    failed = nknown = nowok = total = 0
    cells, sources, scens = {}, [], []
    todo = []
    for f in rows:
        key = tuple(f[3:8])
        logp = walks[key][0].result()
        dbp = walks[key][1].result() if walks[key][1] else "-"
        if walks[key][1] and key not in agreed:
            agreed.add(key)
            short = f[6].replace(os.path.dirname(f[3]) + "/" + f[1] + "/", "")
            todo.append(f[:2] + ["%s:%s:%s:agree" % (f[5], short, f[7]),
                                 logp, dbp, "agree"])
        todo.append(f[:3] + [logp, "-"] + f[8:])
    for f in todo:
        s, sc, name, logp, dbp, what = f[:6]
        if s not in sources:
            sources.append(s)
        if sc not in scens:
            scens.append(sc)
        total += 1
        ok, detail = check(load(logp), load(dbp), what, f[6:])
        key = "%s:%s:%s" % (s, sc, name)
        why = next((t for p, t in design if fnmatch.fnmatchcase(key, p)),
                   None)
        title = next((t for p, t in known if fnmatch.fnmatchcase(
            "%s:%s:%s" % (s, sc, name), p)), None)
        c = cells.setdefault((s, sc), [0, 0])
        c[1] += 1
        if ok:
            c[0] += 1
            if why is None and title:
                print("now ok: %s %s %s (known: %s): remove it from KNOWN"
                      % (s, sc, name, title))
                nowok += 1
            elif detail and what == "max":
                print("size: %s %s %s: %s" % (s, sc, name, detail))
        elif why is not None:
            print("not visible: %s %s %s [%s]: %s" % (s, sc, name, why,
                                                      detail))
        elif title:
            print("known: %s %s %s [%s]: %s" % (s, sc, name, title, detail))
            nknown += 1
        else:
            print("FAIL: %s %s %s: %s" % (s, sc, name, detail))
            failed += 1
    print("\nchecks passed (of all) per scenario and source:")
    print("%-16s" % "" + "".join("%14s" % s for s in sources))
    for sc in scens:
        print("%-16s" % sc + "".join(
            "%14s" % ("%d/%d" % tuple(cells[s, sc]) if (s, sc) in cells
                      else "-") for s in sources))
    print("\n%d checks: %d failed, %d known failures, %d now ok"
          % (total, failed, nknown, nowok))
    sys.exit(1 if failed else 0)


main()
