#!/usr/bin/env bash
# detect_chaos.sh WEFT PROG: chaos mode breaks the `if`-wait consumer within a few seeds and never
# the `while`-wait one; and weft says why: a dynamic wait-not-in-loop finding naming the wait.
set -u
weft=$1 prog=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
trace=$dir/chaos.trace
failed_if=0 found_if=0
for seed in 1 2 3 4 5; do
  if ! "$weft" run --chaos=$seed --fail-on-findings -o "$trace" -- "$prog" consumer-while \
      >"$dir/out" 2>&1; then
    echo "FAIL: the correct (while) consumer failed or had findings under --chaos=$seed:"
    cat "$dir/out"; exit 1
  fi
  if ! "$weft" run --chaos=$seed -o "$trace" -- "$prog" consumer-if >/dev/null 2>&1; then
    failed_if=$((failed_if + 1))
  fi
  if "$weft" report "$trace" --format=json | grep -q '"kind": *"wait-not-in-loop"'; then
    found_if=$((found_if + 1))
  fi
done
# Without chaos the `if` consumer passes (the bug stays latent).
"$weft" run -o "$trace" -- "$prog" consumer-if >/dev/null 2>&1 || echo "note: if-consumer failed without chaos too"
if [ $failed_if -eq 0 ]; then echo "FAIL: the if-wait consumer never failed under seeds 1-5"; exit 1; fi
if [ $found_if -eq 0 ]; then echo "FAIL: no wait-not-in-loop finding for the if-wait consumer under seeds 1-5"; exit 1; fi
echo "ok: if-wait consumer failed under $failed_if of 5 seeds and was reported as wait-not-in-loop under $found_if; while-wait consumer passed all, no findings"
