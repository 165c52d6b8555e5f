#!/usr/bin/env python3
"""scripts/add-check.py end to end, on a copy of analyzer/ in a temporary directory: the files it
writes, Module.cpp's lists kept in alphabetical order, the bug kind in runtime/vocabulary.json and
docs/design.md's table (new, or a weft run kind becoming both), an existing doc page extended
rather than replaced, refusals (bad id, existing check) that write nothing, and the generated source and
Module.cpp compiling (-fsyntax-only, with the flags the build uses for the analyzer).

usage: add_check_test.py SOURCE_ROOT BUILD_DIR
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile


def fail(msg):
    sys.exit('FAIL: ' + msg)


def main():
    src, build = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    script = os.path.join(src, 'scripts', 'add-check.py')
    tmp = tempfile.mkdtemp()
    try:
        shutil.copytree(os.path.join(src, 'analyzer'), os.path.join(tmp, 'analyzer'))
        os.makedirs(os.path.join(tmp, 'runtime'))
        shutil.copy(os.path.join(src, 'runtime', 'vocabulary.json'), os.path.join(tmp, 'runtime'))
        vocab_path = os.path.join(tmp, 'runtime', 'vocabulary.json')
        # A kind weft run already reports, one per line as in the real file.
        text = open(vocab_path).read()
        end = text.index('\n  ]', text.index('"bug_kinds": ['))
        text = (text[:end] + ',\n    {"id": "zeta-kind", "found_by": "run", "doc": '
                '"docs/checks/zeta-kind.md"}' + text[end:])
        json.loads(text)
        with open(vocab_path, 'w') as f:
            f.write(text)
        design_path = os.path.join(tmp, 'docs', 'design.md')
        os.makedirs(os.path.dirname(design_path), exist_ok=True)
        design = open(os.path.join(src, 'docs', 'design.md')).read()
        last = [m for m in re.finditer(r'^\| `[a-z-]+` \|.*$', design, re.M)][-1]
        design = (design[:last.end()] + '\n| `zeta-kind` | | yes | a kind weft run reports |' +
                  design[last.end():])
        with open(design_path, 'w') as f:
            f.write(design)
        os.makedirs(os.path.join(tmp, 'tests', 'analyzer'))
        os.makedirs(os.path.join(tmp, 'docs', 'checks'))
        with open(os.path.join(tmp, 'docs', 'checks', 'zeta-kind.md'), 'w') as f:
            f.write('# zeta-kind\n\nA kind weft run already reports.\n\n## weft run\n\nText.\n')

        def add(*args):
            return subprocess.run([sys.executable, script, '--root', tmp, *args],
                                  capture_output=True, text=True)

        before = open(os.path.join(tmp, 'analyzer', 'Module.cpp')).read()
        for bad in (['Foo-Bar', 'x'], ['foo_bar', 'x'], ['event-as-condition', 'x']):
            r = add(*bad)
            if r.returncode == 0:
                fail(f'add-check {bad} succeeded: {r.stdout}')
            if open(os.path.join(tmp, 'analyzer', 'Module.cpp')).read() != before:
                fail(f'add-check {bad} changed Module.cpp')

        for cid in ('aardvark-check-me', 'mid-way', 'zeta-kind'):
            r = add(cid, 'Finds ' + cid.replace('-', ' '))
            if r.returncode != 0:
                fail(f'add-check {cid} exited {r.returncode}: {r.stderr}')
        if add('mid-way', 'again').returncode == 0:
            fail('a second add-check mid-way succeeded')

        for rel in ('analyzer/checks/MidWayCheck.h', 'analyzer/checks/MidWayCheck.cpp',
                    'tests/analyzer/mid-way.cpp', 'docs/checks/mid-way.md'):
            if not os.path.isfile(os.path.join(tmp, rel)):
                fail(rel + ' not written')
        header = open(os.path.join(tmp, 'analyzer/checks/MidWayCheck.h')).read()
        if 'kId = "mid-way"' not in header or 'kSummary = "Finds mid way."' not in header:
            fail('header without its id and summary:\n' + header)
        doc = open(os.path.join(tmp, 'docs/checks/zeta-kind.md')).read()
        if not doc.startswith('# zeta-kind\n\nA kind weft run already reports.') or \
                '## weft run\n\nText.' not in doc or doc.count('## weft lint') != 1:
            fail('existing doc page not extended in place:\n' + doc)
        test = open(os.path.join(tmp, 'tests/analyzer/mid-way.cpp')).read()
        if 'CHECK-MESSAGES' not in test or '[mid-way]' not in test:
            fail('lit case without an expectation:\n' + test)

        kinds = {k['id']: k['found_by'] for k in json.load(open(vocab_path))['bug_kinds']}
        for cid, found_by in (('aardvark-check-me', 'lint'), ('mid-way', 'lint'),
                              ('zeta-kind', 'both'), ('lock-reentry', 'both')):
            if kinds.get(cid) != found_by:
                fail(f'runtime/vocabulary.json: {cid} found_by {kinds.get(cid)}, not {found_by}')

        design = open(design_path).read()
        for row in ('| `aardvark-check-me` | yes | | finds aardvark check me |',
                    '| `mid-way` | yes | | finds mid way |',
                    '| `zeta-kind` | yes | yes | a kind weft run reports |'):
            if design.count(row) != 1:
                fail(f'docs/design.md: no row {row!r}')
        if design.index('`aardvark-check-me`') > design.index('`mid-way`'):
            fail('docs/design.md: new rows not in the order they were added')

        module = open(os.path.join(tmp, 'analyzer', 'Module.cpp')).read()
        includes = re.findall(r'#include "checks/(\w+)Check\.h"', module)
        entries = re.findall(r'entry<(\w+)Check>\(\),', module)
        for name, got in (('includes', includes), ('entries', entries)):
            if got != sorted(got, key=lambda c: re.sub(r'(?<!^)(?=[A-Z])', '-', c).lower()):
                fail(f'Module.cpp {name} not in order: {got}')
            for c in ('AardvarkCheckMe', 'MidWay', 'ZetaKind'):
                if got.count(c) != 1:
                    fail(f'Module.cpp {name}: {c} appears {got.count(c)} times: {got}')

        # The generated check and the registry compile with the analyzer's own flags.
        db = json.load(open(os.path.join(build, 'compile_commands.json')))
        ref = next((e for e in db if e['file'].endswith('analyzer/Module.cpp')), None)
        if ref is None:
            print('skipped: no analyzer/Module.cpp in the compilation database')
            return 77
        args = ref.get('arguments') or shlex.split(ref['command'])
        out = []
        skip = False
        for a in args:
            if skip:
                skip = False
                continue
            if a in ('-o', '-MF', '-MT', '-c'):
                skip = a != '-c'
                continue
            if a in ('-MD', '-MMD') or a == ref['file']:
                continue
            out.append(a.replace(os.path.join(src, 'analyzer'), os.path.join(tmp, 'analyzer')))
        for f in ('analyzer/checks/MidWayCheck.cpp', 'analyzer/Module.cpp'):
            r = subprocess.run(out + ['-fsyntax-only', os.path.join(tmp, f)], cwd=ref['directory'],
                               capture_output=True, text=True)
            if r.returncode != 0:
                fail(f'{f} does not compile:\n{r.stderr[-3000:]}')
        print('ok')
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
