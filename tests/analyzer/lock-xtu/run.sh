#!/usr/bin/env bash
# Cross-TU lock checks: findings that need both a.cpp and b.cpp appear when both are linted in
# one run, and when each is summarised separately (--summaries-dir) then merged
# (--merge-summaries); never from one file alone.  usage: run.sh WEFT
set -u
weft=$1
cd "$(dirname "$0")"
. ../xtu-runs.sh
lint() { "$weft" lint --checks='lock-*' --quiet --no-progress "$@"; }

expect_all() {  # $1: the output of a run over both files
  grep -Eq "^b\.cpp:6:48: warning: 'g_log_mu' is acquired while already held by a caller.*\[lock-reentry\]" <<<"$1" || fail "flush_log re-entry missing: $1"
  grep -Eq "^a\.cpp:9:3: note: 'write_entry' calls 'flush_log' here" <<<"$1" || fail "call note into a.cpp missing: $1"
  grep -Eq "^b\.cpp:8:53: warning: 'mu_' is acquired while already held by a caller.*\[lock-reentry\]" <<<"$1" || fail "Store::compact re-entry missing: $1"
  grep -Eq "^b\.cpp:14:31: warning: 'g_a' is acquired while holding 'g_b', but elsewhere 'g_b' is acquired while holding 'g_a'.*\[lock-order-inversion\]" <<<"$1" || fail "inversion missing: $1"
  grep -Eq "^a\.cpp:24:3: note: 'g_b' is then acquired while holding 'g_a' here" <<<"$1" || fail "inversion note into a.cpp missing: $1"
  grep -Eq "^b\.cpp:17:54: warning: 'Journal::jmu_' is acquired while holding 'Owner::mu_', but elsewhere 'Owner::mu_' is acquired while holding 'Journal::jmu_' \(objects of two classes.*\[lock-order-inversion\]" <<<"$1" || fail "class-level inversion missing: $1"
  grep -Eq "^a\.cpp:32:51: note: 'Owner::touch' acquires 'owner_\.mu_' here" <<<"$1" || fail "class-level inversion note into a.cpp missing: $1"
  [ "$(grep -c 'warning:' <<<"$1")" = 4 ] || fail "expected exactly 4 findings: $1"
}

xtu_runs a.cpp b.cpp
echo ok
