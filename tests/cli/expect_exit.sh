#!/usr/bin/env bash
# expect_exit.sh CODE PATTERN CMD ARGS...: runs CMD, passes if it exits CODE and its combined
# output matches the extended regex PATTERN. A PATTERN of several regexes joined by " && " needs
# each of them to match (on any line).
set -u
want=$1 pattern=$2
shift 2
out=$("$@" 2>&1)
got=$?
if [ "$got" != "$want" ]; then
  echo "expected exit $want, got $got: $*"; echo "$out"; exit 1
fi
rest=$pattern
while :; do
  part=${rest%% && *}
  if ! grep -Eq -- "$part" <<<"$out"; then
    echo "output does not match /$part/: $*"; echo "$out"; exit 1
  fi
  [ "$part" = "$rest" ] && break
  rest=${rest#* && }
done
