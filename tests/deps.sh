#!/bin/sh
# Install the Debian packages that btrack's build and tests need, when they
# are missing.  Says plainly what it cannot do (not root, no apt-get).
# BTRACK_DEPS_EXTRA adds packages (the VM test adds its own).
set -u
need="build-essential pkg-config libsqlite3-dev libgraphviz-dev graphviz
libjansson-dev libssl-dev check sqlite3 python3 clang strace auditd mandoc ${BTRACK_DEPS_EXTRA:-}"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "btrack: installing Debian packages:$missing" >&2
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO=sudo
	else
		echo "btrack: cannot install$missing: not root (run as root, or install them yourself)" >&2
		exit 1
	fi
else
	SUDO=
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "btrack: cannot install$missing: no apt-get on this machine" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || { echo "btrack: apt-get update failed" >&2; exit 1; }
# auditd must not start a daemon from the postinst on a build machine.
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
	{ echo "btrack: apt-get install$missing failed" >&2; exit 1; }
exit 0
