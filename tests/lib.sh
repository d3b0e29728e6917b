# tests/lib.sh - what the scenario tests share; source it with
#   . "$BTRACK_TOP/tests/lib.sh"
# (it lives outside tests/scenario/ so the runner does not run it).
#
#   bt_need_record [pages]  skip (77) unless `btrack record` works here;
#                           with "pages", also unless the page monitor is
#                           built (then BTRACK_PRELOAD points at it)
#   bt_chain JSON STEP...   a directed path through a JSON result visits
#                           nodes matching the steps in order; kind:text
#                           matches a node of that kind whose path, exe or
#                           label ends with text (text* : contains text)
#   fail MSG...             print "FAIL: MSG" and exit 1
#   expect CODE CMD...      run CMD (stdout in $tmp/out, stderr in
#                           $tmp/err) and fail unless it exits CODE
# They expect $T (bt_*) or $tmp (expect), a temporary directory the test
# removes.

bt_need_record() {
	if [ "${1:-}" = pages ]; then
		so=${BTRACK_PRELOAD:-$BTRACK_TOP/${B:-build}/libbtrack-pages.so}
		[ -f "$so" ] || { echo "page monitor $so not built yet"; exit 77; }
		export BTRACK_PRELOAD="$so"
	fi
	"$BTRACK" record --no-pages -o "$T/probe.btl" -- true 2>"$T/err" || {
		cat "$T/err"
		echo "ptrace/seccomp not usable here: $(tail -n 1 "$T/err")"
		exit 77
	}
}

bt_chain() {
	python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
nodes = {n["id"]: n for n in d["nodes"]}
out = {}
for e in d["edges"]:
    out.setdefault(e["from"], set()).add(e["to"])
def match(n, step):
    kind, text = step.split(":", 1)
    if n["kind"] != kind:
        return False
    vals = [str(n.get(k) or "") for k in ("path", "exe", "label")]
    if text.endswith("*"):
        return any(text[:-1] in v for v in vals)
    return any(v.endswith(text) for v in vals)
def reach(a, b):
    seen, todo = {a}, [a]
    while todo:
        x = todo.pop()
        if x == b:
            return True
        for y in out.get(x, ()):
            if y not in seen:
                seen.add(y); todo.append(y)
    return False
steps = sys.argv[2:]
cur = [i for i, n in nodes.items() if match(n, steps[0])]
if not cur:
    sys.exit("no node for %s" % steps[0])
for s in steps[1:]:
    nxt = [i for i, n in nodes.items() if match(n, s)]
    if not nxt:
        sys.exit("no node for %s" % s)
    cur = [b for b in nxt if any(reach(a, b) for a in cur)]
    if not cur:
        sys.exit("no path to %s" % s)
PY
}

# Write server.py and client.py into the current directory: a loopback TCP
# pair.  `python3 server.py PORTFILE OUT` listens on 127.0.0.1 (a free port,
# written to PORTFILE atomically), writes what one client sends to OUT and
# gives up after 120 s; `python3 client.py PORTFILE` waits up to 60 s for
# PORTFILE (a loaded machine starts a traced python slowly) and sends
# "payload from the network".
bt_tcp_scripts() {
	cat > server.py <<'PY'
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
s.settimeout(120)   # never hang the test if the client gave up
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
c, addr = s.accept()
data = b""
while True:
    b = c.recv(4096)
    if not b:
        break
    data += b
open(sys.argv[2], "wb").write(data)
PY
	cat > client.py <<'PY'
import socket, sys, time
for _ in range(1200):
    try:
        port = int(open(sys.argv[1]).read())
        break
    except Exception:
        time.sleep(0.05)
c = socket.create_connection(("127.0.0.1", port))
c.sendall(b"payload from the network")
c.close()
PY
}

fail() { echo "FAIL: $*" >&2; exit 1; }

expect() {
	want=$1
	shift
	set +e
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	[ "$rc" -eq "$want" ] || {
		cat "$tmp/err" >&2
		fail "exit $rc, not $want: $*"
	}
}

# A private PostgreSQL server (as scenario/db-pg.sh and db-hosts.sh start
# one): initdb and pg_ctl in DIR (under /tmp: the postgres user enters
# it), as the postgres user when root, on a unix socket in DIR only.
#   bt_pg_start DIR     1 (with a reason on stderr) when there is none
#   bt_pg_psql DB SQL   run SQL in database DB
#   bt_pg_uri DB        the connection URI of database DB
#   bt_pg_stop DIR      stop it (nothing if it never started)
# Sets pgok=1 once started.
bt_pg_start() {
	bt_pg_dir=$1
	bt_pg_bin=
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && bt_pg_bin=$d
	done
	[ -n "$bt_pg_bin" ] || { echo "no PostgreSQL server" >&2; return 1; }
	command -v psql >/dev/null 2>&1 || { echo "no psql" >&2; return 1; }
	mkdir -p "$bt_pg_dir"
	chmod 755 "$bt_pg_dir"
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || { echo "no postgres user" >&2; return 1; }
		chown postgres "$bt_pg_dir"
		bt_as_pg() { su postgres -s /bin/sh -c "$*"; }
	else
		bt_as_pg() { sh -c "$*"; }
	fi
	bt_as_pg "$bt_pg_bin/initdb -D $bt_pg_dir/data -A trust -U postgres" \
		>"$bt_pg_dir/initdb.log" 2>&1 || {
		echo "initdb failed" >&2; return 1; }
	bt_as_pg "$bt_pg_bin/pg_ctl -D $bt_pg_dir/data -l $bt_pg_dir/server.log -w -o \"-k $bt_pg_dir -c listen_addresses=''\" start" \
		>/dev/null 2>&1 || { echo "the PostgreSQL server did not start" >&2; return 1; }
	pgok=1
}
bt_pg_psql() {
	psql -X -q -v ON_ERROR_STOP=1 "host=$bt_pg_dir user=postgres dbname=$1" \
		-At -c "$2"
}
bt_pg_uri() { echo "postgresql:///$1?host=$bt_pg_dir&user=postgres"; }
bt_pg_stop() {
	[ -n "${bt_pg_bin:-}" ] && [ -f "$1/data/postmaster.pid" ] &&
		bt_as_pg "$bt_pg_bin/pg_ctl -D $1/data -m immediate -w stop" \
			>/dev/null 2>&1
	true
}
