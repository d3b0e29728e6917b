"""walklib.py - what the probe and scenario judges (check.py, judge.py)
share: reading a walk's JSON result, matching its nodes, reading the
KNOWN/DESIGN tables, and running one btrack walk."""

import json
import os
import subprocess


def load(p):
    """A result: None for "-", the error text for "!text", else the JSON
    (or a description of why it could not be read)."""
    if p == "-":
        return None
    if p.startswith("!"):
        return p[1:]
    try:
        return json.load(open(p))
    except Exception as e:  # noqa: BLE001 - reported as the check's detail
        return "unreadable result %s: %s" % (p, e)


def vals(n):
    v = [str(n.get(k) or "") for k in ("path", "exe", "label")]
    v += [str(p) for p in n.get("paths") or []]
    if n.get("argv"):  # a process by its command line too (a JVM is "java")
        v.append(" ".join(str(x) for x in n["argv"]))
    return v


def match(n, spec):
    """kind:text matches a node of that kind (* any) whose path, exe,
    label, one of its paths or (a process) its command line, its argv
    joined by spaces, ends with text (text* : contains text)."""
    kind, text = spec.split(":", 1)
    if kind != "*" and n["kind"] != kind:
        return False
    if text.endswith("*"):
        return any(text[:-1] in v for v in vals(n))
    return any(v.endswith(text) for v in vals(n))


def table_lines(path):
    """The lines of a KNOWN or DESIGN table, split in three, comments and
    blank lines left out."""
    out = []
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line.split(None, 2))
    return out


def walk(where, flag, out, args):
    """Runs btrack ARGS on WHERE (given with FLAG: --log or --db) into
    OUT (JSON); returns OUT or "!error"."""
    r = subprocess.run([os.environ["BTRACK"]] + args +
                       [flag, where, "--format", "json", "--force", "-o", out],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode == 0:
        return out
    return "!" + (r.stderr.strip().splitlines() or ["exit %d" %
                                                     r.returncode])[-1]
