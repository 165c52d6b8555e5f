#!/usr/bin/env bash
# Runs weft run, ThreadSanitizer and Helgrind side by side on the detector scenarios of
# tests/runtime/detect_std_prog.cpp and prints one row per scenario and tool: exit status,
# what was reported, whether it hung (killed by the timeout), wall time. Used for the
# "weft run vs ThreadSanitizer and Helgrind" table in docs/comparison.md.
#   scripts/compare-run-anchors.sh [BUILD_DIR]   (default build; needs bin/weft, valgrind, g++)
set -u
cd "$(dirname "$0")/.."
build=${1:-build}
weft=$build/bin/weft
prog=$build/bin/detect_std_prog
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
g++ -std=c++20 -g -O1 -fsanitize=thread tests/runtime/detect_std_prog.cpp -o "$out/prog_tsan" -pthread || exit 2
timeout_s=20
scenarios="self abba three philosophers join-cycle lost-forever inversion unowned exit-holding lost-wakeup correct-cv correct-sem"

run() {  # tool scenario cmd...: prints "tool scenario status seconds summary"
  local tool=$1 sc=$2; shift 2
  local t0 t1 st
  t0=$(date +%s.%N)
  timeout -s KILL $timeout_s "$@" >"$out/log" 2>&1
  st=$?
  t1=$(date +%s.%N)
  local summary
  case $tool in
    weft) summary=$(grep -oE '^  [a-z-]+:' "$out/log" | tr -d ' :' | sort -u | paste -sd, -) ;;
    tsan) summary=$(grep -oE 'WARNING: ThreadSanitizer: [a-z -]+' "$out/log" | sed 's/WARNING: ThreadSanitizer: //; s/ (.*//' | sort -u | paste -sd, -) ;;
    helgrind) summary=$(grep -oE '(Thread #[0-9]+: )?(lock order|Attempt to re-lock|unlocked a not-locked|unlocked lock|Exiting thread still holds|Possible data race|pthread_cond_[a-z_]+: [a-z ]+|still holds)[a-zA-Z -]*' "$out/log" | sed 's/Thread #[0-9]*: //' | sort -u | paste -sd, -) ;;
  esac
  [ $st = 137 ] && summary="HANG (killed after ${timeout_s}s)${summary:+; $summary}"
  printf '%-10s %-14s %4s %7.2f  %s\n' "$tool" "$sc" "$st" "$(echo "$t1 - $t0" | bc)" "${summary:--}"
}

for sc in $scenarios; do
  run weft "$sc" "$weft" run -o "$out/t.trace" -- "$prog" "$sc"
  run tsan "$sc" env TSAN_OPTIONS="halt_on_error=0 exitcode=66" "$out/prog_tsan" "$sc"
  run helgrind "$sc" valgrind --tool=helgrind --error-exitcode=66 "$prog" "$sc"
done
