#!/bin/sh
# btrack log seal-key / seal / verify --seal, and record --seal-key
# --seal-every: a sealed log verifies (exit 0); an unsealed one proves
# nothing (1); a changed byte, a cut file, a foreign key are caught (3);
# records after the last seal are unproven (1); an attacker who re-seals
# with a stolen state can only date seals after the theft; key files are
# private and their key never printed; usage errors exit 2.
set -eu
: "${BTRACK:=btrack}"
: "${BTRACK_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/btseal.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
T=$tmp
. "$BTRACK_TOP/tests/lib.sh"

# The events of a small attack; line 5 is the one an attacker removes.
cat >ev.jsonl <<'X'
{"time": 1700000000000000001, "op": "fork", "pid": 100, "child": 101}
{"time": 1700000000000000002, "op": "exec", "pid": 101, "path": "/bin/sh", "argv": ["sh"]}
{"time": 1700000000000000003, "op": "recv", "pid": 101, "remote": "203.0.113.9:4444", "bytes": 10}
{"time": 1700000000000000004, "op": "create", "pid": 101, "path": "/tmp/payload"}
{"time": 1700000000000000005, "op": "write", "pid": 101, "path": "/tmp/payload"}
{"time": 1700000000000000006, "op": "read", "pid": 101, "path": "/etc/passwd"}
X

# ---- keys
expect 0 "$BTRACK" log seal-key --new keys
[ -f keys/verify.key ] && [ -f keys/seal.state ] || fail "no key files"
for f in keys keys/verify.key keys/seal.state; do
	m=$(stat -c %a "$f")
	case $m in 700|600) ;; *) fail "$f has mode $m" ;; esac
done
key=$(sed -n 's/^key //p' keys/verify.key)
grep -q "$key" out err && fail "seal-key printed the key"
expect 1 "$BTRACK" log seal-key --new keys
expect 0 "$BTRACK" log seal-key keys/seal.state
grep -q 'sealing state of key .*, epoch 0$' out || fail "state: $(cat out)"
expect 0 "$BTRACK" log seal-key keys/verify.key
grep -q 'verification key' out || fail "verify key: $(cat out)"
grep -q "$key" out err && fail "seal-key FILE printed the key"
printf 'junk\n' >junk.key
expect 3 "$BTRACK" log seal-key junk.key

# ---- a sealed log verifies
expect 0 "$BTRACK" import -o a.btl ev.jsonl
expect 1 "$BTRACK" log verify --seal --key keys/verify.key a.btl
grep -q 'nothing is proven' out || fail "unsealed: $(cat out)"
expect 0 "$BTRACK" log seal --key keys/seal.state a.btl
expect 0 "$BTRACK" log verify --seal --key keys/verify.key a.btl
grep -q 'every record is proven' out || fail "sealed: $(cat out)"
n=$(sed -n 's/^a.btl: \([0-9]*\) records, 1 seals$/\1/p' out)
grep -q "proven up to record $n (seal 1, .*final)" out ||
	fail "proven: $(cat out)"
honest=$(sed -n 's/.*sealed \([^,]*\), final.*/\1/p' out)
# the plain verify still works, and the options mix with the operand
expect 0 "$BTRACK" log verify a.btl
expect 0 "$BTRACK" log verify a.btl --key keys/verify.key --seal
expect 0 "$BTRACK" log seal-key keys/seal.state
grep -q 'epoch [1-9]' out || fail "the state did not move on: $(cat out)"

# ---- tampering
# one bit of the last record changed
# (the end of the records: an appended log keeps zeros after them)
sz=$("$BTRACK" log info a.btl | sed -n 's/^committed: *\([0-9]*\) bytes$/\1/p')
[ -n "$sz" ] || fail "no committed length in log info"
cp a.btl c.btl
b=$(od -An -tu1 -j $((sz - 200)) -N1 c.btl | tr -d ' ')
printf "$(printf '\\%03o' $((b ^ 4)))" |
	dd of=c.btl bs=1 seek=$((sz - 200)) conv=notrunc 2>/dev/null
expect 3 "$BTRACK" log verify --seal --key keys/verify.key c.btl
grep -q 'record [0-9]\|offset [0-9]' err || fail "no record named: $(cat err)"
# cut before the final seal
head -c $((sz - 64)) a.btl >c.btl
expect 3 "$BTRACK" log verify --seal --key keys/verify.key c.btl
# another key
expect 0 "$BTRACK" log seal-key --new other
expect 3 "$BTRACK" log verify --seal --key other/verify.key a.btl
grep -q 'sealed with key' err || fail "foreign key: $(cat err)"

# The attacker takes the host and the current state, drops line 5 and
# re-seals: the tags hold, but the seal is dated after the honest one.
cp keys/seal.state stolen.state
grep -v '"op": "write"' ev.jsonl >ev2.jsonl
expect 0 "$BTRACK" import -o b.btl ev2.jsonl
expect 0 "$BTRACK" log seal --key stolen.state b.btl
expect 0 "$BTRACK" log verify --seal --key keys/verify.key b.btl
forged=$(sed -n 's/.*sealed \([^,]*\), final.*/\1/p' out)
[ -n "$honest" ] && [ -n "$forged" ] || fail "no seal times"
[ "$(printf '%s\n%s\n' "$honest" "$forged" | sort | tail -n 1)" = "$forged" ] &&
	[ "$forged" != "$honest" ] ||
	fail "a stolen state dated a seal $forged, not after $honest"

# ---- usage
expect 2 "$BTRACK" log verify --seal a.btl
expect 2 "$BTRACK" log seal a.btl
expect 2 "$BTRACK" log seal-key
expect 2 "$BTRACK" log seal --seal --key keys/seal.state a.btl
expect 1 "$BTRACK" log seal --key nosuch.state a.btl
expect 3 "$BTRACK" log seal --key keys/verify.key a.btl
grep -q "'keys/verify.key': not a btrack sealing state file" err ||
	fail "wrong key file: $(cat err)"
expect 2 "$BTRACK" record --seal-every 5 -o r.btl -- true
expect 2 "$BTRACK" record --seal-key keys/seal.state --seal-every 0 \
	-o r.btl -- true
expect 2 "$BTRACK" record --seal-key keys/seal.state --seal-every 5x \
	-o r.btl -- true
[ ! -e r.btl ] || fail "a usage error created the log"
expect 2 "$BTRACK" capture --seal-every 10
expect 0 "$BTRACK" log -h
grep -q 'log verify --seal --key VERIFYKEY LOG' out || fail "usage: $(cat out)"

# ---- record: periodic seals and a final one
bt_need_record
expect 0 "$BTRACK" record --no-pages --seal-key keys/seal.state \
	--seal-every 1 -o r.btl -- \
	sh -c 'for i in 1 2 3 4 5 6 7; do cat /etc/hostname; sleep 0.5; done'
grep -q 'sealed the log' err || fail "record: $(cat err)"
expect 0 "$BTRACK" log verify --seal --key keys/verify.key r.btl
# A seal is due each second in which records arrived (a quiet second adds
# none), plus the final one: records every 0.5 s for 3.5 s give 4.
s=$(sed -n 's/^r.btl: [0-9]* records, \([0-9]*\) seals$/\1/p' out)
[ "${s:-0}" -ge 3 ] || fail "record sealed $s times in 3.5 s: $(cat out)"
# records appended after the final seal are not proven
expect 0 "$BTRACK" record --no-pages --append -o r.btl -- true
expect 1 "$BTRACK" log verify --seal --key keys/verify.key r.btl
grep -q 'not proven' out || fail "append: $(cat out)"
echo "ok"
