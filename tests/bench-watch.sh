#!/bin/sh
# tests/bench-watch.sh - `btrack watch` on a live log (`make bench`, section
# watch; or alone):
#
#   a writer: a generated log (bench_load gen) turned into its JSONL
#   (bench_load jsonl) and fed at a paced rate into `btrack import -`, the
#   log's real writer (ingest, a commit per observation); the rate it
#   actually reached is reported;
#   alerts: Falco JSON lines about the write event just fed (proc.pid,
#   evt.time, fd.name), written into a FIFO that `btrack watch` reads,
#   spread evenly over the run;
#   latency: the watcher's own latency= field (from the alert's arrival
#   to its JSON result written), p50 and p99;
#   memory: once the writer is done (equal events), BENCH_WATCH_MEM_ALERTS
#   more alerts about events of the log; the watcher's RSS (and its
#   anonymous part, which excludes the mapped log) after the first 100 of
#   them, after all, and after BENCH_WATCH_MEM_ALERTS2; from its --stats
#   line, the graph's cache of decoded events (it fills as the alerts'
#   walks decode blocks, up to 32 MiB of events, then stays full: growth
#   that stops, not per alert), the heap in use (mallinfo2), and the
#   graph bytes per event without the cache, against a full load of the
#   same log.  The growth per alert is judged on the heap in use past
#   the cache's filling.
#
#   BENCH_WATCH_EVENTS=N     events of the log (default 10000000)
#   BENCH_WATCH_RATE=N       events per second fed (default 200000)
#   BENCH_WATCH_ALERTS=N     alerts during the run (default 300)
#   BENCH_WATCH_MEM_ALERTS=N alerts after it (default 1000, at least 100)
#   BENCH_WATCH_MEM_ALERTS2=N then more, up to N in all (default twice
#                            the above; 0: none): the alerts go in bursts
#                            (100, then the rest), so the first count's
#                            RSS also holds a burst's queued lines (about
#                            0.3 kB each) and the event cache may still be
#                            filling; the growth per alert is judged
#                            between the two counts
#   BENCH_WATCH_OUTPUTS=L    the watcher's --outputs (default json; SVG
#                            layouts of big results take seconds)
#   BENCH_WATCH_MAX_NODES=N  the watcher's --max-nodes (default 200)
#   BENCH_WATCH_KEEP=1       keep the working directory (the watcher's
#                            answers watch.out, with each alert's
#                            latency in order, and its watch.err) and say
#                            where
#
# Prints the rows of bench.sh's table on stdout, one a line:
#   LABEL|VALUE|UNIT|CMP|TARGET
# progress on stderr.  Needs python3 (the pacer) or says "skipped (why)".
# Exit 1 only when something that should run failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
BIN=${BIN:-btrack}
case "$BIN" in /*) ;; *) BIN="$top/$BIN";; esac
EVENTS=${BENCH_WATCH_EVENTS:-10000000}
RATE=${BENCH_WATCH_RATE:-200000}
ALERTS=${BENCH_WATCH_ALERTS:-300}
MEM=${BENCH_WATCH_MEM_ALERTS:-1000}
[ "$MEM" -ge 100 ] || MEM=100
MEM2=${BENCH_WATCH_MEM_ALERTS2:-$((MEM * 2))}
OUTPUTS=${BENCH_WATCH_OUTPUTS:-json}
MAXN=${BENCH_WATCH_MAX_NODES:-200}
LOAD="$top/$B/bench_load"

say() { echo "bench-watch: $*" >&2; }
out() { printf '%s|%s|%s|%s|%s\n' "$@"; }
now() { date +%s.%N; }

if ! command -v python3 >/dev/null 2>&1; then
	out "watch: alert latency" "skipped (no python3 for the pacer)" "" - -
	exit 0
fi
[ -x "$LOAD" ] || make --no-print-directory -s -C "$top" B="$B" \
	"$B/bench_load" >&2 || { say "cannot build $LOAD"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/btbench-watch.XXXXXX")
wpid=
cleanup() {
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null && wait "$wpid"
	if [ -n "${BENCH_WATCH_KEEP:-}" ]; then
		rm -rf "$tmp/results" "$tmp/src.btl"
		say "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cd "$tmp" || exit 1

# rss PID: "VmRSS RssAnon" in kB.
rss() {
	awk '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 }
	     END { print r + 0, a + 0 }' "/proc/$1/status"
}

# wait_lines N SECONDS: until the watcher printed N answers.
wait_lines() {
	i=0
	while [ "$(wc -l <watch.out)" -lt "$1" ]; do
		i=$((i + 1))
		if [ $i -gt $(($2 * 10)) ] || ! kill -0 "$wpid" 2>/dev/null
		then
			say "the watcher answered $(wc -l <watch.out) of $1" \
				"alerts in $2 s: $(tail -n 2 watch.err)"
			return 1
		fi
		sleep 0.1
	done
}

# cpu PID: user + system seconds of PID so far.
cpu() {
	awk -v t="$(getconf CLK_TCK 2>/dev/null || echo 100)" \
		'{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' \
		"/proc/$1/stat"
}

# stats: the watcher's --stats line after a SIGUSR1 (empty if none).
stats() {
	n=$(grep -c 'watch: stats' watch.err)
	kill -USR1 "$wpid" 2>/dev/null
	i=0
	while [ "$(grep -c 'watch: stats' watch.err)" -le "$n" ] &&
	      [ $i -lt 30 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep 'watch: stats' watch.err | tail -n 1
}

# field LINE KEY: the value of KEY=VALUE in LINE.
field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

say "generating $EVENTS events"
if ! "$LOAD" gen "$EVENTS" src.btl >gen.out 2>gen.err; then
	say "bench_load gen: $(tail -n 1 gen.err)"
	exit 1
fi

cat >pace.py <<'EOF'
# pace.py RATE ALERTS TOTAL: JSONL lines from stdin to stdout at RATE
# lines per second, in 10 ms slices; after every TOTAL/ALERTS lines, a
# Falco alert about the last write line fed goes to alerts.fifo (also
# kept in alerts.pool, one a line, for later).  Prints "lines seconds"
# to pace.out at the end.
import json, os, sys, time
rate, alerts, total = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
every = max(1, total // max(1, alerts))
fifo = open("alerts.fifo", "w")
pool = open("alerts.pool", "w")
inp, out = sys.stdin.buffer, sys.stdout.buffer
per = max(1, rate // 100)
sent, next_alert, k = 0, every, 0
t0 = time.monotonic()
def alert(line, k):
    e = json.loads(line)
    t = e["time"]
    s, ns = divmod(t, 10**9)
    a = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) +
         ".%09dZ" % ns, "rule": "bench write %d" % k,
         "priority": "Warning", "source": "syscall",
         "output": "write by %d to %s" % (e["pid"], e["path"]),
         "output_fields": {"proc.pid": e["pid"], "evt.time": t,
                           "fd.name": e["path"]}}
    return json.dumps(a)
while True:
    chunk = [l for _, l in zip(range(per), inp)]
    if not chunk:
        break
    out.write(b"".join(chunk))
    out.flush()
    sent += len(chunk)
    if sent >= next_alert:
        for l in reversed(chunk):
            if b'"op":"write"' in l and b'"path"' in l:
                a = alert(l, k)
                pool.write(a + "\n")
                if k < alerts:
                    fifo.write(a + "\n")
                    fifo.flush()
                k += 1
                break
        next_alert += every
    ahead = t0 + sent / rate - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
dt = time.monotonic() - t0
out.close()
pool.close()
open("pace.out", "w").write("%d %.3f\n" % (sent, dt))
fifo.close()
EOF

mkfifo alerts.fifo
# A writer held open for the whole run, so the FIFO never ends between
# the pacer and the later alerts.
exec 3<>alerts.fifo
"$BIN" watch --log live.btl --alerts alerts.fifo -o results \
	--outputs "$OUTPUTS" --max-nodes "$MAXN" --stats \
	>watch.out 2>watch.err 3>&- &
wpid=$!

say "feeding $EVENTS events at $RATE/s with $ALERTS alerts"
t0=$(now)
# bench_load prints its count on stdout: the JSONL goes through fd 4
{ "$LOAD" jsonl src.btl /dev/fd/4 4>&1 >jsonl.out 2>jsonl.err; } |
	python3 pace.py "$RATE" "$ALERTS" "$EVENTS" 3>&- |
	"$BIN" import --format jsonl - -o live.btl >import.out 2>import.err 3>&-
rc=$?
t1=$(now)
if [ $rc -ne 0 ] || [ ! -s pace.out ]; then
	say "the writer failed: $(tail -n 1 import.err) $(tail -n 1 jsonl.err)"
	exit 1
fi
rm -f src.btl
wcpu=$(cpu "$wpid")
read -r lines secs <pace.out
events=$(sed -n 's/^imported \([0-9]*\) events.*/\1/p' import.err)
[ -n "$events" ] || events=$lines
out "watch: writer (JSONL into import -), asked" "$RATE" "events/s" - -
out "watch: writer, reached" \
	"$(awk -v n="$events" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')" \
	"events/s" ge "$((RATE * 9 / 10))"
out "watch: events written" "$events" "" - -

nlive=$(awk 'END { print NR }' alerts.pool)
[ "$nlive" -le "$ALERTS" ] || nlive=$ALERTS
if ! wait_lines "$nlive" 120; then
	exit 1
fi
awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^latency=/) {
	sub(/^latency=/, "", $i); sub(/ms$/, "", $i); print $i } }' \
	watch.out | sort -n >lat.live
behind=$(grep -c ' behind=1' watch.out)
p() {
	awk -v q="$1" '{ v[NR] = $1 } END {
		if (!NR) { print "error"; exit }
		i = int(NR * q + 0.999999); if (i < 1) i = 1; print v[i] }' "$2"
}
out "watch: alerts answered during the run" "$(wc -l <lat.live)" "" - -
out "watch:   latency p50 (arrival to JSON)" "$(p 0.5 lat.live)" ms le 100
out "watch:   latency p99" "$(p 0.99 lat.live)" ms le 1000
out "watch:   latency max" "$(sort -n lat.live | tail -n 1)" ms - -
out "watch:   answered behind the log (after --wait)" "$behind" "" - -
out "watch:   watcher CPU during the run (user+sys)" "$wcpu" s - -
st=$(stats)
if [ -n "$st" ]; then
	out "watch:   log refreshes that took records in" \
		"$(field "$st" loads)" "" - -
	out "watch:   taking records in (total)" \
		"$(field "$st" load_ms)" ms - -
	out "watch:   incremental" "$(field "$st" incremental)" "" eq yes
	ext_rate=$(awk -v n="$(field "$st" events)" -v ms="$(field "$st" load_ms)" \
		'BEGIN { if (ms > 0) printf "%.0f", n / (ms / 1000); else print "-" }')
	out "watch:   extension rate (graph events / time taking in)" \
		"$ext_rate" "events/s" - -
fi

# Memory at equal events: the writer is done.  feed N TAG: N alerts into
# the FIFO, the pool's in turn, each under a rule of its own.
feed() {
	awk -v n="$1" -v tag="$2" '{ l[NR] = $0 } END {
		for (i = 0; i < n; i++) {
			s = l[i % NR + 1]
			sub(/"bench write [0-9]+"/, "\"bench " tag " " i "\"", s)
			print s } }' alerts.pool >&3
}
base=$(wc -l <watch.out)
say "memory: $MEM alerts on the finished log"
t0=$(now)
feed 100 mem
wait_lines $((base + 100)) 600 || exit 1
set -- $(rss "$wpid")
r100=$1 a100=$2
st100=$(stats)
feed $((MEM - 100)) more
wait_lines $((base + MEM)) 1200 || exit 1
t1=$(now)
set -- $(rss "$wpid")
r1k=$1 a1k=$2
st1k=$(stats)
if [ "$MEM2" -gt "$MEM" ]; then
	feed $((MEM2 - MEM)) again
	wait_lines $((base + MEM2)) 2400 || exit 1
	set -- $(rss "$wpid")
	r2=$1 a2=$2
	st2=$(stats)
fi
out "watch: RSS after 100 alerts ($events events)" \
	"$(awk -v k="$r100" 'BEGIN { printf "%.1f", k / 1024 }')" MB - -
out "watch: RSS after $MEM alerts" \
	"$(awk -v k="$r1k" 'BEGIN { printf "%.1f", k / 1024 }')" MB - -
out "watch:   anonymous, after 100 / after $MEM" \
	"$(awk -v a="$a100" -v b="$a1k" 'BEGIN { printf "%.1f / %.1f", a / 1024, b / 1024 }')" \
	MB - -
out "watch:   anonymous growth per alert (100 -> $MEM)" \
	"$(awk -v a="$a100" -v b="$a1k" -v n="$((MEM - 100))" 'BEGIN { if (n > 0) printf "%.2f", (b - a) / n; else print "-" }')" \
	"kB" - -
# mb LINE KEY: KEY of a stats line in MB ("-" when absent).
mb() {
	awk -v v="$(field "$1" "$2")" \
		'BEGIN { if (v == "") print "-"; else printf "%.1f", v / 1048576 }'
}
# per_alert LINE1 LINE2 KEY N: growth of KEY per alert in kB.
per_alert() {
	awk -v a="$(field "$1" "$3")" -v b="$(field "$2" "$3")" -v n="$4" \
		'BEGIN { if (a == "" || b == "" || n <= 0) print "-"
			 else printf "%.2f", (b - a) / 1024 / n }'
}
if [ -n "$st1k" ]; then
	out "watch:   of which the event cache, after 100 / after $MEM" \
		"$(mb "$st100" cache_bytes) / $(mb "$st1k" cache_bytes)" MB - -
	out "watch:   heap in use, after 100 / after $MEM" \
		"$(mb "$st100" heap_used) / $(mb "$st1k" heap_used)" MB - -
	out "watch:   heap growth per alert beyond the cache (100 -> $MEM)" \
		"$(awk -v a="$(field "$st100" heap_used)" \
			-v b="$(field "$st1k" heap_used)" \
			-v c="$(field "$st100" cache_bytes)" \
			-v d="$(field "$st1k" cache_bytes)" \
			-v n="$((MEM - 100))" 'BEGIN {
			if (a == "" || n <= 0) print "-"
			else printf "%.2f", ((b - a) - (d - c)) / 1024 / n }')" \
		kB - -
fi
if [ "$MEM2" -gt "$MEM" ]; then
	out "watch: RSS after $MEM2 alerts" \
		"$(awk -v k="$r2" 'BEGIN { printf "%.1f", k / 1024 }')" MB - -
	out "watch:   anonymous growth per alert ($MEM -> $MEM2)" \
		"$(awk -v a="$a1k" -v b="$a2" -v n="$((MEM2 - MEM))" 'BEGIN { printf "%.2f", (b - a) / n }')" \
		"kB" le 1
	if [ -n "$st1k" ] && [ -n "$st2" ]; then
		out "watch:   event cache after $MEM2" "$(mb "$st2" cache_bytes)" \
			MB - -
		out "watch:   heap growth per alert ($MEM -> $MEM2)" \
			"$(per_alert "$st1k" "$st2" heap_used $((MEM2 - MEM)))" \
			kB le 1
	fi
fi
if [ -n "$st1k" ]; then
	out "watch: graph bytes per event (no cache) after 100 / after $MEM" \
		"$(field "$st100" bytes_per_event) / $(field "$st1k" bytes_per_event)" \
		"B" - -
fi
if [ -n "$st1k" ] && [ -n "${st2:-}" ]; then
	out "watch:   graph growth per alert ($MEM -> $MEM2, equal events)" \
		"$(per_alert "$st1k" "$st2" graph_bytes $((MEM2 - MEM)))" \
		kB le 1
fi
out "watch: alerts answered per second, finished log (bursts)" \
	"$(awk -v n="$MEM" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')" \
	"/s" - -
kill -TERM "$wpid" 2>/dev/null
wait "$wpid"
wpid=
# A full load of the same log, for the extension rate and the graph's
# bytes per event.
# (the walks it times start from the planted detection point: small)
spec=$(sed -n 's/^detection=//p' gen.out)
if "$LOAD" load live.btl "$spec" 1 1 >load.out 2>load.err; then
	out "watch: full load of the same log (one thread)" \
		"$(sed -n 's/^load_rate=//p' load.out)" "events/s" - -
	out "watch:   graph bytes per event, full load" \
		"$(sed -n 's/^mem_per_event=//p' load.out)" B - -
else
	say "bench_load load: $(tail -n 1 load.err)"
fi
if grep -q 'error=' watch.out; then
	say "$(grep -c 'error=' watch.out) alerts failed: $(grep -m1 'error=' watch.out)"
fi
exit 0
