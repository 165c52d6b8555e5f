#!/usr/bin/env bash
# perfetto_bad_input.sh WEFT TRACE OUTDIR: `weft view --format=perfetto` on damaged input answers
# as the other formats do (cli/view.cpp: exit 2 and a one-line reason on stderr, or exit 0 with a
# warning for a file cut mid-records, whose events before the cut are exported):
#   1. TRACE cut inside its 4096-byte header       -> exit 2, one line, no output file;
#   2. TRACE cut 37 bytes short of its end          -> exit 0, "truncated" warning, a file;
#   3. not a trace (a Perfetto file given as input) -> exit 2, one line;
# each compared with --format=chrome-json on the same input.
set -uo pipefail
weft=$1 trace=$2 out=$3
mkdir -p "$out"
fail() { echo "perfetto_bad_input: $*" >&2; exit 1; }
[ -s "$trace" ] || fail "$trace is missing (viewer:e2e:record-and-view records it)"
size=$(stat -c %s "$trace")
head -c 2000 "$trace" >"$out/cut-header.trace"
head -c $((size - 37)) "$trace" >"$out/cut-tail.trace"
printf '\x0a\x02\x08\x01not a weft trace' >"$out/not-a-trace.trace"

# run FORMAT INPUT OUTPUT: sets rc and err (stderr)
run() {
  rm -f "$3"
  err=$("$weft" view "$2" --format="$1" -o "$3" 2>&1 >/dev/null)
  rc=$?
}
for input in cut-header not-a-trace; do
  run perfetto "$out/$input.trace" "$out/$input.perfetto-trace"
  [ "$rc" -eq 2 ] || fail "$input: exit $rc, expected 2 ($err)"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$input: more than one line: $err"
  [[ "$err" == "weft view: "* ]] || fail "$input: the reason does not start 'weft view: ': $err"
  [ ! -e "$out/$input.perfetto-trace" ] || fail "$input: an output file was left behind"
  perfetto_err=$err
  run chrome-json "$out/$input.trace" "$out/$input.json"
  [ "$rc" -eq 2 ] && [ "$err" = "$perfetto_err" ] ||
    fail "$input: chrome-json answers differently (exit $rc: $err)"
  echo "perfetto_bad_input: $input: exit 2: $perfetto_err"
done
grep -q "inside the trace header" <<<"$perfetto_err" && fail "not-a-trace reported as a header cut"

run perfetto "$out/cut-tail.trace" "$out/cut-tail.perfetto-trace"
[ "$rc" -eq 0 ] || fail "cut-tail: exit $rc, expected 0 ($err)"
grep -q "warning: .*truncated" <<<"$err" || fail "cut-tail: no truncation warning: $err"
[ -s "$out/cut-tail.perfetto-trace" ] || fail "cut-tail: no output"
wrote=$(grep '^wrote' <<<"$err" | sed 's/^wrote [^ ]* //')
run chrome-json "$out/cut-tail.trace" "$out/cut-tail.json"
[ "$rc" -eq 0 ] && [ "$(grep '^wrote' <<<"$err" | sed 's/^wrote [^ ]* //')" = "$wrote" ] ||
  fail "cut-tail: chrome-json reads the cut file differently: $err"
echo "perfetto_bad_input: cut-tail: exit 0, $wrote"
if command -v protoc >/dev/null 2>&1; then
  protoc --decode=perfetto.protos.Trace -I "$(dirname "$0")" perfetto_trace.proto \
    <"$out/cut-tail.perfetto-trace" >/dev/null || fail "cut-tail: the export does not decode"
fi
echo "perfetto_bad_input: ok"
