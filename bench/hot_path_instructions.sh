#!/usr/bin/env bash
# Instructions per recorded lock+unlock pair, by layer: the deterministic figure behind the
# recording cost (CPU times on this VM move by 10-30% from run to run; instruction counts do not).
#
#   bash bench/hot_path_instructions.sh [BUILD_DIR]      # default: build
#
# Runs `preload_bench --loop` (std::mutex lock+unlock in a process that has started a thread,
# 14 M pairs) under valgrind's callgrind, recorded through the LD_PRELOAD interposer with the
# detectors (what `weft run` does), then natively, and prints instructions per pair: in total,
# and by layer: weft's lock path (the interposer's exported functions, into which the detectors'
# and the recorder's common case are inlined: runtime/src/detectors/lock_path.hpp), whatever of
# the detectors and the recorder still runs out of line, glibc's mutex code, the loop itself.
# KEEP=1 keeps the callgrind files (the path is printed) for callgrind_annotate.
set -euo pipefail
build=${1:-build}
bench=$build/bin/preload_bench
lib=$build/lib/libweft_preload.so
for f in "$bench" "$lib"; do
  [[ -e $f ]] || { echo "hot_path_instructions: $f is missing (cmake --build $build --target preload_bench weft_preload)" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "hot_path_instructions: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
tmp=$(mktemp -d)
trap '[[ -n ${KEEP:-} ]] && echo "kept $tmp" || rm -rf "$tmp"' EXIT
pairs=14000000  # preload_bench: kRuns (7) x kPairs (2,000,000)

profile() {  # $1: name; the rest: environment
  local name=$1; shift
  env "$@" valgrind --tool=callgrind --callgrind-out-file="$tmp/$name.out" "$bench" --loop \
    >/dev/null 2>"$tmp/$name.log"
  callgrind_annotate --inclusive=no "$tmp/$name.out" 2>/dev/null >"$tmp/$name.txt"
}
profile native
profile recorded LD_PRELOAD="$lib" WEFT_TRACE="$tmp/t.trace"

python3 - "$tmp" "$pairs" <<'PY'
import re, sys
tmp, pairs = sys.argv[1], int(sys.argv[2])
def layers(name):
    total, by = 0, {}
    for line in open(f"{tmp}/{name}.txt"):
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*)", line)
        if not m: continue
        n, what = int(m.group(1).replace(",", "")), m.group(2)
        if "PROGRAM TOTALS" in what: total = n; continue
        if "detectors::" in what: k = "detectors"
        elif "Recorder::" in what: k = "recorder"
        elif "libweft_preload.so" in what: k = "weft lock path (inlined)"
        elif "libc.so" in what and "mutex" in what: k = "glibc mutex"
        elif "preload_bench" in what: k = "benchmark loop"
        else: k = "other"
        by[k] = by.get(k, 0) + n
    return total, by
nt, nb = layers("native")
rt, rb = layers("recorded")
print(f"instructions per std::mutex lock+unlock pair ({pairs:,} pairs, callgrind)")
print(f"  {'native (after a thread was started)':40s} {nt / pairs:8.1f}")
print(f"  {'recorded by weft run (detectors on)':40s} {rt / pairs:8.1f}   {rt / nt:5.2f}x")
for k in ["weft lock path (inlined)", "detectors", "recorder", "glibc mutex", "benchmark loop", "other"]:
    if k in rb: print(f"    {k:38s} {rb[k] / pairs:8.1f}")
PY
