#!/usr/bin/env bash
# Cross-TU wait-without-lock / notify-without-lock: a pthread wait or notify in a function of
# a.cpp whose only callers are the threads b.cpp starts is followed through them when both files
# are linted in one run, and when each is summarised separately (--summaries-dir) then merged
# (--merge-summaries); from one file alone its callers are unknown: nothing.  usage: run.sh WEFT
set -u
weft=$1
cd "$(dirname "$0")"
. ../xtu-runs.sh
lint() { "$weft" lint --checks='wait-without-lock,notify-without-lock' --quiet --no-progress "$@"; }

expect_all() {  # $1: the output of a run over both files
  grep -Eq "^a\.cpp:14:18: warning: 'pthread_cond_wait' is called without holding the lock 'mu' \[wait-without-lock\]" <<<"$1" || fail "wait_unheld's wait missing: $1"
  grep -Eq "^b\.cpp:37:3: note: 'unheld_waiter' starts here as a new thread, holding no lock" <<<"$1" || fail "thread start note in b.cpp missing: $1"
  grep -Eq "^b\.cpp:12:3: note: 'unheld_waiter' calls 'wait_unheld' here without holding 'mu'" <<<"$1" || fail "call note in b.cpp missing: $1"
  grep -Eq "^a\.cpp:26:3: warning: 'pthread_cond_signal' on 'cv' is called without ever holding its mutex 'mu' \[notify-without-lock\]" <<<"$1" || fail "signal_unheld's notify missing: $1"
  grep -Eq "^b\.cpp:40:3: note: 'unheld_signaller' starts here as a new thread, holding no lock" <<<"$1" || fail "notifier's thread start note missing: $1"
  grep -Eq "^b\.cpp:30:3: note: 'unheld_signaller' calls 'signal_unheld' here without holding 'mu'" <<<"$1" || fail "notifier's call note missing: $1"
  grep -Eq "^a\.cpp:26:3: note: a waiter between its check of the state and its wait misses this wake-up" <<<"$1" || fail "notify's own note missing: $1"
  # wait_held (held_waiter holds mu), wait_if (poller's 0 rules the wait out), signal_held.
  [ "$(grep -c 'warning:' <<<"$1")" = 2 ] || fail "expected exactly 2 findings: $1"
}

xtu_runs a.cpp b.cpp

# NOLINT on the waiter's line silences a finding made in the merge phase too.
cp a.cpp b.cpp shared.h "$tmp/"
sed -i 's|// reported: unheld_waiter never takes mu|// NOLINT(wait-without-lock): test|' "$tmp/a.cpp"
out=$(cd "$tmp" && lint a.cpp b.cpp -- -std=c++20 2>&1)
[ "$(grep -c 'warning:' <<<"$out")" = 1 ] && grep -q "a.cpp:26:3: warning: 'pthread_cond_signal'" <<<"$out" ||
  fail "NOLINT not applied to a merged finding: $out"
# The "main file" rule over linted files together: main.cpp alone follows drain()'s callers in
# it (reported); with holder.cpp, a caller holding the mutex makes it not evident, in one run
# and through the summaries (the finding is decided in the merge phase, never in main.cpp's).
out=$(lint main.cpp -- -std=c++20 2>&1)
grep -Eq "^main\.cpp:10:20: warning: 'pthread_cond_wait' is called without holding the lock 'main_mu'" <<<"$out" ||
  fail "main.cpp alone: drain's wait missing: $out"
out=$(lint main.cpp holder.cpp -- -std=c++20 2>&1); rc=$?
[ $rc = 0 ] || fail "main.cpp with holder.cpp exited $rc (holder.cpp holds the mutex): $out"
out=$(xtu_merge main.cpp holder.cpp); rc=$?
[ $rc = 0 ] || fail "merge of main.cpp and holder.cpp exited $rc: $out"
echo ok
