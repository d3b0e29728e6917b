#!/bin/sh
# btrack log: info counts for a small imported scenario, verify ok, verify
# of corrupted copies (exit 3 with the offset), torn tails and truncated
# copies (ok with a warning), dump one line per record with hostile strings
# escaped, --from-offset and --limit, usage errors and -h; all on a format
# version 1 log (BTRACK_LOG_VERSION=1), whose records sit at the offsets
# dump shows.  Then format version 2: the same records, upgrade, damage
# named by its block, single-bit flips all caught, and readers dumping a
# log while a writer rewrites it (no SIGBUS).
set -eu
tmp=$(mktemp -d "${TMPDIR:-/tmp}/btlog.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect CODE CMD...: run, keep stdout/stderr in out/err, check the exit.
expect() {
	want=$1
	shift
	set +e
	"$@" >out 2>err
	rc=$?
	set -e
	[ "$rc" -eq "$want" ] ||
		fail "'$*' exited $rc, want $want: $(cat err)"
}

# at OFF BYTE...: overwrite bytes of c.btl at OFF (octal escapes).
at() {
	off=$1
	shift
	printf "$@" | dd of=c.btl bs=1 seek="$off" conv=notrunc 2>/dev/null
}

# A scenario with a hostile file name: a newline that would forge a dump
# line and terminal escape codes.
cat >ev.jsonl <<'X'
{"time": 1700000000000000001, "op": "fork", "pid": 100, "child": 101}
{"time": 1700000000000000002, "op": "exec", "pid": 101, "path": "/bin/sh", "argv": ["sh", "-c", "x"]}
{"time": 1700000000000000003, "op": "recv", "pid": 101, "remote": "203.0.113.9:4444", "bytes": 10}
{"time": 1700000000000000004, "op": "create", "pid": 101, "path": "/tmp/evil\n4242 event forged\u001b[31m"}
{"time": 1700000000000000005, "op": "write", "pid": 101, "path": "/tmp/evil\n4242 event forged\u001b[31m"}
{"time": 1700000000000000006, "op": "mmap", "pid": 101, "path": "/dev/shm/s", "shared": true, "prot": "rw"}
{"time": 1700000000000000007, "op": "page_write", "pid": 101, "path": "/dev/shm/s", "page": 3}
X
if ! BTRACK_LOG_VERSION=1 "$BTRACK" import --format jsonl -o ev.btl ev.jsonl \
	2>ierr; then
	cat ierr
	echo "btrack import --format jsonl does not work yet: $(head -n 1 ierr)"
	exit 77
fi

# -h and usage errors.
expect 0 "$BTRACK" log -h
grep -q '^usage: btrack log info LOG' out || fail "-h: $(cat out)"
grep -q 'btrack log dump LOG \[--from-offset N\] \[--limit N\]' out ||
	fail "-h lacks dump: $(cat out)"
expect 2 "$BTRACK" log
expect 2 "$BTRACK" log frobnicate ev.btl
grep -q "unknown subcommand 'frobnicate'" err || fail "$(cat err)"
expect 2 "$BTRACK" log info
expect 2 "$BTRACK" log info ev.btl extra
expect 2 "$BTRACK" log dump ev.btl --limit x
expect 2 "$BTRACK" log verify ev.btl --limit 3
expect 1 "$BTRACK" log info missing.btl
grep -q "cannot open 'missing.btl'" err || fail "missing: $(cat err)"

# info: the scenario's objects and events.  Processes 100, 101; files
# /bin/sh, the evil file, /dev/shm/s; one filename, endpoint, region, page.
# Events: fork exec recv create lookup write mmap_read mmap_write
# page_write = 9.
expect 0 "$BTRACK" log info ev.btl
line() { grep -q "^$1" out || fail "info lacks '$1': $(cat out)"; }
line 'format: *version 1$'
line 'flags: *0x1 closed'
line 'events: *9$'
line 'objects: *9$'
line '  process  *2$'
line '  file  *3$'
line '  filename  *1$'
line '  endpoint  *1$'
line '  region  *1$'
line '  page  *1$'
for op in fork exec recv create lookup write mmap_read mmap_write page_write
do
	line "  $op  *1\$"
done
line 'first: *2023-11-14T22:13:20.000000001Z$'
line 'last: *2023-11-14T22:13:20.000000007Z$'
size=$(wc -c <ev.btl | tr -d ' ')
line "file size: *$size bytes"
line "committed: *$size bytes"
[ ! -s err ] || fail "info warned on a clean log: $(cat err)"

# dump: one line per record, each "OFFSET TYPE ...", strings escaped.
expect 0 "$BTRACK" log dump ev.btl
cp out dump
n=$(wc -l <dump | tr -d ' ')
grep -Eqv '^[0-9]+ (event|process|file|filename|page|endpoint|region|label|note) ' dump &&
	fail "a dump line is not 'OFFSET TYPE': $(grep -Ev '^[0-9]+ [a-z]+ ' dump)"
grep -q '4242 event forged' dump || fail "the hostile name is not in the dump"
grep -q '^4242' dump && fail "the hostile name forged a dump line"
esc=$(printf '\033')
grep -q "$esc" dump && fail "an escape code reached the terminal"
grep -q 'path="/tmp/evil\\x0a4242 event forged\\x1b\[31m"' dump ||
	fail "hostile name not escaped as expected: $(grep evil dump)"
grep -q 'value="sh\\x00-c\\x00x"' dump || fail "argv NULs: $(grep argv dump)"
# events in the dump agree with info
[ "$(grep -c '^[0-9]* event ' dump)" -eq 9 ] || fail "dump has not 9 events"

# verify: ok, with the record count the dump shows.
expect 0 "$BTRACK" log verify ev.btl
[ "$(cat out)" = "ev.btl: ok, $n records" ] ||
	fail "verify says '$(cat out)', want 'ev.btl: ok, $n records'"
grep -q "^records: *$n\$" <<EOF || fail "info records differ from dump ($n)"
$("$BTRACK" log info ev.btl)
EOF

# --limit and --from-offset.
expect 0 "$BTRACK" log dump ev.btl --limit 2
[ "$(wc -l <out | tr -d ' ')" -eq 2 ] || fail "--limit 2: $(cat out)"
sed -n 1,2p dump | cmp -s - out || fail "--limit 2 differs from the dump"
third=$(sed -n 3p dump | cut -d' ' -f1)
expect 0 "$BTRACK" log dump --from-offset "$third" ev.btl
sed -n '3,$p' dump | cmp -s - out || fail "--from-offset $third"
expect 0 "$BTRACK" log dump --from-offset $((third - 1)) --limit 1 ev.btl
[ "$(cut -d' ' -f1 out)" = "$third" ] || fail "--from-offset mid-record: $(cat out)"
expect 0 "$BTRACK" log dump ev.btl --limit 0
[ ! -s out ] || fail "--limit 0 printed $(cat out)"

# Corruption: exit 3, the offset in the message.  The offsets are where
# dump put the records.
ev=$(grep -m1 '^[0-9]* event ' dump | cut -d' ' -f1)
fn=$(grep -m1 '^[0-9]* filename ' dump | cut -d' ' -f1)
cp ev.btl c.btl; at "$fn" '\143'        # type 99
expect 3 "$BTRACK" log verify c.btl
grep -q "corrupt log 'c.btl': unknown record type 99 at offset $fn" err ||
	fail "type 99: $(cat err)"
cp ev.btl c.btl; at $((fn + 4)) '\007\000\000\000'   # length 7
expect 3 "$BTRACK" log verify c.btl
grep -q "bad record length 7 at offset $fn" err || fail "len 7: $(cat err)"
cp ev.btl c.btl; at $((ev + 16)) '\167\000\000\000'   # cause 119: undefined
expect 3 "$BTRACK" log verify c.btl
grep -q "at offset $ev" err || fail "undefined cause: $(cat err)"
expect 3 "$BTRACK" log info c.btl
grep -q "at offset $ev" err || fail "info on corrupt: $(cat err)"
expect 3 "$BTRACK" log dump c.btl
grep -q "at offset $ev" err || fail "dump on corrupt: $(cat err)"
[ "$(tail -n 1 out | cut -d' ' -f1)" -lt "$ev" ] ||
	fail "dump printed the corrupt record"
cp ev.btl c.btl; at 0 'X'
expect 3 "$BTRACK" log verify c.btl
grep -q "not a btrack log" err || fail "magic: $(cat err)"
cp ev.btl c.btl; at 8 '\011'
expect 3 "$BTRACK" log verify c.btl
grep -q "version 9" err || fail "version: $(cat err)"

# Bytes after the committed end of a closed log: verify reports them
# (exit 3); readers read the log with a warning.
cp ev.btl c.btl
printf 'garbage!' >>c.btl
expect 3 "$BTRACK" log verify c.btl
grep -q "8 bytes of data after its committed end at offset $size" err ||
	fail "data after a closed log: $(cat err)"
expect 0 "$BTRACK" log info c.btl
grep -q '^warning: *ignoring 8 bytes' out || fail "info torn: $(cat out)"
# A torn tail (a writer killed: the log is not closed): ok, with a warning.
at 12 '\000'
expect 0 "$BTRACK" log verify c.btl
[ "$(cat out)" = "c.btl: ok, $n records" ] || fail "torn: $(cat out)"
grep -q "ignoring 8 bytes of uncommitted records after offset $size" err ||
	fail "torn tail warning: $(cat err)"

# A truncated copy: the complete records, with a warning.
last=$(tail -n 1 dump | cut -d' ' -f1)
head -c $((last + 5)) ev.btl >c.btl
expect 0 "$BTRACK" log verify c.btl
[ "$(cat out)" = "c.btl: ok, $((n - 1)) records" ] ||
	fail "truncated: $(cat out)"
grep -q 'shorter than its committed length' err ||
	fail "truncated warning: $(cat err)"

# ---- format version 2 ------------------------------------------------------
"$BTRACK" import --format jsonl -o ev2.btl ev.jsonl 2>ierr ||
	fail "import v2: $(cat ierr)"
expect 0 "$BTRACK" log info ev2.btl
line 'format: *version 2$'
line 'blocks: *1 of at most 65536 bytes, checksummed$'
line 'events: *9$'
line 'bytes/event: '
size2=$(wc -c <ev2.btl | tr -d ' ')
line "committed: *$size2 bytes"
[ "$size2" -lt "$size" ] || fail "v2 ($size2 bytes) not smaller than v1 ($size)"
expect 0 "$BTRACK" log verify ev2.btl
[ "$(cat out)" = "ev2.btl: ok, $n records" ] || fail "v2 verify: $(cat out)"
# the same records (dump offsets are in the decoded records)
expect 0 "$BTRACK" log dump ev2.btl
cut -d' ' -f2- out >d2
cut -d' ' -f2- dump >d1
# (but for the import's note, which has the time of the import)
grep -v '^note ' d1 >d1n
grep -v '^note ' d2 | cmp -s d1n - ||
	fail "v1 and v2 dumps differ: $(grep -v '^note ' d2 | diff d1n - | head)"

# upgrade: the same records; no silent replace; usage
expect 0 "$BTRACK" log upgrade ev.btl -o up.btl
grep -q "upgraded 'ev.btl' (format version 1.*to 'up.btl' (version 2.*$n records, the same" err ||
	fail "upgrade: $(cat err)"
"$BTRACK" log dump up.btl | cut -d' ' -f2- | cmp -s d1 - ||
	fail "upgraded dump differs"
expect 1 "$BTRACK" log upgrade ev.btl -o up.btl
grep -q "already exists" err || fail "upgrade over a file: $(cat err)"
expect 0 "$BTRACK" log upgrade --force ev.btl -o up.btl
expect 2 "$BTRACK" log upgrade ev.btl
grep -q "missing -o OUT" err || fail "upgrade without -o: $(cat err)"
expect 2 "$BTRACK" log verify ev.btl -o x.btl

# damage inside a record: the block's checksum names the block
# (flip the byte: what is there depends on the import's time in its note)
cp ev2.btl c.btl
b100=$(od -An -tu1 -j 100 -N1 ev2.btl | tr -d ' ')
at 100 "\\$(printf %03o $((b100 ^ 255)))"
expect 3 "$BTRACK" log verify c.btl
grep -q "checksum mismatch in the block at offset 64" err ||
	fail "v2 damage: $(cat err)"
expect 3 "$BTRACK" log dump c.btl
expect 3 "$BTRACK" backtrack --log c.btl --from file:/dev/shm/s
cp ev2.btl c.btl; at 48 '\001'           # reserved
expect 3 "$BTRACK" log verify c.btl
grep -q "header checksum mismatch at offset 40" err || fail "v2 hdr: $(cat err)"

# Single-bit flips across a generated log: every one caught, with an
# offset.  check_log flips 1,000 bits of a log in memory through the same
# verify code; here, through the CLI on a file, 64 flips: 16 in the file
# header, 16 in the block header, 32 in the records (each region's own
# check: the header's checksum, the block's word and header fields, the
# block's checksum).  The flipped copies are written by one python3 run
# (a cp, od, dd and cmp per flip cost more than the verify itself).
"$BTRACK" gen --events 2000 -o g.btl 2>/dev/null
python3 - g.btl <<'PY' || fail "cannot write the flipped copies"
import random, sys
d = open(sys.argv[1], "rb").read()
assert len(d) > 4096, len(d)
rnd = random.Random(7)
offs = ([rnd.randrange(0, 64) for _ in range(16)] +
        [rnd.randrange(64, 96) for _ in range(16)] +
        [rnd.randrange(96, len(d)) for _ in range(32)])
for i, off in enumerate(offs):
    c = bytearray(d)
    c[off] ^= 1 << rnd.randrange(8)
    assert c != d
    open("f%d.btl" % i, "wb").write(c)
PY
# Every flip exits 3 (corrupt) and says where: an offset, or for the
# version field the version it read.
caught=0 i=0
while [ $i -lt 64 ]; do
	set +e
	"$BTRACK" log verify f$i.btl >/dev/null 2>ferr
	rc=$?
	set -e
	[ $rc -eq 3 ] ||
		fail "flip $i ($(cmp g.btl f$i.btl)) exited $rc: $(cat ferr)"
	grep -Eq 'offset|has format version' ferr ||
		fail "flip $i ($(cmp g.btl f$i.btl)): no offset in $(cat ferr)"
	caught=$((caught + 1)) i=$((i + 1))
done
[ "$caught" -eq 64 ] || fail "caught $caught of 64 flips"

# Defect 1 of issue 14: readers dump a log while `record --append` adds to
# it and closes it (cutting its preallocation) again and again, for about
# 10 s: no reader may die of a signal (it was SIGBUS, about 1 run in 25:
# the reader looked past the committed length through its mapping).
if "$BTRACK" record -o race.btl -- true 2>rerr; then
	end=$(( $(date +%s) + 10 ))
	(
		while [ "$(date +%s)" -lt "$end" ]; do
			"$BTRACK" record --append -o race.btl -- sh -c \
				'for i in 1 2 3 4 5 6 7 8; do :; done;
				 cat /etc/passwd >/dev/null' 2>/dev/null || :
		done
	) &
	wpid=$!
	runs=0
	while [ "$(date +%s)" -lt "$end" ]; do
		set +e
		"$BTRACK" log dump race.btl >/dev/null 2>rerr
		rc=$?
		set -e
		if [ "$rc" -ge 128 ]; then
			kill "$wpid" 2>/dev/null || :
			wait "$wpid" || :
			fail "reader died with signal $((rc - 128)): $(cat rerr)"
		fi
		runs=$((runs + 1))
	done
	wait "$wpid" || :
	[ "$runs" -gt 5 ] || fail "only $runs reader runs"
	expect 0 "$BTRACK" log verify race.btl
else
	echo "skipping the reader race: btrack record does not work here: $(head -n 1 rerr)"
fi
echo ok
