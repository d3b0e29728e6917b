#!/bin/sh
# Install the Debian packages that btrack's build and tests need, when they
# are missing.  Says plainly what it cannot do (not root, no apt-get).
# BTRACK_DEPS_EXTRA adds packages (the VM test adds its own).
set -u
need="build-essential pkg-config libsqlite3-dev libgraphviz-dev graphviz
libjansson-dev libssl-dev check sqlite3 python3 clang strace auditd mandoc
libbpf-dev bpftool libpq-dev ${BTRACK_DEPS_EXTRA:-}"
# Wanted, not needed: the tests that use them say so and skip without them
# (the PROV loader; a headless browser for the HTML report; curl for
# scenario/record-channel.sh; a PostgreSQL server for scenario/db-pg.sh;
# the real programs of scenario/workloads-real.sh; the language runtimes
# of scenario/workloads-runtimes.sh; mkfs.btrfs for the reflink probes of
# scenario/probes.sh).
want="python3-prov chromium chromium-driver python3-selenium curl postgresql
rsync zip unzip xz-utils openssh-client openssl wget
default-jdk-headless nodejs golang-go rustc btrfs-progs"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
wanted=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		wanted="$wanted $p"
done
[ -z "$missing$wanted" ] && exit 0

# cannot WHY: an error if something needed is missing, a note otherwise.
cannot() {
	if [ -n "$missing" ]; then
		echo "btrack: cannot install$missing$wanted: $1" >&2
		exit 1
	fi
	echo "btrack: cannot install$wanted: $1; the tests that use them will be skipped" >&2
	exit 0
}
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO=sudo
	else
		cannot "not root (run as root, or install them yourself)"
	fi
else
	SUDO=
fi
command -v apt-get >/dev/null 2>&1 || cannot "no apt-get on this machine"
echo "btrack: installing Debian packages:$missing$wanted" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || cannot "apt-get update failed"
# auditd must not start a daemon from the postinst on a build machine.
if [ -n "$missing" ]; then
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ echo "btrack: apt-get install$missing failed" >&2; exit 1; }
	missing=""
fi
# PostgreSQL's postinst would create (and start) a "main" cluster: the
# tests start servers of their own in temporary directories.
case " $wanted " in *" postgresql "*)
	if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
		$SUDO mkdir -p /etc/postgresql-common &&
		echo "create_main_cluster = false" |
			$SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
	fi;;
esac
if [ -n "$wanted" ]; then
	$SUDO apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Options::=--force-confold $wanted >/dev/null ||
		cannot "apt-get install failed"
fi
exit 0
