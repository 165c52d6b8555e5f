#!/usr/bin/env bash
# The lock model's facts of condition waits and notifies (LockSummary.h, CondOp), as written to a
# per-file summary (--summaries-dir): the lock a wait releases and the locks held there on every
# path and on some path; an event wait (CondOp::event) with the locks held there.  usage: run.sh WEFT
set -u
weft=$1
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$weft" lint --checks='lock-reentry' --quiet --no-progress --summaries-dir="$tmp" cond_ops.cpp \
  -- -std=c++20 >"$tmp/out.txt" 2>&1 || { echo "FAIL: lint exited $?: $(cat "$tmp/out.txt")"; exit 1; }
python3 - "$tmp" <<'PY'
import glob, json, sys
ops = {}  # source line -> (function, condition op)
def walk(j):
    if isinstance(j, dict):
        if "cond_ops" in j and "name" in j:
            for o in j["cond_ops"]:
                ops[o["site"]["line"]] = (j["name"], o)
        for v in j.values(): walk(v)
    elif isinstance(j, list):
        for v in j: walk(v)
for f in glob.glob(sys.argv[1] + "/*.json"):
    walk(json.load(open(f)))
def fail(msg):
    print("FAIL:", msg, json.dumps(ops, indent=1)); sys.exit(1)
def names(keys):
    return {k["name"] for k in keys if k["root"] == "global"}
# line: (function, op, the wait's lock, must_hold, may_hold)
want = {16: ("held_on_every_path", "wait", "m", {"m"}, {"m"}),
        21: ("held_on_some_paths", "wait", "pm", set(), {"pm"}),
        29: ("released_before", "notify", None, set(), set()),
        35: ("notify_under_lock", "notify", None, {"m"}, {"m"}),
        56: ("weft_released_first", "notify", None, set(), set()),
        61: ("weft_guarded", "notify", None, {"wc"}, {"wc"}),
        62: ("weft_guarded", "wait", "wc", {"wc"}, {"wc"}),
        64: ("weft_guarded", "notify", None, set(), set()),
        72: ("event_under_lock", "event", None, {"m"}, {"m"})}
for line, (fn, op, lock, must, may) in want.items():
    if line not in ops: fail(f"no condition op recorded at line {line}")
    got_fn, o = ops[line]
    if got_fn != fn: fail(f"line {line}: recorded in {got_fn}, expected {fn}")
    if o["op"] != op: fail(f"line {line}: op {o['op']}, expected {op}")
    if names(o["must_hold"]) != must: fail(f"line {line}: must_hold {o['must_hold']}, expected {must}")
    if names(o["may_hold"]) != may: fail(f"line {line}: may_hold {o['may_hold']}, expected {may}")
    if (o["lock"]["name"] if o["lock"] else None) != lock: fail(f"line {line}: lock {o['lock']}, expected {lock}")
# The release that left the op's lock unheld on every path (a weft::Condition notify: its own).
released = {21: None, 29: None, 56: (55, "wc.release()"), 61: None, 64: (63, "lk.unlock()")}
for line, want_r in released.items():
    r = ops[line][1].get("released")
    got_r = (r["site"]["line"], r["text"]) if r else None
    if got_r != want_r: fail(f"line {line}: released {r}, expected {want_r}")
# The path tests to the op: `if (kind == 2)` (parameter 0 equal to 2).
if ops[61][1]["requires"] != [[0, True, 2]]:
    fail(f"line 61: requires {ops[61][1]['requires']}, expected kind == 2")
if len(ops) != 9: fail(f"expected 9 condition ops, got {len(ops)}")
print("ok")
PY
