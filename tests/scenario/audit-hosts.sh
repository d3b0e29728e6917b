#!/bin/sh
# audit-hosts.sh - connections between hosts from real audit logs (issue
# 11): under a private auditd (tests/audit-capture.sh) host "web" runs a
# client that reads a secret and sends it over loopback TCP, host "db" a
# server that receives it and writes a file.  The audit log is split in
# two by process tree (whole events kept), each half imported
# (`import --format auditd`) and added with --host into one case, on
# sqlite and on PostgreSQL (a private server, as scenario/db-pg.sh starts
# it, when installed): the backtrack from db's file reaches web's secret,
# the same JSON on both.  Audit never gives a client its own port: the
# join is the half-known rule (graph/channel.h).  Then two clients sending
# at once to one server (both connections open together): no wrong join
# (a file the server wrote never reaches the other client's secret) and a
# note.  And the whole audit log imported as one log (no --host): the
# backtrack crosses the connection as for a recorded log.  Skips (77)
# without root, auditd or python3.  KEEP=1 keeps the files.
set -eu
: "${BTRACK:=btrack}"
: "${BTRACK_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$BTRACK_TOP/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }
command -v auditd >/dev/null 2>&1 || { echo "auditd is not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "auditd needs root"; exit 77; }

# The postgres user must enter the directory: under /tmp, not $TMPDIR.
T=$(mktemp -d /tmp/btrack-ahosts.XXXXXX)
chmod 755 "$T"
tmp=$T
[ -n "${KEEP:-}" ] && echo "keeping $T"
trap 'bt_pg_stop "$T/pg"; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
cd "$T"

# ---- the programs ------------------------------------------------------
echo "the secret $$" > secret.txt
echo "first secret $$" > s1.txt
echo "second secret $$" > s2.txt
# server.py PORTFILE N OUT...: accept N connections (all of them before
# reading any: with N = 2 both are open at once), write what each sent.
# It binds a port chosen before (a fixed port, as real servers have):
# audit logs a bind's address, not the port the kernel picks for port 0.
cat > server.py <<'PY'
import os, socket, sys
p = socket.socket()
p.bind(("127.0.0.1", 0))
port = p.getsockname()[1]
p.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(8)
s.settimeout(60)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
cs = [s.accept()[0] for _ in range(int(sys.argv[2]))]
for c, out in zip(cs, sys.argv[3:]):
    data = b""
    while True:
        b = c.recv(4096)
        if not b:
            break
        data += b
    open(out, "wb").write(data)
PY
# client.py PORTFILE SECRET [WAIT]: connect, wait, send the secret
cat > client.py <<'PY'
import socket, sys, time
for _ in range(600):
    try:
        port = int(open(sys.argv[1]).read())
        break
    except Exception:
        time.sleep(0.05)
data = open(sys.argv[2], "rb").read()
c = socket.create_connection(("127.0.0.1", port))
if len(sys.argv) > 3:
    time.sleep(float(sys.argv[3]))
c.sendall(data)
c.close()
PY
# Each host's programs start from a shell that writes its pid (the root
# of that host's process tree in the audit log).
cat > db.sh <<'SH'
echo $$ > db.pid
python3 server.py port 1 received.txt
python3 server.py port2 2 r1.txt r2.txt
SH
cat > web.sh <<SH
echo \$\$ > web.pid
python3 client.py port secret.txt
python3 client.py port2 s1.txt 1 & python3 client.py port2 s2.txt 1
wait
SH
cat > run.sh <<'SH'
sh db.sh & srv=$!
sh web.sh
wait $srv
SH
rc=0
sh "$BTRACK_TOP/tests/audit-capture.sh" "$T/audit" -- sh run.sh \
	>capture.out 2>&1 || rc=$?
[ $rc -eq 77 ] && { cat capture.out; exit 77; }
[ $rc -eq 0 ] || { cat capture.out; fail "the capture failed ($rc)"; }
cmp secret.txt received.txt || fail "the server did not receive the secret"

# ---- split the audit log by process tree, whole events -----------------
python3 - audit/audit.log "$(cat web.pid)" "$(cat db.pid)" <<'PY'
import re, sys
log, roots = sys.argv[1], {"web": int(sys.argv[2]), "db": int(sys.argv[3])}
ev, order = {}, []
for line in open(log, errors="replace"):
    m = re.search(r"msg=audit\(([0-9.]+:[0-9]+)\)", line)
    if not m:
        continue
    k = m.group(1)
    if k not in ev:
        ev[k] = []
        order.append(k)
    ev[k].append(line)
members = {h: {p} for h, p in roots.items()}
out = {h: open(h + ".log", "w") for h in roots}
for k in order:
    sc = [l for l in ev[k] if l.startswith("type=SYSCALL")]
    if not sc:
        continue
    f = dict(re.findall(r" (pid|ppid|syscall|exit)=(-?[0-9]+)", sc[0]))
    pid, ppid = int(f.get("pid", 0)), int(f.get("ppid", 0))
    for h, s in members.items():
        if pid in s or ppid in s:
            s.add(pid)
            # fork, vfork, clone, clone3: the child is the exit value
            if f.get("syscall") in ("56", "57", "58", "435") and \
               int(f.get("exit", 0)) > 0:
                s.add(int(f["exit"]))
            out[h].writelines(ev[k])
            break
PY
for h in web db; do
	grep -q 'syscall=42 ' $h.log || grep -q 'SYSCALL=connect' $h.log ||
		[ $h = db ] || fail "no connect in $h's audit log"
	expect 0 "$BTRACK" import --format auditd -o $h.btl $h.log
done
grep -q 'syscall=43 \|syscall=288 ' db.log || fail "no accept in db's audit log"
expect 0 "$BTRACK" import --format auditd -o all.btl audit/audit.log

labels() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for l in sorted(n["label"] for n in d["nodes"]): print(l)' "$1"
}
# nowrong JSON FILE: the backtrack from FILE reaches no secret other
# than the one FILE holds (what the server received tells who sent it)
nowrong() {
	python3 - "$1" "$T/$2" "$T" <<'PY' || fail "$2: a wrong join: $(labels "$1" | grep secret)"
import json, sys
d = json.load(open(sys.argv[1]))
got = open(sys.argv[2], "rb").read()
for n in d["nodes"]:
    p = n.get("path") or n.get("label") or ""
    for s in ("s1.txt", "s2.txt"):
        if p == sys.argv[3] + "/" + s and open(p, "rb").read() != got:
            sys.exit(1)
PY
}

# ---- one audit log (both processes, no --host) --------------------------
expect 0 "$BTRACK" backtrack --log all.btl --from "file:$T/received.txt" \
	--format json
labels "$T/out" > lab
grep -qx "$T/secret.txt" lab ||
	fail "one audit log: the backtrack does not reach the client's secret: $(cat lab)"
bt_chain "$T/out" file:secret.txt process:python3* endpoint:127.0.0.1* \
	endpoint:127.0.0.1* process:python3* file:received.txt ||
	fail "one audit log: no path through the connection"
# two clients at once (both connections open together): no wrong join,
# and a warning that the ends could not be told apart
for f in r1.txt r2.txt; do
	expect 0 "$BTRACK" backtrack --log all.btl --from "file:$T/$f" \
		--format json
	nowrong "$T/out" $f
	grep -q "warning: [0-9]* connection ends\{0,1\} left unjoined" "$T/err" ||
		fail "one audit log, $f: no warning: $(cat "$T/err")"
done

# ---- two hosts: sqlite, PostgreSQL -------------------------------------
stores="$T/c.db"
if bt_pg_start "$T/pg"; then
	bt_pg_psql postgres "CREATE DATABASE ah"
	stores="$stores $(bt_pg_uri ah)"
else
	echo "note: no PostgreSQL server here: sqlite only" >&2
fi
n=0
for db in $stores; do
	n=$((n + 1))
	expect 0 "$BTRACK" db add --db "$db" --host web web.btl
	expect 0 "$BTRACK" db add --db "$db" --host db db.btl
	expect 0 "$BTRACK" backtrack --db "$db" --from "file:$T/received.txt" \
		--format json
	cp "$T/out" "back.$n"
	labels "back.$n" > lab
	grep -qx "$T/secret.txt" lab ||
		fail "two hosts on $db: web's secret is not reached: $(cat lab)"
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
h = {n["label"].rsplit("/", 1)[-1]: n["host"] for n in d["nodes"]}
assert h.get("received.txt") == "db", h
assert h.get("secret.txt") == "web", h' "back.$n" ||
		fail "two hosts on $db: nodes do not name their hosts"
	grep -q "connection.* joined between hosts" "$T/err" ||
		fail "two hosts on $db: no join reported: $(cat "$T/err")"
	grep -q "[0-9]* connection ends left unjoined between hosts" "$T/err" ||
		fail "two hosts on $db: the two clients at once not noted: $(cat "$T/err")"
	for f in r1.txt r2.txt; do
		expect 0 "$BTRACK" backtrack --db "$db" --from "file:$T/$f" \
			--format json
		nowrong "$T/out" $f
	done
	# with --host: an island
	expect 0 "$BTRACK" backtrack --db "$db" --host db \
		--from "file:$T/received.txt" --format json
	labels "$T/out" > lab
	grep -qx "$T/secret.txt" lab && fail "--host db alone reaches the secret"
	true
done
if [ $n -gt 1 ]; then
	cmp -s back.1 back.2 ||
		fail "PostgreSQL differs from sqlite: $(diff back.1 back.2 | head -5)"
fi
# ---- a version 1 database (before connection ends were kept apart) ------
# an end keyed by its address alone, as version 1 wrote it: adding to it
# is refused (it would duplicate the ends), walks still read it; sqlite
# in check_db (old_database_v1), PostgreSQL here
if [ -n "${pgok:-}" ]; then
	bt_pg_psql postgres "CREATE DATABASE old"
	expect 0 "$BTRACK" db add --db "$(bt_pg_uri old)" --host web web.btl
	bt_pg_psql old "UPDATE objects SET ident = '\\x303a3a653a'::bytea || path,
		host = NULL WHERE id IN (SELECT min(id) FROM objects
		WHERE kind = 'endpoint' GROUP BY path);
		UPDATE btrack SET version = 1"
	expect 3 "$BTRACK" db add --db "$(bt_pg_uri old)" --host db db.btl
	grep -q "version 1 with [0-9]* connection ends\{0,1\} merged by address" \
		"$T/err" || fail "old database: $(cat "$T/err")"
	expect 0 "$BTRACK" backtrack --db "$(bt_pg_uri old)" \
		--from "file:$T/secret.txt"
	[ "$(bt_pg_psql old "SELECT version FROM btrack")" = 1 ] ||
		fail "old database: changed by a walk"
	# without merged ends: upgraded when written to
	bt_pg_psql old "UPDATE objects SET ident = ident || '\\x78'::bytea
		WHERE kind = 'endpoint'"
	expect 0 "$BTRACK" db add --db "$(bt_pg_uri old)" --host db db.btl
	[ "$(bt_pg_psql old "SELECT version FROM btrack")" = 2 ] ||
		fail "old database: not upgraded"
fi
echo "ok: audit logs joined (one log; two hosts on sqlite${pgok:+ and PostgreSQL})"
