# Sourced by the cross-TU tests (lock-xtu/run.sh, wait-xtu/run.sh): the three ways of linting
# two files that must agree. The caller defines lint() (weft lint with its checks), fail() and
# expect_all OUTPUT, and sets $tmp to a scratch directory.
#   xtu_runs A B: findings that need both files appear when both are linted in one run and when
#   each is summarised separately (--summaries-dir) then merged (--merge-summaries), never from
#   one file alone.
xtu_runs() {
  local a=$1 b=$2 f out rc
  out=$(lint "$a" "$b" -- -std=c++20 2>&1); rc=$?
  [ $rc = 1 ] || fail "one run over both files exited $rc: $out"
  expect_all "$out"
  for f in "$a" "$b"; do
    out=$(lint "$f" -- -std=c++20 2>&1); rc=$?
    [ $rc = 0 ] || fail "$f alone exited $rc (its facts alone show no bug): $out"
  done
  lint --summaries-dir="$tmp/s" "$a" -- -std=c++20 >/dev/null 2>&1 || fail "phase 1 on $a"
  lint --summaries-dir="$tmp/s" "$b" -- -std=c++20 >/dev/null 2>&1 || fail "phase 1 on $b"
  out=$(lint --merge-summaries="$tmp/s" 2>&1); rc=$?
  [ $rc = 1 ] || fail "merge exited $rc: $out"
  expect_all "$out"
}
