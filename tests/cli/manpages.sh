#!/bin/sh
# Man pages agree with the commands: for every command `btrack help` lists,
# `btrack CMD -h` exits 0 and each of its "usage:" synopsis lines appears,
# as text, in the rendered SYNOPSIS of man/btrack-CMD.1 (whitespace
# normalised).  Every page in man/ renders without mandoc errors.
set -eu
: "${BTRACK:=btrack}"
: "${BTRACK_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v mandoc >/dev/null 2>&1 || {
	echo "mandoc is not installed (Debian package mandoc)"
	exit 77
}
man=$BTRACK_TOP/man
bs=$(printf '\b')
failed=0

bad() {
	echo "FAIL: $*" >&2
	failed=1
}

# render PAGE: plain text, overstrike (bold, underline) removed.
render() {
	mandoc -T ascii "$1" | sed "s/.$bs//g"
}

# norm: one line, runs of white space made one space, trimmed.
norm() {
	tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//'
}

# Every page renders, and mandoc finds no errors in it.
for page in "$man"/*.[0-9]; do
	[ -e "$page" ] || continue
	name=${page##*/}
	mandoc -T lint -W error "$page" >"$tmp/lint" 2>&1 || true
	grep -v 'mandoc.db' "$tmp/lint" >"$tmp/lint.err" || true
	if [ -s "$tmp/lint.err" ]; then
		bad "$name: mandoc errors:"
		cat "$tmp/lint.err" >&2
	fi
	# (kept: the command checks below read them again)
	render "$page" >"$tmp/$name.txt" || bad "$name does not render"
	grep -q '^NAME' "$tmp/$name.txt" || bad "$name has no NAME section"
	# Warnings are shown, not failed.
	mandoc -T lint -W warning "$page" 2>&1 | grep 'WARNING' |
		sed 's/^/note: /' || true
done

# The command table, as `btrack help` prints it.
"$BTRACK" help >"$tmp/help" || bad "'btrack help' failed"
cmds=$(sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p' "$tmp/help")
[ -n "$cmds" ] || bad "'btrack help' lists no commands"
n=0
for cmd in $cmds; do
	if [ "$cmd" = help ]; then
		# Documented in btrack(1), not a page of its own.
		grep -q 'help' "$tmp/btrack.1.txt" ||
			bad "btrack(1) does not mention 'help'"
		continue
	fi
	set +e
	"$BTRACK" "$cmd" -h >"$tmp/h" 2>&1
	rc=$?
	set -e
	[ "$rc" -eq 0 ] || { bad "'btrack $cmd -h' exits $rc"; continue; }
	grep -q "$cmd" "$tmp/btrack.1.txt" ||
		bad "btrack(1) does not list '$cmd'"
	page=$man/btrack-$cmd.1
	[ -f "$page" ] || { bad "no man page man/btrack-$cmd.1"; continue; }
	# The SYNOPSIS section: from its heading to the next heading.
	sed -n '/^SYNOPSIS/,/^[A-Z]/p' "$tmp/btrack-$cmd.1.txt" | sed '1d;$d' |
		norm >"$tmp/syn"
	# The usage lines: "usage: btrack ..." and the "       btrack ..."
	# lines under it, up to the first blank line.
	sed -n '1,/^$/p' "$tmp/h" | sed -n 's/^\(usage:\)\{0,1\} *\(btrack .*\)/\2/p' \
		>"$tmp/usage"
	[ -s "$tmp/usage" ] || { bad "'btrack $cmd -h' prints no usage"; continue; }
	while IFS= read -r line; do
		want=$(printf '%s\n' "$line" | norm)
		n=$((n + 1))
		case "$(cat "$tmp/syn")" in
		*"$want"*) ;;
		*) bad "man/btrack-$cmd.1 SYNOPSIS lacks '$want'"
		   echo "  its SYNOPSIS: $(cat "$tmp/syn")" >&2 ;;
		esac
	done <"$tmp/usage"
done
[ "$failed" -eq 0 ] || exit 1
echo "ok: $n synopsis lines checked"
