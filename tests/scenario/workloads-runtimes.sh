#!/bin/sh
# workloads-runtimes.sh - programs written for language runtimes (Java,
# Node.js, Go, Rust: tests/progs/runtimes/), each planting a secret that
# flows through the runtime's own machinery, under `btrack record`,
# `btrack record --source ebpf` and a real auditd with the shipped rules
# (SCEN_SOURCES picks; the machinery is tests/probes/scenario-lib.sh, as
# for workloads-real.sh).  For each runtime R (j Java, n Node.js, g Go,
# r Rust):
#   R-thr   a thread pool (Java executor, Node worker thread and libuv's
#           pool, goroutines, std::thread): one thread reads secret,
#           another writes it to out through a buffered writer that the
#           main thread opened; then decoy is copied to dout
#   R-proc  a child's stdout through a pipe (ProcessBuilder,
#           child_process.spawn, os/exec, std::process::Command) into
#           out; secret2 written into a child's stdin (sh -c 'cat > cout')
#   R-net   TCP on loopback: client and server threads in one process
#           (127.0.0.1, port 0) into out4; then two processes, a listener
#           on [::1] port 0 (srv6) that sends secret2 to a client (cli6)
#           that writes out6
#   R-udp   a datagram from one process to another on [::1] port 0
#   R-file  the secret through a shared mapping of a file m (FileChannel.map,
#           syscall.Mmap, mmap(2); Node.js: a write stream) written by one
#           process and read by another, which writes it to final.tmp and
#           renames that into place as final
#   R-uring (Go, Rust) io_uring_setup and io_setup: the I/O of io_uring and
#           Linux AIO is in no syscall any source traces, so each must
#           count them (io_uring_calls in the log's drops note)
# Every process reads decoy after its last output: no output may blame it.
# A runtime whose toolchain is missing is left out (said so); with none,
# the test is skipped.
set -eu
top=${BTRACK_TOP:?}
BT=${BTRACK:?}
B=${B:-build}
T=$(mktemp -d /tmp/bt-wrt.XXXXXX)
[ -n "${KEEP:-}" ] && echo "keeping $T"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }
[ -n "${WORK_SOURCES:-}" ] && SCEN_SOURCES=$WORK_SOURCES
src=$top/tests/progs/runtimes

# Build each runtime's program once, into $T/rt (prepare copies it into
# each source's tree); a runtime that cannot is left out.
mkdir -p "$T/rt"
rts=""
# left RUNTIME WHY: the runtime is left out, said
left() { echo "$1: left out ($2)"; }
if ! command -v javac >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
	left java "no javac or java"
elif ! javac -d "$T/rt" "$src/W.java" 2>"$T/rt/javac.err"; then
	left java "javac failed: $(tail -n 1 "$T/rt/javac.err")"
else
	rts="$rts j"
	echo "java: $(java -version 2>&1 | head -n 1)"
fi
if command -v node >/dev/null 2>&1; then
	cp "$src/w.js" "$T/rt/"
	rts="$rts n"
	echo "node: $(node --version)"
else
	left node "no node"
fi
if ! command -v go >/dev/null 2>&1; then
	left go "no go (Debian: golang-go)"
elif ! (cd "$src" && GOCACHE=$T/go-cache GO111MODULE=off GOFLAGS= \
	go build -o "$T/rt/wgo" w.go) 2>"$T/rt/go.err"; then
	left go "go build failed: $(tail -n 1 "$T/rt/go.err")"
else
	rts="$rts g"
	echo "go: $(go version)"
fi
rm -rf "$T/go-cache"
if ! command -v rustc >/dev/null 2>&1; then
	left rust "no rustc"
elif ! rustc -o "$T/rt/wrs" "$src/w.rs" 2>"$T/rt/rustc.err"; then
	left rust "rustc failed: $(tail -n 1 "$T/rt/rustc.err")"
else
	rts="$rts r"
	echo "rust: $(rustc --version)"
fi
rm -f "$T"/rt/*.err
[ -n "$rts" ] || { echo "no language runtime here (java, node, go, rustc)"; exit 77; }

# the scenarios of one runtime: R the prefix, X how to run its program
# from a scenario's directory, FILE the R-file steps
scenarios() {
	printf '%s-thr\t%s thr\n' "$1" "$2"
	printf '%s-proc\t%s proc\n' "$1" "$2"
	printf '%s-net\t%s tcp4; %s srv6 & s=$!; %s cli6; wait $s\n' "$1" "$2" "$2" "$2"
	printf '%s-udp\t%s udprecv & s=$!; %s udpsend; wait $s\n' "$1" "$2" "$2"
	printf '%s-file\t%s\n' "$1" "$3"
	case $1 in g | r) printf '%s-uring\t%s uring\n' "$1" "$2" ;; esac
}
# the checks of one runtime: R the prefix, MAP 1 if R-file maps m
checks() {
	sed "s/^R-/$1-/" <<'C'
R-thr	back	file:@/out	none	reaches	file:@/secret
R-thr	back	file:@/out	none	lacks	file:@/decoy
R-thr	back	file:@/dout	none	reaches	file:@/decoy
R-thr	fwd	file:@/secret	none	reaches	file:@/out
R-proc	back	file:@/out	none	reaches	file:@/secret	process:/cat
R-proc	back	file:@/out	none	lacks	file:@/decoy	file:@/secret2
R-proc	back	file:@/cout	none	reaches	file:@/secret2
R-proc	fwd	file:@/secret2	none	reaches	file:@/cout
R-net	back	file:@/out4	none	reaches	file:@/secret
R-net	back	file:@/out4	none	lacks	file:@/secret2
R-net	back	file:@/out6	none	reaches	file:@/secret2	process: srv6
R-net	back	file:@/out6	none	lacks	file:@/decoy	file:@/secret
R-net	fwd	file:@/secret2	none	reaches	file:@/out6
R-udp	back	file:@/uout	none	reaches	file:@/secret	process: udpsend
R-udp	back	file:@/uout	none	lacks	file:@/decoy
R-udp	fwd	file:@/secret	none	reaches	file:@/uout
R-file	back	file:@/final	none	reaches	file:@/secret
R-file	back	file:@/final	none	lacks	file:@/decoy
R-file	back	file:@/final	default	reaches	file:@/secret
R-file	fwd	file:@/secret	none	reaches	file:@/final
C
	[ "$2" = 1 ] && printf '%s-file\tback\tfile:@/final\tnone\treaches\t*:@/m*\n' "$1"
	return 0
}

# Every runtime's checks, so that each keeps its number (DESIGN, KNOWN);
# those of a runtime left out are not made (SCEN_SKIP).
SCENARIOS="" CHECKS="" SCEN_SKIP=""
for rt in j n g r; do
	case $rt in
	j) x="java -cp .. W" f="$x mapw; $x mapr" m=1 ;;
	n) x="node ../w.js" f="$x file" m=0 ;;
	g) x="../wgo" f="$x mapw; $x mapr" m=1 ;;
	r) x="../wrs" f="$x mapw; $x mapr" m=1 ;;
	esac
	CHECKS="$CHECKS
$(checks $rt $m)"
	case " $rts " in
	*" $rt "*) SCENARIOS="$SCENARIOS
$(scenarios $rt "$x" "$f")" ;;
	*) SCEN_SKIP="${SCEN_SKIP:+$SCEN_SKIP|}^$rt-" ;;
	esac
done
SCENARIOS="$SCENARIOS
"
CHECKS="$CHECKS
"

DESIGN='
auditd:g-udp:back#56  audit logs no write(2): a connected UDP socket (Go'"'"'s net.Dial("udp6")) sends by write, taken to send until it lets go of the socket (here at exit, after reading decoy)
'

KNOWN='
'

prepare() {
	cp "$T"/rt/* "$1/"
	for rt in $rts; do
		for w in thr proc net udp file; do
			echo "the $rt-$w secret $$" >"$1/$rt-$w/secret"
			echo "the $rt-$w second secret $$" >"$1/$rt-$w/secret2"
			echo "decoy $$" >"$1/$rt-$w/decoy"
		done
	done
}

SCEN_DEFAULT_SOURCES="record ebpf auditd"
. "$top/tests/probes/scenario-lib.sh"

# io_uring and AIO: each source says it may have missed their I/O
for s in $ran; do
	for d in g-uring r-uring; do
		[ -e "$T/$s/$d/set" ] || continue  # (refused here)
		n=$("$BT" log info "$T/$s/log.btl" |
			sed -n 's/.*drops ".*io_uring_calls=\([0-9]*\).*/\1/p' |
			head -n 1)
		[ "${n:-0}" -gt 0 ] ||
			{ echo "FAIL: $s: io_uring and AIO calls not counted"; exit 1; }
		echo "$s: io_uring and AIO calls counted: $n"
		break
	done
done
