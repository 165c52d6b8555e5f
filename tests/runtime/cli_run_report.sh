#!/usr/bin/env bash
# cli_run_report.sh WEFT REC_PROG: `weft run` and `weft report` end to end on a recorded program.
set -u
weft=$1 prog=$2
dir=$(mktemp -d /tmp/weft-cli-XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# run: the program's status, a summary on stderr, findings printed, parts merged into one file.
# Objects: 'before-fork', the fork child's copy of it, 'child-only' and one more of the program's.
out=$("$weft" run -o "$dir/a.trace" -- "$prog" fork 2>&1); code=$?
[ $code -eq 0 ] || fail "run fork exited $code: $out"
grep -Eq 'recorded [0-9]+ events, 2 threads, 4 objects, 2 processes, 0 dropped, 0 findings in' <<<"$out" \
  || fail "summary: $out"
ls "$dir"/a.trace.*.part >/dev/null 2>&1 && fail "parts left behind"

out=$("$weft" run -o "$dir/b.trace" -- "$prog" basic 2>&1); code=$?
[ $code -eq 0 ] || fail "run basic exited $code"
grep -q "lock-reentry: 'account-a' acquired again" <<<"$out" || fail "finding not printed: $out"
grep -q "(2x)" <<<"$out" || fail "duplicate findings not merged: $out"
"$weft" run --fail-on-findings -o "$dir/b.trace" -- "$prog" basic >/dev/null 2>&1
[ $? -eq 1 ] || fail "--fail-on-findings must exit 1"

# a killed program: 128+signal, and the trace still holds its events
out=$("$weft" run -o "$dir/c.trace" -- "$prog" kill 2>&1); code=$?
[ $code -eq 137 ] || fail "kill: expected 137, got $code"
grep -q "killed by signal 9" <<<"$out" || fail "kill summary: $out"
grep -Eq 'recorded 200[0-9] events' <<<"$out" || fail "kill events: $out"
"$weft" report "$dir/c.trace" | grep -q "killed by signal 9" || fail "report lacks the signal"

# report: text sorted by contention, JSON with the contract's keys, exit 1 on findings
out=$("$weft" report "$dir/b.trace"); code=$?
[ $code -eq 1 ] || fail "report with findings must exit 1, got $code"
grep -q "子线程-0" <<<"$out" || fail "thread name missing: $out"
grep -q "lock statistics (sorted by contention)" <<<"$out" || fail "no stats: $out"
json=$("$weft" report "$dir/b.trace" --format=json)
for key in '"version": 1' '"summary"' '"events"' '"duration_ns"' '"dropped"' '"threads"' \
           '"objects"' '"stats"' '"contentions"' '"hold_max_ns"' '"findings"' '"kind": "lock-reentry"' \
           '"time_ns"' '"sites"'; do
  grep -qF "$key" <<<"$json" || fail "json lacks $key"
done
"$weft" report "$dir/a.trace" >/dev/null; [ $? -eq 0 ] || fail "clean report must exit 0"

# flight recorder: 4 threads x 400k events (~10 MB) through a 256 KiB ring
out=$("$weft" run --keep-last=256K -o "$dir/r.trace" -- "$prog" threads 4 200000 2>&1); code=$?
[ $code -eq 0 ] || fail "run --keep-last exited $code: $out"
grep -Eq 'flight recorder: [0-9]+ older events were overwritten' <<<"$out" || fail "run summary: $out"
size=$(stat -c %s "$dir/r.trace")
[ "$size" -lt 1048576 ] || fail "a 256 KiB window left a $size-byte trace"
out=$("$weft" report "$dir/r.trace")
grep -q "flight recorder (--keep-last=256 KiB)" <<<"$out" || fail "report lacks the window: $out"
grep -Eq "\([0-9]+ events overwritten\)" <<<"$out" || fail "report lacks per-thread counts: $out"
json=$("$weft" report "$dir/r.trace" --format=json)
for key in '"flight_recorder"' '"window_start_ns"' '"keep_last_bytes": 262144' '"overwritten"'; do
  grep -qF "$key" <<<"$json" || fail "json lacks $key"
done
"$weft" view "$dir/r.trace" --format=text 2>/dev/null | grep -q "note: flight recorder" \
  || fail "the terminal timeline does not say where the window starts"
"$weft" view "$dir/r.trace" --format=chrome-json -o "$dir/r.json" 2>/dev/null
grep -q '"cat":"weft.flight_recorder"' "$dir/r.json" || fail "the Chrome JSON does not mark the window start"
# Perfetto's format: valid (slices nest, though the window begins mid-hold) and marked the same.
if command -v protoc >/dev/null 2>&1; then
  here=$(cd "$(dirname "$0")" && pwd)
  "$weft" view "$dir/r.trace" --format=perfetto --compress=none -o "$dir/r.plain.pftrace" 2>/dev/null
  "$weft" view "$dir/r.trace" --format=perfetto -o "$dir/r.pftrace" 2>/dev/null
  python3 "$here/../viewer/perfetto_check.py" --proto "$here/../viewer/perfetto_trace.proto" \
    --plain "$dir/r.plain.pftrace" --compressed "$dir/r.pftrace" --chrome "$dir/r.json" \
    --finding "window start: older events overwritten" >/dev/null \
    || fail "the Perfetto export of a flight-recorder trace does not check"
fi
echo ok
