# Sourced by the cross-TU tests (lock-xtu, wait-xtu, unheld-xtu run.sh): the three ways of
# linting two files that must agree. It sets $tmp (a scratch directory, removed at exit) and
# fail(); the caller defines lint() (weft lint with its checks) and expect_all OUTPUT.
#   xtu_merge A B: each file summarised separately (--summaries-dir, a fresh directory), then
#   the merge (--merge-summaries): its output, and its exit status.
#   xtu_runs A B: findings that need both files appear when both are linted in one run and when
#   merged, never from one file alone.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

xtu_merge() {
  local d
  d=$(mktemp -d -p "$tmp")
  lint --summaries-dir="$d" "$1" -- -std=c++20 >/dev/null 2>&1 || fail "phase 1 on $1"
  lint --summaries-dir="$d" "$2" -- -std=c++20 >/dev/null 2>&1 || fail "phase 1 on $2"
  lint --merge-summaries="$d" 2>&1
}

xtu_runs() {
  local a=$1 b=$2 f out rc
  out=$(lint "$a" "$b" -- -std=c++20 2>&1); rc=$?
  [ $rc = 1 ] || fail "one run over both files exited $rc: $out"
  expect_all "$out"
  for f in "$a" "$b"; do
    out=$(lint "$f" -- -std=c++20 2>&1); rc=$?
    [ $rc = 0 ] || fail "$f alone exited $rc (its facts alone show no bug): $out"
  done
  out=$(xtu_merge "$a" "$b"); rc=$?
  [ $rc = 1 ] || fail "merge exited $rc: $out"
  expect_all "$out"
}
