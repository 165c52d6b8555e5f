#!/usr/bin/env bash
# e2e_abba.sh WEFT SOURCE INCLUDE OUTDIR: the corpus's pthread ABBA deadlock (SOURCE, built here
# with `cc -g` from a copy in OUTDIR/abba-src so that its sites name a file this script owns),
# recorded with `weft run` and viewed:
#   OUTDIR/abba.html            with the source snippets (browser/abba.test.js opens it)
#   OUTDIR/abba-nosource.html   weft view --no-source
#   OUTDIR/abba-missing.html    the source file deleted before weft view: no snippet, no error
#   OUTDIR/abba-report.json     weft report --json (browser/abba.test.js compares the counts)
#   OUTDIR/abba.txt             the text timeline with its lock table
set -euo pipefail
weft=$1 source=$2 include=$3 out=$4
fail() {
  echo "e2e_abba: $*" >&2
  for f in "$out"/abba.*-stderr; do [ -s "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
  exit 1
}
mkdir -p "$out/abba-src"
rm -f "$out"/abba.* "$out"/abba-*.html "$out"/abba-report.json
cp "$source" "$out/abba-src/abba.c"
# Without the corpus program's own 1 s deadline: on a loaded machine weft's report of the deadlock
# (found after ~0.5 s, then symbolized) can come later than that; a hang still ends at ctest's
# timeout.
cc -g -O0 -pthread -I "$include" -DWEFT_CORPUS_DEADLINE_H '-Dcorpus_deadline_ms(ms)=((void)0)' \
  "$out/abba-src/abba.c" -o "$out/abba"
set +e
"$weft" run -o "$out/abba.trace" -- "$out/abba" 2>"$out/abba.run-stderr"
rc=$?
set -e
[ "$rc" -eq 86 ] || { cat "$out/abba.run-stderr" >&2; fail "expected exit 86 from the deadlocked program, got $rc"; }

"$weft" view "$out/abba.trace" -o "$out/abba.html" --title=abba 2>"$out/abba.view-stderr"
"$weft" view "$out/abba.trace" -o "$out/abba-nosource.html" --title=abba --no-source
# weft report exits 1 when the trace has findings.
"$weft" report --format=json "$out/abba.trace" >"$out/abba-report.json" || [ $? -eq 1 ]
"$weft" view "$out/abba.trace" --format=text --width=100 >"$out/abba.txt"
cat "$out/abba.txt"

# The page with snippets carries the program's source lines (inside the compressed payload, so
# compare sizes); without the file, the page is the --no-source page, byte for byte, and weft
# view says nothing about it.
rm "$out/abba-src/abba.c"
"$weft" view "$out/abba.trace" -o "$out/abba-missing.html" --title=abba 2>"$out/abba.missing-stderr"
grep -v '^wrote ' "$out/abba.missing-stderr" && fail "weft view complained about the missing source"
cmp -s "$out/abba-missing.html" "$out/abba-nosource.html" ||
  fail "a missing source file should give the --no-source page"
cmp -s "$out/abba.html" "$out/abba-nosource.html" && fail "the page with source equals the one without"

# The text timeline's lock table: a and b each acquired once, blocked on once, never after
# blocking (both still blocked at the end), as weft report counts them.
grep -Eq '^  a +1 +0 +1 ' "$out/abba.txt" || fail "no lock table row 'a 1 0 1' in the text timeline"
grep -Eq '^  b +1 +0 +1 ' "$out/abba.txt" || fail "no lock table row 'b 1 0 1' in the text timeline"
node -e '
  const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  // Every site is a line of the program (or none, for the main thread): never a line of weft.
  for (const o of j.objects) {
    if (o.site && !o.site.file.endsWith("/abba.c")) {
      console.error("weft report: object " + o.label + " is sited outside the program: " + JSON.stringify(o.site)); process.exit(1);
    }
  }
  for (const n of ["a", "b"]) {
    const o = j.objects.find((x) => x.name === n);
    const s = o && j.stats.find((x) => x.object === o.id);
    if (!s || s.acquisitions !== 1 || s.contentions !== 1) {
      console.error("weft report: expected " + n + " acquired once, one contention: " + JSON.stringify(s)); process.exit(1);
    }
  }
' "$out/abba-report.json"
echo "e2e_abba: ok"
