#!/usr/bin/env bash
# derive_agree.sh WEFT DERIVE_DUMP NODE OUTDIR PROG...: records each PROG (corpus programs) with
# `weft run`, derives each trace's intervals in C++ (viewer/emit/derive.cpp, through
# derive_dump) and in the page's JavaScript (viewer/web/layout/derive.js, through
# js/derive_agree.js), and fails unless both give the same intervals and arrows.
set -euo pipefail
weft=$1 dump=$2 node=$3 out=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
outs=()
for prog in "$@"; do
  name=$(basename "$prog")
  rm -f "$out/$name".*
  # The program's own status is not the point (deadlocking programs are stopped: 86).
  "$weft" run -o "$out/$name.trace" -- "$prog" >"$out/$name.log" 2>&1 || true
  [ -s "$out/$name.trace" ] || { echo "derive_agree: no trace for $prog" >&2; cat "$out/$name.log" >&2; exit 1; }
  "$dump" "$out/$name.trace" "$out/$name"
  outs+=("$out/$name")
done
exec "$node" "$here/js/derive_agree.js" "${outs[@]}"
