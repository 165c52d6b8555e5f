#!/usr/bin/env python3
"""gen_test.py: scripts/gen-vocabulary.py refuses a table that would break traces or consumers
(a value changed or reused, a gap, a misuse code reported as an unknown kind, an event whose arg
names no enum, a kind without its doc path), and generates both outputs from a good one."""

import copy
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(ROOT, 'scripts', 'gen-vocabulary.py')
with open(os.path.join(ROOT, 'runtime', 'vocabulary.json'), encoding='utf-8') as f:
    GOOD = json.load(f)


def run(table, tmp, *args):
    path = os.path.join(tmp, 'v.json')
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(table, f)
    return subprocess.run([sys.executable, GEN, '--json', path, *args], capture_output=True,
                          text=True)


def edited(fn):
    t = copy.deepcopy(GOOD)
    fn(t)
    return t


BAD = [
    ('an event value changed', lambda t: t['events'][6].update(value=40), 'expected 7'),
    ('two object kinds swapped',
     lambda t: t['object_kinds'].insert(1, t['object_kinds'].pop(2)), 'expected 1'),
    ('a misuse code reported as an unknown kind',
     lambda t: t['misuse_codes'][0].update(bug_kind='no-such-kind'),
     "'no-such-kind' is not in bug_kinds"),
    ('an event arg naming no enum',
     lambda t: t['events'][7].update(arg='Reason'), 'arg must be one of'),
    ('an event name listed twice',
     lambda t: t['events'][1].update(name='Create'), 'listed twice'),
    ('a bug kind listed twice',
     lambda t: t['bug_kinds'].append(dict(t['bug_kinds'][0])), 'listed twice'),
    ('a bug kind with another doc path',
     lambda t: t['bug_kinds'][0].update(doc='docs/x.md'),
     'doc must be docs/checks/wait-not-in-loop.md'),
    ('an id that is not kebab-case',
     lambda t: t['object_kinds'][1].update(id='Lock'), 'kebab-case'),
]


def main():
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for what, fn, needle in BAD:
            p = run(edited(fn), tmp, '--check')
            if p.returncode != 1 or needle not in p.stderr:
                failures.append(f'{what}: want exit 1 and {needle!r}, '
                                f'got {p.returncode}: {p.stderr.strip()}')
            else:
                print(f'rejected: {what}: {p.stderr.strip()}')
        inc, js = os.path.join(tmp, 'out', 'v.inc'), os.path.join(tmp, 'out', 'v.js')
        p = run(GOOD, tmp, '--cxx', inc, '--js', js)
        if p.returncode != 0:
            failures.append(f'the good table: exit {p.returncode}: {p.stderr}')
        else:
            text = open(inc, encoding='utf-8').read()
            for line in ['X(WaitBegin, 7, "wait-begin", Object)',
                         'X(SpinLock, 19, "spinlock", false)',
                         'X(DestroyBusy, 10, "destroy-in-use", "destroyed while in use")',
                         'X(WaitNotInLoop, "wait-not-in-loop", true, true)']:
                if line not in text:
                    failures.append(f'vocabulary.inc lacks {line}')
            text = open(js, encoding='utf-8').read()
            for frag in ['"task-suspend"];', 'waitBegin: 7', 'ARG_IS_OBJ = new Set([7, 15, 19, 20, 28])',
                         'REENTRANT_KINDS = new Set([2, 13])', 'recursiveMutex: 13']:
                if frag not in text:
                    failures.append(f'vocab.js lacks {frag}')
            # Unchanged outputs are not rewritten (nothing that includes them rebuilds).
            before = os.stat(inc).st_mtime_ns
            run(GOOD, tmp, '--cxx', inc)
            if os.stat(inc).st_mtime_ns != before:
                failures.append('an unchanged vocabulary.inc was rewritten')
    for f in failures:
        print('FAIL: ' + f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
