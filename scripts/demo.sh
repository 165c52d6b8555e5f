#!/usr/bin/env bash
# The main job: install what is missing, build, and run weft on the bundled corpus:
#   1. weft lint over every corpus program (text, and SARIF for CI viewers);
#   2. weft run on a buggy corpus program that self-deadlocks: the runtime reports the
#      lock-reentry before the thread blocks and stops the program instead of hanging;
#   3. weft report and weft view on that recording: statistics, findings, a timeline page.
# Everything lands in weft-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
out=weft-out
mkdir -p "$out"
weft=build/bin/weft

# Exit 1 means "findings": expected here. Anything else is a failure.
findings_ok() { "$@" || [ $? -eq 1 ]; }

mapfile -t sources < <(find corpus -name '*-buggy.c*' -o -name '*-fixed.c*' | sort)
echo "== weft lint: ${#sources[@]} corpus programs (findings in $out/lint.txt, $out/lint.sarif)"
findings_ok "$weft" lint -p build "${sources[@]}" >"$out/lint.txt"
findings_ok "$weft" lint -p build --format=sarif "${sources[@]}" >"$out/lint.sarif" 2>/dev/null
grep -c 'warning:' "$out/lint.txt" | sed 's/^/lint warnings: /'
grep -m 3 -A 3 'warning:' "$out/lint.txt" || true

prog=build/bin/corpus/lock-reentry/021-std-through-calls-buggy
echo "== weft run -- $prog"
set +e
"$weft" run -o "$out/lock-reentry.trace" -- "$prog"
echo "(program exit status $?)"
set -e
echo "== weft report"
findings_ok "$weft" report "$out/lock-reentry.trace" | tee "$out/report.txt"
findings_ok "$weft" report --format=json "$out/lock-reentry.trace" >"$out/report.json"
echo "== weft view"
"$weft" view "$out/lock-reentry.trace" --format=text
"$weft" view "$out/lock-reentry.trace" -o "$out/timeline.html"
"$weft" view "$out/lock-reentry.trace" --format=chrome-json -o "$out/timeline.perfetto.json"
echo "demo: results in $out/ (open $out/timeline.html in a browser)"
