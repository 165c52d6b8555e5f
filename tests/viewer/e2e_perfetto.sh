#!/usr/bin/env bash
# e2e_perfetto.sh WEFT DIR PROTO [AIO_PROG]: exports the recordings of e2e.sh and e2e_deadlock.sh
# (DIR/contention.trace: a std:: program through the interposer; DIR/philosophers.trace: a
# 3-philosopher deadlock) and, given AIO_PROG (corpus event-as-condition/004-aio-tutorial-event-
# buggy), a recording of it made here (weft::aio task lanes, a timer suspension) with `weft view --format=perfetto`, plain and deflated, decodes them
# with Debian's protoc against PROTO (tests/viewer/perfetto_trace.proto) and compares them with
# the Chrome JSON export of the same trace (perfetto_check.py). Exits 77 (skipped) when protoc
# is not installed: scripts/install-deps.sh --browser installs protobuf-compiler.
set -euo pipefail
weft=$1 dir=$2 proto=$3 aio=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v protoc >/dev/null 2>&1; then
  echo "e2e_perfetto: protoc not found (Debian package protobuf-compiler): skipped"
  exit 77
fi
fail() { echo "e2e_perfetto: $*" >&2; exit 1; }
check() {  # check NAME ARGS...: export DIR/NAME.trace three ways and compare
  local name=$1
  shift
  local trace=$dir/$name.trace out=$dir/$name
  [ -s "$trace" ] || fail "$trace is missing (the viewer:e2e tests record it)"
  rm -f "$out".perfetto-trace "$out".plain.perfetto-trace
  # The default name: the trace's, with the extension .perfetto-trace.
  "$weft" view "$trace" --format=perfetto
  [ -s "$out.perfetto-trace" ] || fail "no $out.perfetto-trace written by default"
  "$weft" view "$trace" --format=perfetto --compress=none -o "$out.plain.perfetto-trace"
  "$weft" view "$trace" --format=chrome-json -o "$out.perfetto-check.json"
  python3 "$here/perfetto_check.py" --proto "$proto" --plain "$out.plain.perfetto-trace" \
    --compressed "$out.perfetto-trace" --chrome "$out.perfetto-check.json" "$@"
}
check contention --thread worker-1 --thread worker-2 --thread consumer
check philosophers --thread 哲学家-0 --thread 哲学家-1 --thread 哲学家-2 --finding deadlock
if [ -n "$aio" ]; then
  # The program ends in an asyncio deadlock on purpose (exit 86); the trace is what counts.
  rc=0
  "$weft" run -o "$dir/aio-tasks.trace" -- "$aio" >/dev/null || rc=$?
  [ "$rc" -eq 86 ] || fail "weft run of $aio exited $rc (86 expected: its DeadlockError)"
  check aio-tasks --thread 'writer (task on main)' --thread 'downloader (task on main)' \
    --finding event-as-condition --finding deadlock
  # A task suspended on no object (aio::sleep) is named as such, not as "object #0".
  grep -q '"suspended (timer or thread)"' "$dir/aio-tasks.perfetto-check.json" ||
    fail "no timer suspension named in the Chrome export of aio-tasks"
  ! grep -q 'object #0' "$dir/aio-tasks.perfetto-check.json" || fail "an 'object #0' in aio-tasks"
fi
echo "e2e_perfetto: ok"
