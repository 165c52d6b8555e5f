#!/usr/bin/env bash
# What `weft run` costs on real, unmodified multi-threaded programs (recorded through the
# LD_PRELOAD interposer, with the online detectors), next to the same command run natively, and
# what the recording found. Prints figures and ratios; asserts nothing.
#
#   bench/real_programs_bench.sh [BUILD_DIR]      (default build/; needs BUILD_DIR/bin/weft and
#                                                  lib/libweft_preload.so)
#   REPEAT=3 bench/real_programs_bench.sh          (runs of each command, interleaved; the median
#                                                  is printed; default 3)
#   SIZE_MB=64 bench/real_programs_bench.sh        (size of the generated input; default 64)
#
# Programs (each skipped with a note when not installed): `xz -T2` (liblzma's threaded encoder:
# a mutex and condition variables per worker), `zstd -T2 -9` (its thread pool), `sort --parallel=2`
# (GNU sort's merge threads), and `sysbench threads --threads=4 --thread-locks=8` (Debian's
# sysbench: four threads taking eight mutexes and yielding, a fixed number of events, so its
# events per second are the inverse of the wall time; issue 17's lock-heavy yardstick). Input: base64 of pseudo-random bytes (compressible ~25%, so the
# compressors do real work). Traces go to a temporary directory, on /dev/shm when there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
weft=$PWD/$build/bin/weft
repeat=${REPEAT:-3}
size_mb=${SIZE_MB:-64}
[ -x "$weft" ] || { echo "real_programs_bench: $weft missing (cmake --build $build --target weft weft_preload)" >&2; exit 2; }
base=/tmp
[ -w /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/weft-real-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

head -c $((size_mb * 1024 * 1024 * 3 / 4)) /dev/urandom | base64 -w 76 > "$work/input.txt"
echo "input: $(du -m "$work/input.txt" | cut -f1) MB of base64 text; $repeat runs each, median shown"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %9s %9s %7s %9s %9s %7s %9s %8s %s\n' program "wall s" "wall s" ratio "cpu s" "cpu s" ratio events "B/event" findings
printf '%-22s %9s %9s %7s %9s %9s %7s %9s %8s\n' "" native weft "" native weft "" "" ""

# Runs "$@" and prints "WALL CPU" (seconds; CPU = user + sys of it and its children).
timed() {
  /usr/bin/time -o "$work/time.txt" -f '%e %U %S' "$@" >/dev/null 2>"$work/stderr.txt" || {
    echo "real_programs_bench: '$*' failed: $(tail -1 "$work/stderr.txt")" >&2
    exit 1
  }
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$work/time.txt"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

bench() {
  local name=$1; shift
  if ! command -v "$1" >/dev/null; then
    printf '%-22s (not installed: skipped)\n' "$name"
    return
  fi
  local nw=() nc=() ww=() wc=() r
  for ((i = 0; i < repeat; i++)); do
    r=$(timed "$@"); nw+=("${r% *}"); nc+=("${r#* }")
    r=$(timed "$weft" run -o "$work/t.trace" -- "$@"); ww+=("${r% *}"); wc+=("${r#* }")
  done
  local mnw mnc mww mwc
  mnw=$(printf '%s\n' "${nw[@]}" | median); mnc=$(printf '%s\n' "${nc[@]}" | median)
  mww=$(printf '%s\n' "${ww[@]}" | median); mwc=$(printf '%s\n' "${wc[@]}" | median)
  local summary events bytes findings
  summary=$("$weft" report "$work/t.trace" --format=json 2>/dev/null || true)
  events=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["events"])' <<<"$summary" 2>/dev/null || echo "?")
  findings=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))' <<<"$summary" 2>/dev/null || echo "?")
  bytes=$(stat -c %s "$work/t.trace")
  printf '%-22s %9.2f %9.2f %6.2fx %9.2f %9.2f %6.2fx %9s %8s %s\n' "$name" "$mnw" "$mww" \
    "$(awk -v a="$mww" -v b="$mnw" 'BEGIN { print a / b }')" "$mnc" "$mwc" \
    "$(awk -v a="$mwc" -v b="$mnc" 'BEGIN { print a / b }')" "$events" \
    "$(awk -v a="$bytes" -v b="$events" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "?" }')" \
    "$findings"
  rm -f "$work/t.trace" "$work"/out.*
  last_native_wall=$mnw last_weft_wall=$mww
}

bench "xz -T2 -3" xz -T2 -3 -k -c "$work/input.txt"
bench "zstd -T2 -9" zstd -T2 -9 -q -c "$work/input.txt"
bench "sort --parallel=2" sort --parallel=2 -S 16M -o "$work/out.sorted" "$work/input.txt"
# sysbench measures itself: its "total time" is the program's own, without what `weft run` does
# after the program ends (reading the trace for its summary: issue 19's ground).
sysbench_events=4000
sysbench_cmd=(sysbench threads --threads=4 --thread-locks=8 --events=$sysbench_events --time=0 run)
bench "sysbench threads" "${sysbench_cmd[@]}"
if command -v sysbench >/dev/null; then
  own() { grep -m1 'total time:' "$work/sb.txt" | tr -dc '0-9.'; }
  sn=() sw=()
  for ((i = 0; i < repeat; i++)); do
    "${sysbench_cmd[@]}" >"$work/sb.txt" 2>/dev/null; sn+=("$(own)")
    "$weft" run -o "$work/t.trace" -- "${sysbench_cmd[@]}" >"$work/sb.txt" 2>/dev/null; sw+=("$(own)")
    rm -f "$work/t.trace"
  done
  a=$(printf '%s\n' "${sn[@]}" | median); b=$(printf '%s\n' "${sw[@]}" | median)
  awk -v n="$sysbench_events" -v a="$a" -v b="$b" -v c="$last_weft_wall" 'BEGIN {
    printf "sysbench threads, its own clock: %.0f events/s native, %.0f recorded (%.2fx the time);\n", n / a, n / b, b / a
    printf "  weft run in all %.2f s, of which %.2f s after the program ended (reading the trace)\n", c, c - b }'
fi
echo "(B/event: trace file bytes / events, the file including its per-thread block slack.)"
