#!/usr/bin/env python3
"""audit-session.py - keep, from a raw audit log, the events of one audit
session: usage: audit-session.py SES < audit.log > session.log

Events with a SYSCALL record are kept when its ses= is SES; events without
one (daemon start, configuration changes) are kept.  The tests start their
commands in a session of their own (`echo 0 > /proc/self/loginuid` gives
the writing process and all its descendants a new session id, as a login
does), because tests/audit-capture.sh records the whole machine and the
tests of other checkouts running at the same time would make the answers
vary from run to run.  The filtered log is what a quiet machine would have
logged; the unfiltered one is kept beside it.
"""
import re
import sys

ses = sys.argv[1]
ev_re = re.compile(r"msg=audit\(([0-9.]+:[0-9]+)\)")
ses_re = re.compile(r" ses=(\S+)")
events, order = {}, []
for line in sys.stdin:
    m = ev_re.search(line)
    key = m.group(1) if m else None
    if key not in events:
        events[key] = []
        order.append(key)
    events[key].append(line)
for key in order:
    lines = events[key]
    sc = next((x for x in lines if x.startswith("type=SYSCALL")), None)
    if sc is not None:
        m = ses_re.search(sc)
        if not m or m.group(1) != ses:
            continue
    sys.stdout.writelines(lines)
