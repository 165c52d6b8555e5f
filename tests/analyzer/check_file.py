#!/usr/bin/env python3
"""Runs `weft lint` on one lit-style test file and compares its findings with the expectations
written next to the cases (our small stand-in for LLVM lit + FileCheck):

  if (!ready) cv.wait(lk);
  // CHECK-MESSAGES: :[[@LINE-1]]:15: warning: 'wait' is not in a loop that re-checks its condition [wait-not-in-loop]
  // CHECK-NOTES: :[[@LINE-2]]:15: note: use the predicate overload   (substring of the note)
  // CHECK-FIXES: while (!ready) cv.wait(lk);

Every finding must be expected and every expectation found (warnings: exact message; notes are
checked only when the file has CHECK-NOTES lines). CHECK-FIXES lines must appear, in order, in
the file after `weft lint --fix`; the fixed file must still compile, and a second --fix run must
change nothing. Optional header lines: `// CHECKS: glob,...` (default: the file's name) and
`// ARGS: compiler args` (default: -std=c++20).

usage: check_file.py WEFT SOURCE_ROOT TEST_FILE
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

EXPECT = re.compile(r"//\s*CHECK-(MESSAGES|NOTES):\s*:\[\[@LINE([+-]\d+)?\]\]:(\d+):\s*"
                    r"(warning|note):\s*(.*?)\s*$")
FIXES = re.compile(r"//\s*CHECK-FIXES:\s*(.*?)\s*$")


def run(weft, path, checks, args, extra=()):
    cmd = [weft, "lint", "--format=json", "--quiet", "--no-progress", "--checks=" + checks,
           *extra, path, "--", *args]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"FAIL: weft lint exited {p.returncode}\n$ {' '.join(cmd)}\n{p.stderr}")
    findings = json.loads(p.stdout)["findings"]
    if (p.returncode == 1) != bool(findings):
        sys.exit(f"FAIL: exit code {p.returncode} but {len(findings)} findings")
    return findings


def main():
    weft, root, test = sys.argv[1], sys.argv[2], sys.argv[3]
    lines = open(test, encoding="utf-8").read().split("\n")
    checks = os.path.splitext(os.path.basename(test))[0]
    args = ["-std=c++20", "-I" + os.path.join(root, "primitives", "include")]
    warnings, notes, fixes = set(), [], []
    for i, text in enumerate(lines, start=1):
        if m := re.search(r"//\s*CHECKS:\s*(\S+)", text):
            checks = m.group(1)
        if m := re.search(r"//\s*ARGS:\s*(.*)$", text):
            args = m.group(1).split() + args[1:]
        if m := EXPECT.search(text):
            kind, offset, col, level, msg = m.groups()
            line = i + int(offset or 0)
            if kind == "MESSAGES":
                mm = re.match(r"(.*)\s\[([\w*-]+)\]$", msg)
                if not mm or level != "warning":
                    sys.exit(f"{test}:{i}: CHECK-MESSAGES needs 'warning: MESSAGE [id]'")
                warnings.add((line, int(col), mm.group(1), mm.group(2)))
            else:
                notes.append((line, int(col), msg))
        elif m := FIXES.search(text):
            fixes.append((i, m.group(1)))

    failures = []
    # The test runs on a copy so --fix and NOLINT lookups never touch the source tree.
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, os.path.basename(test))
        shutil.copy(test, copy)
        found = run(weft, copy, checks, args)
        actual = {(f["line"], f["column"], f["message"], f["check"]) for f in found}
        for w in sorted(warnings - actual):
            failures.append(f"{test}:{w[0]}:{w[1]}: expected but not reported: {w[2]} [{w[3]}]")
        for a in sorted(actual - warnings):
            failures.append(f"{test}:{a[0]}:{a[1]}: unexpected finding: {a[2]} [{a[3]}]")
        if notes:
            actual_notes = [(n["line"], n["column"], n["message"]) for f in found
                            for n in f["notes"]]
            for line, col, msg in notes:
                if not any(l == line and c == col and msg in m for l, c, m in actual_notes):
                    failures.append(f"{test}:{line}:{col}: expected note not reported: {msg}")
        if fixes:
            fixed_lines = {f["line"] for f in found if f["fixes"]}
            run(weft, copy, checks, args, ["--fix"])
            after = open(copy, encoding="utf-8").read()
            pos = 0
            out_lines = after.split("\n")
            for i, want in fixes:
                # The CHECK-FIXES comment itself holds the text: only code lines count.
                while pos < len(out_lines) and (want not in out_lines[pos] or "CHECK-" in out_lines[pos]):
                    pos += 1
                if pos == len(out_lines):
                    failures.append(f"{test}:{i}: CHECK-FIXES not found in order: {want}")
                    pos = 0
            # Idempotent, still compiles (a TU that does not parse makes run() fail), clean.
            again = run(weft, copy, checks, args, ["--fix"])
            if open(copy, encoding="utf-8").read() != after:
                failures.append(f"{test}: a second --fix run changed the file again")
            for f in again:
                if f["line"] in fixed_lines:
                    failures.append(f"{test}:{f['line']}: still reported after its fix")
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print(f"ok: {len(warnings)} findings, {len(notes)} notes, {len(fixes)} fix lines")


if __name__ == "__main__":
    main()
