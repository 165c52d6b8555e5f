#!/usr/bin/env bash
# host_check.sh WEFT HOST_PROG DIR: one runtime per process (runtime/README.md). A program linked
# with weft and run by `weft run` gets the interposer too; weft's own std::mutex, condition
# variables and threads (inside its primitives) stay out of the trace, the program's own
# std::mutex goes in, into the same recording.
set -u
weft=$1 prog=$2 dir=$3
mkdir -p "$dir"
fail() { echo "host_check: $*"; exit 1; }

"$weft" run -o "$dir/quiet.trace" -- "$prog" quiet >"$dir/quiet.out" 2>&1 ||
  { cat "$dir/quiet.out"; fail "weft run ... quiet failed"; }
"$weft" report "$dir/quiet.trace" --format=json >"$dir/quiet.json"
"$weft" run -o "$dir/mixed.trace" -- "$prog" mixed-order >"$dir/mixed.out" 2>&1 ||
  { cat "$dir/mixed.out"; fail "weft run ... mixed-order failed"; }
"$weft" report "$dir/mixed.trace" --format=json >"$dir/mixed.json"
"$weft" run -o "$dir/fork.trace" -- "$prog" fork-exit >"$dir/fork.out" 2>&1 ||
  { cat "$dir/fork.out"; fail "weft run ... fork-exit failed"; }
"$weft" report "$dir/fork.trace" --format=json >"$dir/fork.json"

python3 - "$dir/quiet.json" "$dir/mixed.json" "$dir/fork.json" <<'PY'
import json, sys
quiet, mixed, fork = (json.load(open(p)) for p in sys.argv[1:4])
interposed = {'mutex', 'recursive-mutex', 'condvar', 'rwlock', 'posix-semaphore', 'spin-lock'}
def kinds(r): return [o.get('kind') for o in r['objects']]
bad = [o for o in quiet['objects'] if o.get('kind') in interposed or
       (o.get('kind') == 'thread' and o.get('name', '') in ('', 'main'))]
if bad:
    sys.exit('weft\'s own locks or threads were recorded: %s' % bad[:5])
if 'semaphore' not in kinds(quiet) or 'queue' not in kinds(quiet):
    sys.exit('the primitives were not recorded: %s' % sorted(set(kinds(quiet))))
if quiet['findings']:
    sys.exit('findings in a correct program: %s' % [f['message'] for f in quiet['findings']])
# The control: the program's own std::mutex is recorded, beside the weft::Lock, in one trace.
if 'mutex' not in kinds(mixed) or 'lock' not in kinds(mixed):
    sys.exit('mixed-order: expected a mutex and a lock, got %s' % sorted(set(kinds(mixed))))
inv = [f for f in mixed['findings'] if f['kind'] == 'lock-order-inversion']
if not inv or "lock 'accounts'" not in inv[0]['message'] or 'mutex' not in inv[0]['message']:
    sys.exit('mixed-order: no lock-order-inversion over the weft::Lock and the std::mutex: %s'
             % mixed['findings'])
# A fork child of the weft-built program that ends with _exit(3): its status, through the table.
children = [p for p in fork['processes'] if p['parent_pid'] != 0]
if len(children) != 1 or children[0].get('exit_code') != 3 or not children[0]['exited']:
    sys.exit('fork-exit: expected one child that exited with 3, got %s' % fork['processes'])
print('ok: %d objects, none of weft\'s own; mixed: %s; fork child exit %d' %
      (len(quiet['objects']), inv[0]['message'][:120], children[0]['exit_code']))
PY
