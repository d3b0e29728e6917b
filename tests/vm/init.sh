#!/bin/sh
# /init of the VM test's initramfs (built by tests/vm/run.sh): runs the
# kernel module's scenarios inside Debian's kernel and hands the results
# back to the host.  Progress and figures go to the console (ttyS0) as
# "VMTEST: ..." lines, logs to the second serial port (ttyS1) as base64
# between "=== BEGIN name ===" and "=== END name ===".  The last console
# line is "VMTEST: DONE rc=N"; the host checks the logs (tests/vm/run.sh).
# /mode says what to run: "check" (scenarios), "bench", or "script" (a
# developer's /script.sh, from BTRACK_VM_SCRIPT; it may use the functions
# below).
PATH=/bin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
rc=0
t0=$(cut -d. -f1 /proc/uptime)

say() { echo "VMTEST: $*"; }
fail() { say "FAIL: $*"; rc=1; }
send() {
	echo "=== BEGIN $1 ===" >&3
	base64 "$2" >&3
	echo "=== END $1 ===" >&3
}

# The page monitor needs a fault per page: no fault-around (man/btrack.ko.4).
echo 4096 >/sys/kernel/debug/fault_around_bytes || fail "fault_around_bytes"

# start_capture LOG [options]: start `btrack capture` in the background and
# wait until the module captures.
start_capture() {
	log=$1
	shift
	rm -f /tmp/cap.err
	btrack capture -o "$log" "$@" 2>/tmp/cap.err &
	cap=$!
	tries=0
	while ! grep -q capturing /tmp/cap.err 2>/dev/null; do
		tries=$((tries + 1))
		if [ $tries -gt 600 ] || ! kill -0 $cap 2>/dev/null; then
			fail "capture did not start"
			cat /tmp/cap.err
			return 1
		fi
		usleep 50000
	done
}

stop_capture() {
	kill -INT $cap
	wait $cap
	crc=$?
	sed 's/^/VMTEST: | /' /tmp/cap.err
	[ $crc -eq 0 ] || fail "capture exited with $crc"
	# The drainer must agree with the module on every record.
	grep -q ' 0 invalid; drops: .* bad=0 resync=0' /tmp/cap.err ||
		fail "the drainer rejected records of the module"
}

pid_of() { sed -n 's/^pid=\([0-9]*\).*/\1/p' "$1"; }

scenarios() {
	# 1. A process chain writing and renaming files.
	say "scenario chain"
	btrack capture --source kmod -o /tmp/x.btl 2>/tmp/x.err && fail "capture without the module succeeded"
	grep -q 'no /dev/btrack: is the btrack module loaded?' /tmp/x.err || fail "capture without the module: $(cat /tmp/x.err)"
	insmod /btrack.ko test_abi=99 || fail "insmod test_abi=99"
	btrack capture -o /tmp/x.btl 2>/tmp/x.err && fail "capture with a module of another ABI succeeded"
	grep -q "speaks ring ABI 99, raw format" /tmp/x.err || fail "ABI mismatch: $(cat /tmp/x.err)"
	[ -e /tmp/x.btl ] && fail "ABI mismatch left a log"
	rmmod btrack || fail "rmmod"
	insmod /btrack.ko || fail "insmod"
	ls -l /dev/btrack | grep -q '^crw-------' || fail "/dev/btrack is not 0600"
	start_capture /tmp/chain.btl
	mkdir -p /tmp/w
	echo payload >/tmp/w/dl
	sh -c 'cat /tmp/w/dl >/tmp/w/stage && mv /tmp/w/stage /tmp/w/final'
	echo unrelated >/tmp/w/other
	# A connection over loopback: the server stores what it received.
	ip link set lo up
	timeout 10 nc -l -p 5555 >/tmp/w/recv &
	np=$!
	usleep 300000
	echo secret | timeout 5 nc 127.0.0.1 5555
	wait $np
	grep -q secret /tmp/w/recv || fail "nc: nothing received"
	# Process injection: the secret read from isrc goes into a child's
	# memory three ways; each child writes what it got (pagetest inject).
	echo injected-secret >/tmp/w/isrc
	for how in vm poke procmem; do
		pagetest inject /tmp/w/isrc /tmp/w/inj-$how $how >/tmp/inj-$how ||
			fail "inject $how"
		grep -q injected-secret /tmp/w/inj-$how || fail "inject $how: nothing arrived"
	done
	# SIGUSR1 prints the counters without stopping.
	kill -USR1 $cap
	usleep 300000
	grep -q 'records drained' /tmp/cap.err || fail "no report on SIGUSR1"
	stop_capture
	send chain /tmp/chain.btl

	# 2. Two writers on different pages of one shared mapping, one reader.
	say "scenario pages"
	mkdir -p /tmp/shm
	pagetest create /tmp/shm/f 2 >/dev/null
	start_capture /tmp/pages.btl --slice 10
	pagetest write /tmp/shm/f 0 300 >/tmp/pa &
	pa=$!
	pagetest write /tmp/shm/f 1 300 >/tmp/pb &
	pb=$!
	wait $pa
	wait $pb
	pagetest read /tmp/shm/f 0 >/tmp/pc
	pagetest remap /tmp/shm/f 1 >/tmp/pd
	stop_capture
	echo "A=$(pid_of /tmp/pa) B=$(pid_of /tmp/pb) C=$(pid_of /tmp/pc) D=$(pid_of /tmp/pd)" >/tmp/pages.meta
	send pages /tmp/pages.btl
	send pagesmeta /tmp/pages.meta
	rmmod btrack || fail "rmmod"

	# 3. A burst of 1 M events through small rings: every event is either
	# logged or counted as dropped.
	say "scenario burst"
	insmod /btrack.ko ring_kb=64 || fail "insmod ring_kb=64"
	# Drops are counted per op, not per process: nothing else may write
	# while capturing (no command substitution: its pipe is a write).
	# burst prints its figures to the console, which is not recorded.
	start_capture /tmp/burst.btl
	burst 1000000 /tmp/burstfile &
	bp=$!
	wait $bp || fail "burst"
	stop_capture
	w=$(vmcheck count /tmp/burst.btl write $bp) || fail "burst log invalid"
	d=$(vmcheck notes /tmp/burst.btl | sed -n 's/.* op\.write=\([0-9]*\).*/\1/p')
	d=${d:-0}
	say "burst: 1000000 writes, $w logged, $d dropped, $(ls -l /tmp/burst.btl | awk '{print $5}') log bytes"
	[ $((w + d)) -eq 1000000 ] || fail "burst: $w logged + $d dropped != 1000000"
	[ "$d" -gt 0 ] || say "burst: no drops (rings kept up)"
	vmcheck notes /tmp/burst.btl | sed 's/^/VMTEST: | /'
	rm -f /tmp/burst.btl /tmp/burstfile
	rmmod btrack || fail "rmmod"

	# 4. Load and unload ten times under load.
	say "scenario unload"
	mkdir -p /tmp/l
	(
		while :; do
			echo x >/tmp/l/f
			cat /tmp/l/f >/dev/null
			mv /tmp/l/f /tmp/l/g
			pagetest write /tmp/shm/f 1 >/dev/null
		done
	) &
	load=$!
	i=0
	while [ $i -lt 10 ]; do
		insmod /btrack.ko ring_kb=64 slice_ms=1 || fail "insmod $i"
		start_capture /tmp/u$i.btl
		usleep 200000
		if [ $i -eq 5 ] && rmmod btrack 2>/dev/null; then
			fail "rmmod succeeded while the device was open"
		fi
		if [ $i -eq 3 ]; then
			# SIGKILL: the log keeps what was committed
			kill -KILL $cap
			wait $cap
			# its log is in the temporary file beside the target
			mv /tmp/.u$i.btl.btrack-tmp.$cap /tmp/u$i.btl ||
				fail "the killed capture left no temporary log"
		else
			stop_capture
		fi
		vmcheck events /tmp/u$i.btl >/tmp/u.txt || fail "log u$i invalid"
		say "unload $i: $(wc -l </tmp/u.txt) events"
		[ -s /tmp/u.txt ] || fail "log u$i holds no events"
		rm -f /tmp/u$i.btl
		rmmod btrack || fail "rmmod $i"
		i=$((i + 1))
	done
	kill $load
	wait $load 2>/dev/null
	# And once while the probes fire with nobody capturing.
	insmod /btrack.ko && rmmod btrack || fail "idle load/unload"
}

bench() {
	n=200000
	mkdir -p /tmp/shm
	pagetest create /tmp/shm/b 64 >/dev/null
	t_file0=$(burst $n /tmp/bf | sed -n 's/.*elapsed_ns=//p')
	t_shm0=$(pagetest bench /tmp/shm/b 64 1000000 | sed -n 's/.*elapsed_ns=//p')
	insmod /btrack.ko || fail "insmod"
	start_capture /tmp/bench.btl
	s0=$(cut -d' ' -f1 /proc/uptime)
	t_file1=$(burst $n /tmp/bf | sed -n 's/.*elapsed_ns=//p')
	t_shm1=$(pagetest bench /tmp/shm/b 64 1000000 | sed -n 's/.*elapsed_ns=//p')
	s1=$(cut -d' ' -f1 /proc/uptime)
	stop_capture
	r=$(sed -n 's/.*: \([0-9]*\) records drained.*/\1/p' /tmp/cap.err)
	pf=$(sed -n 's/.*module, \([0-9]*\) page faults.*/\1/p' /tmp/cap.err)
	say "bench file: $n pwrite calls: $t_file0 ns without, $t_file1 ns capturing, ratio $(echo "scale=2; $t_file1 / $t_file0" | bc)"
	say "bench shm: 64 pages x 1000000 stores: $t_shm0 ns without, $t_shm1 ns capturing, ratio $(echo "scale=2; $t_shm1 / $t_shm0" | bc), $pf page faults recorded"
	say "bench drained: $r records in $s0..$s1 s of uptime, $(echo "scale=0; $r / ($s1 - $s0)" | bc) records/s"
	say "bench drops: $(sed -n 's/.*drops: //p' /tmp/cap.err)"
	rmmod btrack || fail "rmmod"
}

case $(cat /mode) in
check) scenarios ;;
bench) bench ;;
script) . /script.sh ;;
*) fail "unknown mode" ;;
esac

dmesg >/tmp/dmesg.txt
send dmesg /tmp/dmesg.txt
if grep -E 'WARNING|BUG|Oops|leak|Call Trace|general protection' /tmp/dmesg.txt; then
	fail "kernel log has warnings"
fi
say "DONE rc=$rc in $(( $(cut -d. -f1 /proc/uptime) - t0 )) s"
sync
poweroff -f
