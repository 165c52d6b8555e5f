#!/usr/bin/env bash
# A real server recorded for minutes (issue 19): Debian's memcached under a load generator
# (bench/mcload.py: CONNS connections doing set + get), first natively, then through
# `weft run`; then `weft report` and `weft view` on the trace. Prints throughput, the recording's
# cost on it, events per second, trace size, and time and peak memory of each step after it.
# Asserts nothing.
#
#   bench/memcached_bench.sh [BUILD_DIR]       (default build/; needs bin/weft, lib/libweft_preload.so)
#   DURATION=300 CONNS=4 bench/memcached_bench.sh   (seconds of load per run; connections)
#   PAGE_LIMIT=30000000                             (no HTML page past this many events: the
#                                                    page holds ~8 bytes per event in memory)
#   CHROME=1                                        (also the Chrome JSON, to /dev/null)
#   KEEP_LAST=60s                                   (flight-recorder mode: weft run --keep-last;
#                                                    a duration or a size, e.g. 256M)
#
# Needs memcached (apt-get install memcached) and python3. The trace goes to a temporary
# directory under /tmp (it takes ~5 bytes per event: ~1 GB for 5 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
weft=$PWD/$build/bin/weft
duration=${DURATION:-300}
conns=${CONNS:-4}
port=${PORT:-21299}
page_limit=${PAGE_LIMIT:-30000000}
[ -x "$weft" ] || { echo "memcached_bench: $weft missing (cmake --build $build --target weft weft_preload)" >&2; exit 2; }
command -v memcached >/dev/null || { echo "memcached_bench: needs memcached (apt-get install memcached)" >&2; exit 2; }
work=$(mktemp -d /tmp/weft-mc-bench.XXXXXX)
trap 'pkill -x memcached 2>/dev/null || true; rm -rf "$work"' EXIT
mc=(memcached -t 4 -U 0 -p "$port" -l 127.0.0.1)
[ "$(id -u)" -eq 0 ] && mc+=(-u root)
echo "memcached $(memcached -V | cut -d' ' -f2), ${mc[*]}; $conns connections for ${duration} s per run"
echo "machine: $(nproc) CPUs (client and server share them), load average $(cut -d' ' -f1-3 /proc/loadavg)"

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$2"; }

# Native.
"${mc[@]}" &
server=$!
python3 bench/mcload.py 127.0.0.1 "$port" "$conns" "$duration" >"$work/native.txt"
kill -TERM "$server"
wait "$server" || true
native=$(field ops_per_s "$work/native.txt")

# Recorded. /usr/bin/time's peak is the larger of weft run's and memcached's (wait4 counts the
# descendants it waited for).
keep=()
[ -n "${KEEP_LAST:-}" ] && keep=(--keep-last="$KEEP_LAST")
WEFT_TRACE_LIMIT_MB=${WEFT_TRACE_LIMIT_MB:-16384} /usr/bin/time -o "$work/run.time" -f '%e %M' \
  "$weft" run "${keep[@]}" -o "$work/mc.trace" -- "${mc[@]}" >"$work/run.out" 2>"$work/run.err" &
runner=$!
python3 bench/mcload.py 127.0.0.1 "$port" "$conns" "$duration" >"$work/recorded.txt"
stop=$(date +%s.%N)
pkill -TERM -x memcached
wait "$runner" || true
ended=$(date +%s.%N)
recorded=$(field ops_per_s "$work/recorded.txt")
tail_s=$(echo "$ended - $stop" | bc -l)
bytes=$(stat -c %s "$work/mc.trace")

printf '\n%-34s %s\n' "throughput, native" "$native ops/s"
printf '%-34s %s ops/s (%.2fx native)\n' "throughput, recorded" "$recorded" "$(echo "$recorded / $native" | bc -l)"
printf '%-34s %.1f s (consolidation and summary after memcached stopped), peak %s MB\n' \
  "weft run's end" "$tail_s" "$(awk '{printf "%.0f", $2 / 1024}' "$work/run.time")"

# Each step on the trace: wall time and peak memory.
step() {
  local name=$1
  shift
  /usr/bin/time -o "$work/step.time" -f '%e %M' "$@" >"$work/step.out" 2>"$work/step.err" || true
  printf '%-34s %6.1f s %8.0f MB\n' "$name" "$(cut -d' ' -f1 "$work/step.time")" \
    "$(awk '{print $2 / 1024}' "$work/step.time")"
}
step "weft report" "$weft" report "$work/mc.trace"
events=$(sed -n 's/^trace .*: \([0-9]*\) events.*/\1/p' "$work/step.out")
findings=$(sed -n 's/.* \([0-9]*\) findings\{0,1\}$/\1/p' "$work/step.out" | head -1)
# In flight-recorder mode the rate counts the overwritten events too.
over=$(sed -n 's/^  \([0-9]*\) older events were overwritten.*/\1/p' "$work/step.out")
printf '%-34s %s events (%.0f recorded per second of load), %.1f MB (%.2f B/event), %s findings\n' \
  "trace" "$events" "$(echo "($events + ${over:-0}) / $duration" | bc -l)" "$(echo "$bytes / 1000000" | bc -l)" \
  "$(echo "$bytes / $events" | bc -l)" "${findings:-?}"
if [ -n "${KEEP_LAST:-}" ]; then
  printf '%-34s %s\n' "flight recorder (--keep-last=$KEEP_LAST)" \
    "$(grep -A1 '^flight recorder' "$work/step.out" | tail -1 | sed 's/^ *//')"
fi
step "weft view --format=text" "$weft" view "$work/mc.trace" --format=text
if [ "${CHROME:-0}" = 1 ]; then  # ~1.5 us per event: minutes for a 5-minute recording
  step "weft view --format=chrome-json" "$weft" view "$work/mc.trace" --format=chrome-json -o /dev/null
fi
if [ "${events:-0}" -le "$page_limit" ]; then
  step "weft view (HTML page)" "$weft" view "$work/mc.trace" -o "$work/mc.html" --no-source
  printf '%-34s %.1f MB\n' "page" "$(echo "$(stat -c %s "$work/mc.html") / 1000000" | bc -l)"
else
  printf '%-34s skipped: %s events > PAGE_LIMIT %s\n' "weft view (HTML page)" "$events" "$page_limit"
fi
