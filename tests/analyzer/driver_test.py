#!/usr/bin/env python3
"""End-to-end tests of the `weft lint` driver: output formats, NOLINT, --fix, errors, shards,
summaries, compilation databases and system headers. Each case builds its input in a fresh
temporary directory and runs weft there (so paths are relative to it).

usage: driver_test.py WEFT CASE      (CASE: one of the test_* names below, without test_)
"""
import json
import os
import subprocess
import sys
import tempfile

WEFT = None
HERE = os.path.dirname(os.path.abspath(__file__))

BUGGY = """#include <condition_variable>
#include <mutex>
std::mutex m;
std::condition_variable cv;
bool ready = false;
void f() {
  std::unique_lock<std::mutex> lk(m);
  if (!ready) cv.wait(lk);
}
"""


def lint(cwd, *args, expect=None):
    p = subprocess.run([WEFT, "lint", "--no-progress", *args], cwd=cwd, capture_output=True,
                       text=True)
    if expect is not None and p.returncode != expect:
        fail(f"exit {p.returncode}, expected {expect}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def write(d, name, text):
    path = os.path.join(d, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def test_text(d):
    write(d, "src/a.cpp", BUGGY)
    p = lint(d, "src/a.cpp", "--", "-std=c++20", expect=1)
    lines = p.stdout.split("\n")
    check(lines[0] == "src/a.cpp:8:15: warning: 'wait' is not in a loop that re-checks its "
          "condition [wait-not-in-loop]", f"first line: {lines[0]!r}")
    check(lines[1] == "  if (!ready) cv.wait(lk);", f"source line: {lines[1]!r}")
    check(lines[2] == " " * 14 + "^", f"caret line: {lines[2]!r}")
    check("weft lint: 1 file, 1 finding (wait-not-in-loop: 1)" in p.stderr, p.stderr)


def test_json(d):
    write(d, "src/a.cpp", BUGGY)
    p = lint(d, "--format=json", "src/a.cpp", "--", "-std=c++20", expect=1)
    out = json.loads(p.stdout)
    check(out["version"] == 1, "version")
    (f,) = out["findings"]
    check(set(f) == {"check", "severity", "file", "line", "column", "message", "notes", "fixes"},
          f"keys {sorted(f)}")
    check((f["check"], f["severity"], f["file"], f["line"], f["column"]) ==
          ("wait-not-in-loop", "warning", "src/a.cpp", 8, 15), str(f))
    (fix,) = f["fixes"]
    check((fix["file"], fix["line"], fix["column"], fix["replacement"]) ==
          ("src/a.cpp", 8, 3, "while"), str(fix))
    text = open(os.path.join(d, "src/a.cpp")).read()
    check(text[fix["offset"]:fix["offset"] + fix["length"]] == "if", "fix offset/length")


OFFICIAL_SCHEMA = os.path.join(HERE, "node_modules", "@microsoft", "jest-sarif", "lib", "schemas",
                               "sarif-2.1.0-rtm.5.json")


def test_sarif_official(d):
    # The official SARIF 2.1.0 schema (JSON Schema draft-04), installed from npm by
    # scripts/test.sh (tests/analyzer/package.json); not vendored.
    if not os.path.exists(OFFICIAL_SCHEMA):
        print(f"SKIP: {OFFICIAL_SCHEMA} missing: run 'npm ci' in tests/analyzer "
              "(scripts/test.sh does)")
        sys.exit(77)
    import jsonschema
    schema = json.load(open(OFFICIAL_SCHEMA))
    check("2.1.0" in schema.get("title", ""), "not the SARIF 2.1.0 schema: " + schema.get("title", ""))
    validator = jsonschema.Draft4Validator(schema)
    # Every part weft writes: rules, results with notes (relatedLocations), a call chain
    # (codeFlows), fixes, fingerprints.
    write(d, "src/a.cpp", BUGGY + """void helper() { std::lock_guard<std::mutex> g(m); }
void caller() {
  std::lock_guard<std::mutex> g(m);
  helper();
}
""")
    log = sarif_of(d, "--checks=*")
    results = log["runs"][0]["results"]
    check({r["ruleId"] for r in results} >= {"wait-not-in-loop", "lock-reentry"},
          str([r["ruleId"] for r in results]))
    check(any("codeFlows" in r for r in results) and any("fixes" in r for r in results),
          "expected a result with codeFlows and one with fixes")
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    check(not errors, "; ".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]))
    # The schema is not vacuous: a log missing a required property fails it.
    broken = json.loads(json.dumps(log))
    del broken["runs"][0]["tool"]["driver"]["name"]
    check(not validator.is_valid(broken), "schema accepted a driver without a name")


def sarif_of(d, *extra):
    p = lint(d, "--format=sarif", *extra, "src/a.cpp", "--", "-std=c++20", expect=1)
    return json.loads(p.stdout)


def test_sarif(d):
    import jsonschema
    schema = json.load(open(os.path.join(HERE, "data", "sarif-2.1.0-subset.schema.json")))
    write(d, "src/a.cpp", BUGGY + """void g(std::unique_lock<std::mutex>& lk) {
  cv.wait(lk);
}
""")
    log = sarif_of(d)
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    check(run["originalUriBaseIds"]["SRCROOT"]["uri"] == "file://" + os.path.realpath(d) + "/",
          str(run["originalUriBaseIds"]))
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    check("docs/checks/wait-not-in-loop.md" in rules["wait-not-in-loop"]["help"]["text"],
          "help text links the doc page")
    r0, r1 = run["results"]
    loc = r0["locations"][0]["physicalLocation"]
    check(r0["ruleId"] == "wait-not-in-loop" and loc["artifactLocation"] ==
          {"uri": "src/a.cpp", "uriBaseId": "SRCROOT"}, str(loc))
    check(loc["region"]["startLine"] == 8 and loc["region"]["startColumn"] == 15, str(loc))
    rep = r0["fixes"][0]["artifactChanges"][0]["replacements"][0]
    check(rep["insertedContent"]["text"] == "while" and rep["deletedRegion"]["startColumn"] == 3,
          str(rep))
    check(r1["relatedLocations"][0]["message"]["text"].startswith("use the predicate"),
          "notes become relatedLocations")
    # Fingerprints survive an unrelated edit that moves the code down.
    before = [r["partialFingerprints"] for r in run["results"]]
    write(d, "src/a.cpp", "// a new comment\n\n" + open(os.path.join(d, "src/a.cpp")).read())
    after = [r["partialFingerprints"] for r in sarif_of(d)["runs"][0]["results"]]
    check(before == after and before[0] != before[1], f"fingerprints {before} vs {after}")


def test_sarif_output(d):
    # --sarif-output=FILE: one analysis, the --format output on stdout and SARIF in FILE, which is
    # byte for byte what --format=sarif prints.
    write(d, "src/a.cpp", BUGGY)
    args = ["src/a.cpp", "--", "-std=c++20"]
    text = lint(d, *args, expect=1).stdout
    sarif = lint(d, "--format=sarif", *args, expect=1).stdout
    out = os.path.join(d, "out", "weft.sarif")
    os.makedirs(os.path.dirname(out))
    p = lint(d, "--sarif-output=out/weft.sarif", *args, expect=1)
    check(p.stdout == text, f"stdout is not the text output:\n{p.stdout}")
    check(open(out).read() == sarif, "the --sarif-output file differs from --format=sarif")
    check(p.stderr.count("weft lint: 1 file, 1 finding") == 1, p.stderr)
    # With another format, as a separate argument, and over an existing file.
    js = lint(d, "--format=json", *args, expect=1).stdout
    p = lint(d, "--format=json", "--sarif-output", out, *args, expect=1)
    check(p.stdout == js and open(out).read() == sarif, "--format=json with --sarif-output")
    p = lint(d, "--format=sarif", "--sarif-output=out/weft.sarif", *args, expect=1)
    check(p.stdout == sarif and open(out).read() == sarif, "--format=sarif with --sarif-output")
    # The version is the CMake project version (ctest passes it; `weft --version` agrees).
    driver = json.loads(sarif)["runs"][0]["tool"]["driver"]
    version = subprocess.run([WEFT, "--version"], capture_output=True, text=True).stdout
    check(version == f"weft {driver['version']}\n", f"{version!r} vs {driver['version']!r}")
    want = os.environ.get("WEFT_PROJECT_VERSION")
    if want:
        got = (driver["version"], driver["semanticVersion"])
        check(got == (want, want), f"tool.driver versions {got}, CMake project version {want}")
    # Files that do not parse: the findings of the others still go to both outputs (exit 2).
    write(d, "bad.cpp", "int main() { return undeclared_name; }\n")
    os.remove(out)
    p = lint(d, "--sarif-output=out/weft.sarif", "src/a.cpp", "bad.cpp", "--", "-std=c++20",
             expect=2)
    check(len(json.loads(open(out).read())["runs"][0]["results"]) == 1, "SARIF with a failed TU")
    # A path that cannot be written: one line, exit 2, before any analysis and creating nothing.
    for path, why in [("nowhere/weft.sarif", "no directory 'nowhere'"),
                      ("src", "it is a directory"),
                      ("src/a.cpp/x.sarif", "'src/a.cpp' is not a directory")]:
        p = lint(d, f"--sarif-output={path}", *args, expect=2)
        msg = f"weft lint: cannot write --sarif-output file '{path}': {why}\n"
        check(p.stderr == msg and p.stdout == "", f"{path}: {p.stderr!r} {p.stdout!r}")
    check(not os.path.exists(os.path.join(d, "nowhere")), "created a directory")
    p = lint(d, "--sarif-output=", *args, expect=2)
    check("--sarif-output needs a file name" in p.stderr and p.stderr.count("\n") == 1, p.stderr)


def test_nolint(d):
    write(d, "a.cpp", """#include <condition_variable>
#include <mutex>
std::mutex m;
std::condition_variable cv;
void f() {
  std::unique_lock<std::mutex> lk(m);
  cv.wait(lk);  // NOLINT(wait-not-in-loop): one-shot handshake
  cv.wait(lk);  // NOLINT
  cv.wait(lk);  // NOLINT(lock-reentry): a different check does not suppress
  // NOLINTNEXTLINE(wait-*)
  cv.wait(lk);
  // NOLINTBEGIN(wait-not-in-loop): legacy code
  cv.wait(lk);
  cv.wait(lk);
  // NOLINTEND(wait-not-in-loop)
  cv.wait(lk);
}
""")
    out = json.loads(lint(d, "--format=json", "a.cpp", "--", "-std=c++20", expect=1).stdout)
    check([f["line"] for f in out["findings"]] == [9, 16], str(out["findings"]))


def test_fix(d):
    src = write(d, "a.cpp", BUGGY)
    lint(d, "--fix", "--export-fixes=fixes.yaml", "a.cpp", "--", "-std=c++20", expect=1)
    check("  while (!ready) cv.wait(lk);\n" in open(src).read(), "fix applied")
    y = open(os.path.join(d, "fixes.yaml")).read()
    check("DiagnosticName:  wait-not-in-loop" in y and 'ReplacementText: "while"' in y, y)
    lint(d, "--fix", "a.cpp", "--", "-std=c++20", expect=0)
    check(open(src).read() == BUGGY.replace("if (!ready)", "while (!ready)"), "idempotent")


def test_errors(d):
    write(d, "good.cpp", BUGGY)
    write(d, "bad.cpp", "int main() { return undeclared_name; }\n")
    p = lint(d, "--format=json", "good.cpp", "bad.cpp", "--", "-std=c++20", expect=2)
    check(len(json.loads(p.stdout)["findings"]) == 1, "findings of the file that parsed")
    check("bad.cpp: could not be parsed" in p.stderr and "undeclared_name" in p.stderr, p.stderr)
    p = lint(d, "missing.cpp", expect=2)
    check("no such file 'missing.cpp'" in p.stderr, p.stderr)
    for args, msg in [(["--frobnicate", "good.cpp"], "unknown option"),
                      (["--shard=3/2", "good.cpp"], "--shard needs I/N"),
                      (["--format=xml", "good.cpp"], "unknown --format"),
                      (["-j", "0", "good.cpp"], "-j needs a positive number"),
                      (["-jx", "good.cpp"], "-j needs a positive number"),
                      (["--checks=nothing", "good.cpp"], "enables no check"),
                      ([], "no input files"),
                      (["-p", "nowhere", "good.cpp"], "no compile_commands.json")]:
        p = lint(d, *args, expect=2)
        check(msg in p.stderr and p.stderr.count("\n") == 1, f"{args}: {p.stderr!r}")


def test_progress(d):
    # Progress on stderr only when it is a terminal and there are several files; the summary line
    # (files, findings per check, time) either way, and none with --quiet.
    import pty
    import re
    names = [f"f{i}.cpp" for i in range(3)]
    for n in names:
        write(d, n, BUGGY)
    master, slave = pty.openpty()
    p = subprocess.run([WEFT, "lint", "-j", "1", *names, "--", "-std=c++20"], cwd=d,
                       stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    tty = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        tty += chunk
    os.close(master)
    tty = tty.decode()
    check(p.returncode == 1, f"exit {p.returncode}")
    for i in (1, 2, 3):
        check(f"[{i}/3] " in tty, f"progress [{i}/3] missing on a terminal: {tty!r}")
    check(re.search(r"weft lint: 3 files, 3 findings \(wait-not-in-loop: 3\) in \d+\.\d\d s",
                    tty), f"summary line: {tty!r}")
    p = lint(d, *names, "--", "-std=c++20", expect=1)  # stderr is a pipe: no progress
    check("[1/3]" not in p.stderr and "3 files, 3 findings" in p.stderr, p.stderr)
    p = lint(d, "--quiet", *names, "--", "-std=c++20", expect=1)
    check(p.stderr == "", f"--quiet: {p.stderr!r}")


def test_shard(d):
    names = [f"f{i}.cpp" for i in range(5)]
    for n in names:
        write(d, n, BUGGY)
    seen = []
    for i in (1, 2):
        out = json.loads(lint(d, "--format=json", f"--shard={i}/2", *names, "--", "-std=c++20",
                              expect=1).stdout)
        seen.append({f["file"] for f in out["findings"]})
    check(seen[0] | seen[1] == set(names) and not seen[0] & seen[1], str(seen))


def test_compile_db(d):
    write(d, "src/a.cpp", BUGGY)
    write(d, "build/compile_commands.json", json.dumps([{
        "directory": os.path.join(d, "build"),
        "command": "/usr/bin/c++ -std=c++20 -DWAIT_IN_LOOP=0 -o a.o -c ../src/a.cpp",
        "file": "../src/a.cpp"}]))
    out = json.loads(lint(d, "--format=json", "-p", "build", expect=1).stdout)
    check([f["file"] for f in out["findings"]] == ["src/a.cpp"], str(out))
    # summaries: phase 1 writes one file per TU, phase 2 reads them back
    lint(d, "-p", "build", "--summaries-dir=sums", "src/a.cpp", expect=1)
    lint(d, "--merge-summaries=sums", expect=0)
    write(d, "sums/broken.json", "{not json")
    p = lint(d, "--merge-summaries=sums", expect=2)
    check("not a weft lint summary" in p.stderr, p.stderr)


C_BUGGY = """#include <pthread.h>
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int count;
void take(void) {
  pthread_mutex_lock(&mu);
  if (count == 0) pthread_cond_wait(&cv, &mu);
  --count;
  pthread_mutex_unlock(&mu);
}
"""


def test_compile_db_c(d):
    # A C file through a compilation database as CMake writes it for a C target: the gcc-style
    # `cc` driver, -std=c17, no `-x c`. Every file of the database, then the file named.
    write(d, "src/q.c", C_BUGGY)
    write(d, "src/other.cpp", "int other() { return 1; }\n")
    write(d, "build/compile_commands.json", json.dumps([
        {"directory": os.path.join(d, "build"),
         "command": "/usr/bin/cc -D_GNU_SOURCE -O3 -DNDEBUG -Wall -Wpedantic -std=c17 "
                    "-o q.c.o -c " + os.path.join(d, "src/q.c"),
         "file": os.path.join(d, "src/q.c")},
        {"directory": os.path.join(d, "build"),
         "command": "/usr/bin/c++ -std=c++20 -o other.o -c ../src/other.cpp",
         "file": "../src/other.cpp"}]))
    for args in (["-p", "build"], ["-p", "build", "src/q.c"]):
        p = lint(d, "--format=json", *args, expect=1)
        got = [(f["file"], f["line"], f["check"]) for f in json.loads(p.stdout)["findings"]]
        check(got == [("src/q.c", 7, "wait-not-in-loop")], f"{args}: {got}\n{p.stderr}")
        check("error" not in p.stderr, f"{args}: stderr: {p.stderr}")
    # A C file missing from the database: its command is inferred from the nearest entry (here
    # the C++ one), and must still be parsed as C.
    write(d, "src/r.c", C_BUGGY)
    p = lint(d, "--format=json", "-p", "build", "src/r.c", expect=1)
    got = [(f["file"], f["line"]) for f in json.loads(p.stdout)["findings"]]
    check(got == [("src/r.c", 7)], f"inferred: {got}\n{p.stderr}")
    # A C file that does not compile: one error naming it, no "N errors generated" noise.
    write(d, "src/bad.c", "int f(void) { return undeclared; }\n")
    p = lint(d, "-p", "build", "src/bad.c", expect=2)
    check("src/bad.c: could not be parsed" in p.stderr and "generated" not in p.stderr,
          p.stderr)


def test_system_header(d):
    header = BUGGY.replace("void f()", "inline void f()")
    write(d, "sys/lib.h", header)
    write(d, "inc/lib.h", header)
    write(d, "a.cpp", '#include "lib.h"\n')
    lint(d, "a.cpp", "--", "-std=c++20", "-isystem", "sys", expect=0)
    out = json.loads(lint(d, "--format=json", "a.cpp", "--", "-std=c++20", "-Iinc",
                          expect=1).stdout)
    check([f["file"] for f in out["findings"]] == ["inc/lib.h"], str(out))


def test_member_pointer_calls(d):
    # Calls through pointers to members, a constant one and a template argument (RocksDB's
    # `(owner_->*Fn)(ptr_)` in include/rocksdb/data_structure.h, which every file includes): no
    # method declaration behind the call. Every check must take them in stride (a null
    # dereference in the lock model crashed lock-order-inversion and lock-reentry on them),
    # while the file's real bug is still reported.
    write(d, "pm.cpp", BUGGY + """
struct A { void f() {} };
void h(A& a) { (a.*&A::f)(); }
template <void (A::*M)()> void call(A& a) { (a.*M)(); }
void g(A& a) { call<&A::f>(a); }
struct Owner { void run(int) {} };
template <void (Owner::*Fn)(int)> struct Handle {
  Owner* owner_;
  ~Handle() { (owner_->*Fn)(1); }
};
void use() { Handle<&Owner::run> h{nullptr}; (void)h; }
""")
    out = json.loads(lint(d, "--format=json", "pm.cpp", "--", "-std=c++20", expect=1).stdout)
    got = [(f["check"], f["line"]) for f in out["findings"]]
    check(got == [("wait-not-in-loop", 8)], f"findings: {got}")


if __name__ == "__main__":
    WEFT = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        globals()["test_" + sys.argv[2]](os.path.realpath(tmp))
    print("ok")
