#!/usr/bin/env bash
# The main job: install what is missing, build what the demo runs, and run weft on the bundled
# corpus:
#   1. weft lint over every corpus program, one analysis written twice: text, and SARIF for CI
#      viewers (--sarif-output);
#   2. weft run on a buggy corpus program that self-deadlocks: the runtime reports the
#      lock-reentry before the thread blocks and stops the program instead of hanging;
#   3. weft report and weft view on that recording: statistics, findings, a timeline page.
# Everything lands in weft-out/. The build is build/, configured as scripts/test.sh configures
# it, with only the targets the demo runs: scripts/test.sh later builds the rest in place.
set -euo pipefail
cd "$(dirname "$0")/.."
out=weft-out
weft=build/bin/weft
# The program weft run records, and its CMake target (corpus/CMakeLists.txt names them).
prog=build/bin/corpus/lock-reentry/021-std-through-calls-buggy
prog_target=corpus_lock_reentry_021_std_through_calls_buggy

steps=5
step() {
  echo
  echo "== [$1/$steps] $2 (at $((SECONDS / 60))m$((SECONDS % 60))s)"
}
# Exit 1 means "findings": expected here. Anything else is a failure.
findings_ok() { "$@" || [ $? -eq 1 ]; }

step 1 "packages (Debian 12; skipped when present)"
scripts/install-deps.sh

step 2 "build: weft, the LD_PRELOAD interposer it loads, one corpus program"
# weft (with weft lint), lib/libweft_preload.so (weft run finds it in build/lib and loads it into
# programs not built with weft), and the program of step 4. Not the tests, benchmarks or the
# rest of the corpus: weft lint reads the corpus sources with the flags of
# build/compile_commands.json, written when CMake configures. Same options as scripts/test.sh.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DWEFT_WERROR=ON >/dev/null
cmake --build build -j "$(nproc)" --target weft weft_preload "$prog_target"

mkdir -p "$out"
mapfile -t sources < <(find corpus -name '*-buggy.c*' -o -name '*-fixed.c*' | sort)
step 3 "weft lint: ${#sources[@]} corpus programs, once (findings in $out/lint.txt, $out/lint.sarif)"
findings_ok "$weft" lint -p build --sarif-output="$out/lint.sarif" "${sources[@]}" >"$out/lint.txt"
grep -c 'warning:' "$out/lint.txt" | sed 's/^/lint warnings: /'
grep -m 3 -A 3 'warning:' "$out/lint.txt" || true

step 4 "weft run -- $prog"
set +e
"$weft" run -o "$out/lock-reentry.trace" -- "$prog"
echo "(program exit status $?)"
set -e

step 5 "weft report and weft view"
findings_ok "$weft" report "$out/lock-reentry.trace" | tee "$out/report.txt"
findings_ok "$weft" report --format=json "$out/lock-reentry.trace" >"$out/report.json"
"$weft" view "$out/lock-reentry.trace" --format=text
"$weft" view "$out/lock-reentry.trace" -o "$out/timeline.html"
"$weft" view "$out/lock-reentry.trace" --format=chrome-json -o "$out/timeline.perfetto.json"
echo
echo "demo: done in $((SECONDS / 60))m$((SECONDS % 60))s; results in $out/ (open $out/timeline.html in a browser)"
