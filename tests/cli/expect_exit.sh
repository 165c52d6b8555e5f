#!/usr/bin/env bash
# expect_exit.sh CODE PATTERN CMD ARGS...: runs CMD, passes if it exits CODE and its combined
# output matches the extended regex PATTERN.
set -u
want=$1 pattern=$2
shift 2
out=$("$@" 2>&1)
got=$?
if [ "$got" != "$want" ]; then
  echo "expected exit $want, got $got: $*"; echo "$out"; exit 1
fi
if ! grep -Eq -- "$pattern" <<<"$out"; then
  echo "output does not match /$pattern/: $*"; echo "$out"; exit 1
fi
