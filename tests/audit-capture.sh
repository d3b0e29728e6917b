#!/bin/sh
# audit-capture.sh DIR -- CMD [ARGS...]
# Run CMD while a private auditd (configuration and log in DIR) records it
# with btrack's rules (capture/audit/btrack.rules), then stop auditd and
# leave the raw log in DIR/audit.log.  Needs root and the auditd package;
# exits 77 (skip) when either is missing, or when another audit daemon
# already owns the kernel's audit socket.  BTRACK_AUDIT_FORMAT=RAW|ENRICHED;
# BTRACK_AUDIT_RULES=FILE loads other rules (e.g. btrack-minimal.rules).
# After CMD it waits until auditd has written a marker logged after CMD
# (auditctl -m), so a daemon lagging behind the kernel on a busy machine
# loses nothing of CMD when it is stopped.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
shift
[ "${1:-}" = "--" ] && shift
command -v auditd >/dev/null 2>&1 || { echo "auditd is not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "auditd needs root"; exit 77; }
# One private auditd at a time on this machine: wait for the others
# (several checkouts may run their tests at once).
if [ -z "${BTRACK_AUDIT_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
	BTRACK_AUDIT_LOCKED=1 exec flock /run/lock/btrack-auditd.lock \
		sh "$0" "$dir" -- "$@"
fi
if auditctl -s 2>/dev/null | grep -q '^pid [1-9]'; then
	echo "another audit daemon is running (auditctl -s): not disturbing it"
	exit 77
fi
mkdir -p "$dir"
cat >"$dir/auditd.conf" <<CONF
log_file = $dir/audit.log
log_format = ${BTRACK_AUDIT_FORMAT:-ENRICHED}
log_group = root
priority_boost = 0
flush = INCREMENTAL_ASYNC
freq = 20
num_logs = 5
max_log_file = 256
max_log_file_action = ROTATE
space_left = 10
space_left_action = IGNORE
admin_space_left = 5
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
local_events = yes
write_logs = yes
CONF
auditd -c "$dir" -n >"$dir/auditd.out" 2>&1 &
apid=$!
i=0
until auditctl -s 2>/dev/null | grep -q "^pid $apid"; do
	i=$((i + 1))
	if [ $i -gt 50 ] || ! kill -0 $apid 2>/dev/null; then
		echo "auditd did not start:"; cat "$dir/auditd.out"
		kill $apid 2>/dev/null
		exit 77
	fi
	sleep 0.1
done
auditctl -b 8192 >/dev/null
rules=${BTRACK_AUDIT_RULES:-$top/capture/audit/btrack.rules}
# Rules of ours a run that died (or a load that failed half way) left in
# the kernel would make this load fail ("Rule exists"): gone first, and
# again when a load fails.
auditctl -D -k btrack >/dev/null 2>&1
auditctl -R "$rules" >/dev/null || {
	auditctl -D -k btrack >/dev/null 2>&1
	kill $apid; echo "cannot load the rules"; exit 1; }
auditctl -e 1 >/dev/null
"$@"
rc=$?
m="btrack-capture-end-$$"
if auditctl -m "$m" 2>/dev/null; then
	i=0
	while ! grep -q "$m" "$dir/audit.log" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ $i -ge 300 ] && echo "audit-capture: auditd did not catch up in 30 s" >&2
else
	sleep 0.3
fi
auditctl -D -k btrack >/dev/null
auditctl -e 0 >/dev/null
kill -TERM $apid
wait $apid 2>/dev/null
lost=$(auditctl -s 2>/dev/null | sed -n 's/^lost //p')
[ "${lost:-0}" != 0 ] && echo "audit-capture: the kernel reports $lost lost audit records" >&2
exit $rc
