#!/usr/bin/env bash
# detect_chaos.sh WEFT PROG: chaos mode breaks the `if`-wait consumer within a few seeds and never
# the `while`-wait one.
set -u
weft=$1 prog=$2
trace=$(mktemp -d)/chaos.trace
failed_if=0
for seed in 1 2 3 4 5; do
  if ! "$weft" run --chaos=$seed -o "$trace" -- "$prog" consumer-while >/dev/null 2>&1; then
    echo "FAIL: the correct (while) consumer failed under --chaos=$seed"; exit 1
  fi
  if ! "$weft" run --chaos=$seed -o "$trace" -- "$prog" consumer-if >/dev/null 2>&1; then
    failed_if=$((failed_if + 1))
  fi
done
# Without chaos the `if` consumer passes (the bug stays latent).
"$weft" run -o "$trace" -- "$prog" consumer-if >/dev/null 2>&1 || echo "note: if-consumer failed without chaos too"
if [ $failed_if -eq 0 ]; then echo "FAIL: the if-wait consumer never failed under seeds 1-5"; exit 1; fi
echo "ok: if-wait consumer failed under $failed_if of 5 seeds; while-wait consumer passed all"
