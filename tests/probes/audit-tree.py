#!/usr/bin/env python3
"""audit-tree.py - keep, from a raw audit log, the events of one process
tree: the process that exec'd a command line containing MARK, and its
descendants (by ppid, or by the exit value of their parent's clone, fork
or vfork).  Events without a SYSCALL record (daemon start, configuration
changes) are kept.  usage: audit-tree.py MARK < audit.log > tree.log

Why: tests/audit-capture.sh records the whole machine, and the tests of
other checkouts running at the same time add processes that would make
the scenario tests' answers vary from run to run.  The filtered log is
what a quiet machine would have logged; the unfiltered one is kept beside
it.  (x86-64 syscall numbers: clone 56, fork 57, vfork 58, clone3 435,
exit_group 231.)
"""
import re
import sys

mark = sys.argv[1]
ev_re = re.compile(r"msg=audit\(([0-9.]+:[0-9]+)\)")
events, order = {}, []
for line in sys.stdin:
    m = ev_re.search(line)
    key = m.group(1) if m else None
    if key not in events:
        events[key] = []
        order.append(key)
    events[key].append(line)


def field(line, name):
    m = re.search(r"(?:^| )%s=(\S+)" % name, line)
    return m.group(1).strip('"') if m else None


tree = set()
root = None
out = sys.stdout
for key in order:
    lines = events[key]
    sc = next((x for x in lines if x.startswith("type=SYSCALL")), None)
    if sc is None:
        out.writelines(lines)
        continue
    pid, ppid = field(sc, "pid"), field(sc, "ppid")
    nr, ex = field(sc, "syscall"), field(sc, "exit")
    if pid not in tree:
        execve = next((x for x in lines if x.startswith("type=EXECVE")), "")
        if ppid in tree or (mark in execve):
            tree.add(pid)
            if ppid not in tree:
                root = pid
    elif ppid not in tree and pid != root:
        tree.discard(pid)  # the pid was reused outside the tree
    if pid in tree:
        out.writelines(lines)
        if nr in ("56", "57", "58", "435") and ex and ex.isdigit() and \
                ex != "0":
            tree.add(ex)
        if nr == "231":
            tree.discard(pid)
