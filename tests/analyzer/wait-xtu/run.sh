#!/usr/bin/env bash
# Cross-TU wait wrappers: a call of a wrapper defined in another file is checked like a wait when
# both files are linted in one run, and when each is summarised separately (--summaries-dir) then
# merged (--merge-summaries); never from one file alone.  usage: run.sh WEFT
set -u
weft=$1
cd "$(dirname "$0")"
. ../xtu-runs.sh
lint() { "$weft" lint --checks=wait-not-in-loop --quiet --no-progress "$@"; }

expect_all() {  # $1: the output of a run over both files
  grep -Eq "^callers\.cpp:10:15: warning: 'my_cond_wait' is not in a loop that re-checks its condition \[wait-not-in-loop\]" <<<"$1" || fail "my_cond_wait call missing: $1"
  grep -Eq "^wrappers\.cpp:7:7: note: 'my_cond_wait' is a wait wrapper: it waits here and re-checks nothing, so its caller must loop" <<<"$1" || fail "note at the wait inside my_cond_wait missing: $1"
  grep -Eq "^callers\.cpp:26:19: warning: 'Wait' is not in a loop that re-checks its condition \[wait-not-in-loop\]" <<<"$1" || fail "CondVar::Wait call missing: $1"
  grep -Eq "^wrappers\.cpp:12:3: note: 'Wait' is a wait wrapper" <<<"$1" || fail "note at the wait inside CondVar::Wait missing: $1"
  grep -Eq "^callers\.cpp:26:19: note: if one wake-up is enough here by design" <<<"$1" || fail "the caller's own note missing: $1"
  grep -Eq "^callers\.cpp:59:19: warning: 'Wait' is not in a loop that re-checks its condition \[wait-not-in-loop\]" <<<"$1" || fail "InstrumentedCondVar::Wait call (a wrapper of a wrapper) missing: $1"
  [ "$(grep -c 'warning:' <<<"$1")" = 3 ] || fail "expected exactly 3 findings (loops, Gate::WaitOpen and the wrappers' own bodies are fine): $1"
}

xtu_runs callers.cpp wrappers.cpp

# The if -> while fix comes through the merge, applied to the caller's file.
cp callers.cpp shared.h wrappers.cpp "$tmp/"
(cd "$tmp" && lint --fix callers.cpp wrappers.cpp -- -std=c++20 >/dev/null 2>&1)
grep -q 'while (!ready) my_cond_wait(&cond, &mu);' "$tmp/callers.cpp" || fail "fix not applied: $(cat "$tmp/callers.cpp")"
grep -q 'while (items == 0) cv.Wait();  // reported' "$tmp/callers.cpp" || fail "fix not applied: $(cat "$tmp/callers.cpp")"
# NOLINT on the caller's line silences a finding made in the merge phase too.
cp callers.cpp shared.h wrappers.cpp "$tmp/"
sed -i 's|my_cond_wait(&cond, &mu);  // reported.*|my_cond_wait(\&cond, \&mu);  // NOLINT(wait-not-in-loop): one-shot|' "$tmp/callers.cpp"
out=$(cd "$tmp" && lint callers.cpp wrappers.cpp -- -std=c++20 2>&1)
[ "$(grep -c 'warning:' <<<"$out")" = 2 ] && grep -q "callers.cpp:26:19: warning: 'Wait'" <<<"$out" ||
  fail "NOLINT not applied to a merged finding: $out"
echo ok
