#!/usr/bin/env bash
# e2e.sh WEFT PROG OUTDIR: records PROG with `weft run` (through the LD_PRELOAD interposer),
# then writes and checks the three renderings of the real trace:
#   OUTDIR/contention.{trace,html,json,txt}
set -euo pipefail
weft=$1 prog=$2 out=$3
mkdir -p "$out"
rm -f "$out"/contention.*
"$weft" run -o "$out/contention.trace" -- "$prog"
"$weft" view "$out/contention.trace" -o "$out/contention.html"
"$weft" view "$out/contention.trace" --format=chrome-json -o "$out/contention.json"
"$weft" view "$out/contention.trace" --format=text --width=100 >"$out/contention.txt"
cat "$out/contention.txt"
fail() { echo "e2e: $*" >&2; exit 1; }
for name in worker-1 worker-2 consumer; do
  grep -q "^$name .*|$" "$out/contention.txt" || fail "no timeline row for $name"
done
grep -q "default-src 'none'" "$out/contention.html" || fail "the page has no CSP"
node -e '
  const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const names = j.traceEvents.filter((e) => e.name === "thread_name").map((e) => e.args.name);
  for (const n of ["worker-1", "worker-2", "consumer"])
    if (!names.includes(n)) { console.error("chrome-json: no thread_name " + n + " in " + names); process.exit(1); }
  const holds = j.traceEvents.filter((e) => e.ph === "b" && e.cat === "weft.lock").length;
  if (holds < 40) { console.error("chrome-json: expected >= 40 lock holds, got " + holds); process.exit(1); }
' "$out/contention.json"
echo "e2e: ok"
