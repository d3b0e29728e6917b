#!/bin/sh
# workloads.sh - realistic workloads run by real programs, each with a
# ground truth known by construction, under `btrack record`, `btrack
# record --source ebpf` (root, BTF) and a real
# auditd with the shipped rules (WORK_SOURCES / SCEN_SOURCES="... auditd-min"
# adds the minimal rule set).  For each: the backtrack reaches every true
# source, blames nothing that is not one, and stays small with the default
# filters (the node counts are printed: "size:").  Every walk is also made
# on a case database and must agree with the log.
#   build        one header of a small C program tampered with (from
#                evil.txt) before `make`: the program depends on evil.txt,
#                not on a header nobody included, nor on notes read before
#   download     a script fetched with curl from a local HTTP server and
#                piped into sh, which copies creds to stolen
#   git          git add, commit and archive of a directory with a secret
#   tar-split    tar of a directory holding a secret (read first, so the
#                first part holds it), split into parts
#   sort-sed     sort with temporary files (-S 64K -T .), then sed -i
#   mmap-workers two workers write two pages of a shared mapping; a reader
#                takes page 0 only (tests/probes/wl-mmap-workers.c)
#   pipeline     cat secret | cat | ... (200 processes) > out
#   mv-chain     30 rounds of tr f > g; mv g f (atomic replace, repeated)
# DESIGN and KNOWN below work as in scenarios.sh.  KEEP=1 keeps the dir.
set -eu
top=${BTRACK_TOP:?}
BT=${BTRACK:?}
B=${B:-build}
T=$(mktemp -d /tmp/bt-work.XXXXXX)
[ -n "${KEEP:-}" ] && echo "keeping $T"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
command -v python3 >/dev/null 2>&1 || { echo "no python3"; exit 77; }
for t in cc make git curl tar split sort sed; do
	command -v $t >/dev/null 2>&1 || { echo "no $t"; exit 77; }
done
[ -x "$top/$B/probes/wl-httpd" ] || { echo "tests/probes not built (make tests-build)"; exit 77; }
[ -n "${WORK_SOURCES:-}" ] && SCEN_SOURCES=$WORK_SOURCES

pipe200=cat\ secret
i=0
while [ $i -lt 200 ]; do pipe200="$pipe200 | cat"; i=$((i + 1)); done

SCENARIOS="
build	cat notes.txt > /dev/null; cat evil.txt >> src/config.h; make -s -C src prog
download	BIN/wl-httpd payload.sh port & while [ ! -s port ]; do sleep 0.05; done; curl -s http://127.0.0.1:\$(cat port)/x | sh; wait
git	cat unrelated.txt > /dev/null; git init -q repo; cp secret.txt repo/; echo hello > repo/readme; cd repo; git add .; git -c user.name=t -c user.email=t@t commit -qm one; git archive -o ../out.tar HEAD
tar-split	cat decoy > /dev/null; tar cf - dir/secret.txt dir/other.txt | split -b 4096 - part.; cat part.* > joined
sort-sed	sort -S 64K -T . big.txt > sorted.txt; sed -i s/1/one/ sorted.txt
mmap-workers	BIN/wl-mmap-workers secret other out
pipeline	$pipe200 > out
mv-chain	cat secret > f; for i in \$(seq 30); do tr a-z a-z < f > g; mv g f; done; cp f final
"

CHECKS='
build	back	file:@/src/prog	none	reaches	file:@/evil.txt	file:@/src/config.h	file:@/src/main.c	file:@/src/util.c	file:@/src/util.h
build	back	file:@/src/prog	none	lacks	file:@/notes.txt	file:@/src/unused.h
build	back	file:@/src/prog	default	reaches	file:@/evil.txt	file:@/src/config.h	file:@/src/main.c
build	back	file:@/src/prog	default	max	80
build	fwd	file:@/evil.txt	none	reaches	file:@/src/prog
download	back	file:@/stolen	none	reaches	endpoint:127.0.0.1:*	file:@/creds
download	back	file:@/stolen	default	reaches	endpoint:127.0.0.1:*	file:@/creds
download	back	file:@/stolen	default	max	30
git	back	file:@/out.tar	none	reaches	file:@/secret.txt
git	back	file:@/out.tar	none	lacks	file:@/unrelated.txt
git	back	file:@/out.tar	default	reaches	file:@/secret.txt
git	back	file:@/out.tar	default	max	60
git	fwd	file:@/secret.txt	none	reaches	file:@/out.tar
tar-split	back	file:@/part.aa	none	reaches	file:@/dir/secret.txt
tar-split	back	file:@/joined	none	reaches	file:@/dir/secret.txt	file:@/dir/other.txt
tar-split	back	file:@/joined	none	lacks	file:@/decoy
tar-split	back	file:@/joined	default	reaches	file:@/dir/secret.txt
tar-split	back	file:@/joined	default	max	30
tar-split	fwd	file:@/dir/secret.txt	none	reaches	file:@/part.aa	file:@/joined
sort-sed	back	file:@/sorted.txt	none	reaches	file:@/big.txt
sort-sed	back	file:@/sorted.txt	default	reaches	file:@/big.txt
sort-sed	back	file:@/sorted.txt	default	max	30
sort-sed	fwd	file:@/big.txt	none	reaches	file:@/sorted.txt
mmap-workers	back	file:@/out	none	reaches	file:@/secret
mmap-workers	back	file:@/out	none	lacks	file:@/other
mmap-workers	back	file:@/out	default	max	20
pipeline	back	file:@/out	none	reaches	file:@/secret
pipeline	back	file:@/out	default	reaches	file:@/secret
pipeline	fwd	file:@/secret	none	reaches	file:@/out
mv-chain	back	file:@/final	none	reaches	file:@/secret
mv-chain	back	file:@/final	default	reaches	file:@/secret
mv-chain	fwd	file:@/secret	none	reaches	file:@/final
'

# What a source cannot see, by design: source:scenario:check and why.
DESIGN='
auditd:mmap-workers:back#25  auditd sees the mappings, not the page accesses: at object granularity every writer of the mapped file is a cause
auditd-min:mmap-workers:back#25  auditd sees the mappings, not the page accesses: at object granularity every writer of the mapped file is a cause
'

# Known failures: source:scenario:check and the finding's title.
KNOWN='
'

# ---------------------------------------------------------------------
# prepare ROOT: the workloads' input files.
prepare() {
	w=$1/build
	mkdir -p "$w/src"
	echo "the notes $$" >"$w/notes.txt"
	echo '#define BACKDOOR 1' >"$w/evil.txt"
	printf '#define GREETING "hello"\n' >"$w/src/config.h"
	printf 'int twice(int);\n' >"$w/src/util.h"
	printf '#error nobody includes this\n' >"$w/src/unused.h"
	printf '#include "util.h"\nint twice(int x) { return 2 * x; }\n' >"$w/src/util.c"
	printf '#include <stdio.h>\n#include "config.h"\n#include "util.h"\nint main(void) { printf("%%s %%d\\n", GREETING, twice(BACKDOOR)); return 0; }\n' >"$w/src/main.c"
	printf 'prog: main.o util.o\n\t$(CC) -o prog main.o util.o\nmain.o: main.c config.h util.h\nutil.o: util.c util.h\n' >"$w/src/Makefile"
	w=$1/download
	echo "user:hunter2 $$" >"$w/creds"
	printf 'cat creds > stolen\n' >"$w/payload.sh"
	w=$1/git
	echo "the git secret $$" >"$w/secret.txt"
	echo "unrelated $$" >"$w/unrelated.txt"
	w=$1/tar-split
	mkdir -p "$w/dir"
	echo "the tarred secret $$" >"$w/dir/secret.txt"
	seq 3000 >"$w/dir/other.txt"
	echo "decoy $$" >"$w/decoy"
	seq 20000 | sed 's/$/ a line to sort/' | sort -R >"$1/sort-sed/big.txt"
	echo "the mapped secret $$" >"$1/mmap-workers/secret"
	echo "the other worker's data $$" >"$1/mmap-workers/other"
	echo "the piped secret $$" >"$1/pipeline/secret"
	echo "the renamed secret $$" >"$1/mv-chain/secret"
}

SCEN_DEFAULT_SOURCES="record ebpf auditd"
. "$top/tests/probes/scenario-lib.sh"
