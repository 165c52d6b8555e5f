#!/usr/bin/env bash
# e2e_deadlock.sh WEFT PROG OUTDIR: records PROG (programs/philosophers.cpp, 3 philosophers: a
# 3-thread wait-for cycle) with `weft run`, then writes and checks the three renderings:
#   OUTDIR/philosophers.{trace,html,json,txt}
# browser/deadlock.test.js opens the page.
set -euo pipefail
weft=$1 prog=$2 out=$3
mkdir -p "$out"
rm -f "$out"/philosophers.*
# The program deadlocks and is ended by its own deadline (exit 86); weft run passes that on.
set +e
"$weft" run -o "$out/philosophers.trace" -- "$prog" 3
rc=$?
set -e
[ "$rc" -eq 86 ] || { echo "e2e_deadlock: expected exit 86 from the deadlocked program, got $rc" >&2; exit 1; }
"$weft" view "$out/philosophers.trace" -o "$out/philosophers.html"
"$weft" view "$out/philosophers.trace" --format=chrome-json -o "$out/philosophers.json"
"$weft" view "$out/philosophers.trace" --format=text --width=100 >"$out/philosophers.txt"
cat "$out/philosophers.txt"
fail() { echo "e2e_deadlock: $*" >&2; exit 1; }
grep -q "deadlock" "$out/philosophers.txt" || fail "the text timeline shows no deadlock finding"
for i in 0 1 2; do
  grep -q "^哲学家-$i .*|$" "$out/philosophers.txt" || fail "no timeline row for 哲学家-$i"
done
node -e '
  const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const names = j.traceEvents.filter((e) => e.name === "thread_name").map((e) => e.args.name);
  for (const n of ["哲学家-0", "哲学家-1", "哲学家-2"])
    if (!names.includes(n)) { console.error("chrome-json: no thread_name " + n + " in " + names); process.exit(1); }
  const dl = j.traceEvents.filter((e) => e.ph === "i" && e.name === "deadlock");
  if (dl.length !== 1) { console.error("chrome-json: expected one deadlock instant, got " + dl.length); process.exit(1); }
  const blocked = j.traceEvents.filter((e) => e.ph === "X" && e.cat === "weft.blocked" && /fork-/.test(e.name));
  if (blocked.length < 3) { console.error("chrome-json: expected 3 blocked slices on forks, got " + blocked.length); process.exit(1); }
' "$out/philosophers.json"
echo "e2e_deadlock: ok"
