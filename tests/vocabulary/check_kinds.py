#!/usr/bin/env python3
"""check_kinds.py [--root DIR] [--self-test]: one vocabulary of bug kinds, everywhere.

Fails (exit 1, one line per problem) unless every bug kind named anywhere is a row of
runtime/vocabulary.json's bug_kinds, and every row is backed where it says:
  - the runtime's findings (bug_kind::k... in runtime/, misuse codes' bug kinds) and weft lint's
    checks (kId in analyzer/checks/) name kinds of the table, and are exactly the kinds the
    table says weft run / weft lint find (found_by);
  - every kind has its page docs/checks/<kind>.md, and every page there is a kind;
  - docs/design.md's bug-kind table lists the same kinds, in order, with the same lint and run
    columns;
  - the corpus's folders, manifest labels and score thresholds, the analyzer tests' expected
    [ids], and the scorer's KINDS name kinds of the table;
  - every `kind == "..."` / `kind = "..."` literal in C++ sources (runtime, cli, viewer,
    tests) is a word of the vocabulary (a bug, event or object kind).
--self-test: checks that the checker catches a kind missing from the table, a kind without a
page and a kind whose found_by is wrong (on in-memory edits of the table).
"""

import argparse
import copy
import glob
import importlib.util
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ROOT = os.path.dirname(os.path.dirname(HERE))


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def kebab(camel):
    """'LockOrderInversion' -> 'lock-order-inversion' (bug_kind::k<Name> -> id)."""
    return re.sub(r'(?<!^)([A-Z])', r'-\1', camel).lower()


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def sources(root, parts, exts=('.cpp', '.hpp', '.h', '.c')):
    for part in parts:
        for dirpath, _, files in os.walk(os.path.join(root, part)):
            if 'node_modules' in dirpath:
                continue
            for f in sorted(files):
                if f.endswith(exts):
                    yield os.path.join(dirpath, f)


def check(root, table):
    """The problems (strings) of the tree at root against the table (a loaded vocabulary)."""
    rel = lambda p: os.path.relpath(p, root)
    kinds = [k['id'] for k in table['bug_kinds']]
    known = set(kinds)
    lint_kinds = {k['id'] for k in table['bug_kinds'] if k['found_by'] in ('lint', 'both')}
    run_kinds = {k['id'] for k in table['bug_kinds'] if k['found_by'] in ('run', 'both')}
    words = known | {r['id'] for key in ('events', 'object_kinds') for r in table[key]}
    problems = []

    def use(kind, where):
        if kind not in known:
            problems.append(f'{where}: bug kind {kind!r} is not in runtime/vocabulary.json')

    # The runtime's findings: the generated constants, and the misuse codes' kinds.
    runtime_found = set()
    for p in sources(root, ['runtime/src', 'runtime/tsan', 'runtime/preload', 'cli', 'viewer']):
        for m in re.finditer(r'\bbug_kind::k([A-Z][A-Za-z0-9]*)', read(p)):
            use(kebab(m.group(1)), rel(p))
            runtime_found.add(kebab(m.group(1)))
    for r in table['misuse_codes']:
        use(r['bug_kind'], f'runtime/vocabulary.json misuse code {r["name"]}')
        runtime_found.add(r['bug_kind'])
    for k in sorted(run_kinds - runtime_found):
        problems.append(f'{k}: found_by says weft run finds it, but no detector reports it '
                        f'(no bug_kind::k... in runtime/, no misuse code)')
    for k in sorted((runtime_found & known) - run_kinds):
        problems.append(f'{k}: a detector reports it, but found_by says weft run does not find it')

    # weft lint's checks.
    if os.path.isdir(os.path.join(root, 'analyzer')):
        lint_found = set()
        for p in sources(root, ['analyzer']):
            for m in re.finditer(r'\bkId\s*=\s*"([^"]+)"', read(p)):
                use(m.group(1), rel(p))
                lint_found.add(m.group(1))
        for k in sorted(lint_kinds - lint_found):
            problems.append(f'{k}: found_by says weft lint finds it, but no analyzer check '
                            f'has it as kId')
        for k in sorted((lint_found & known) - lint_kinds):
            problems.append(f'{k}: an analyzer check has it as kId, but found_by says weft lint '
                            f'does not find it')
        for p in glob.glob(os.path.join(root, 'tests', 'analyzer', '*.cpp')):
            expected = r'CHECK-MESSAGES:.*warning: .*\[([a-z][a-z0-9-]*)\]\s*$'
            for m in re.finditer(expected, read(p), re.M):
                use(m.group(1), rel(p))

    # Literals: every `kind == "x"` / `kind = "x"` in C++ is a word of the vocabulary.
    for p in sources(root, ['runtime', 'cli', 'viewer', 'primitives', 'tests']):
        for m in re.finditer(r'\bkind\s*(?:==|=)\s*"([^"]*)"', read(p)):
            if m.group(1) not in words:
                problems.append(f'{rel(p)}: kind literal {m.group(1)!r} is no bug, event or object '
                                f'kind of runtime/vocabulary.json')

    # The pages.
    for k in kinds:
        if not os.path.isfile(os.path.join(root, 'docs', 'checks', k + '.md')):
            problems.append(f'{k}: no page docs/checks/{k}.md')
    for p in glob.glob(os.path.join(root, 'docs', 'checks', '*.md')):
        use(os.path.basename(p)[:-3], rel(p))

    # docs/design.md's table.
    design = read(os.path.join(root, 'docs', 'design.md'))
    section = design.split('## Bug kinds', 1)[-1].split('\n## ', 1)[0]
    rows = re.findall(r'^\| `([a-z][a-z0-9-]*)` \|([^|]*)\|([^|]*)\|', section, re.M)
    by_id = {k['id']: k for k in table['bug_kinds']}
    for kid, lint, run in rows:
        use(kid, 'docs/design.md')
        k = by_id.get(kid)
        if not k:
            continue
        want_lint = 'yes' if k['found_by'] in ('lint', 'both') else ''
        want_run = k.get('run_when', 'yes') if k['found_by'] in ('run', 'both') else ''
        if (lint.strip(), run.strip()) != (want_lint, want_run):
            problems.append(f'docs/design.md: {kid}: lint/run columns '
                            f'{lint.strip()!r}/{run.strip()!r}, the table says '
                            f'{want_lint!r}/{want_run!r}')
    if [r[0] for r in rows] != kinds:
        problems.append(f'docs/design.md: the bug-kind table lists {[r[0] for r in rows]}, '
                        f'runtime/vocabulary.json {kinds} (same kinds, same order)')

    # The corpus: folders, manifest labels, thresholds.
    corpus = os.path.join(root, 'corpus')
    if os.path.isdir(corpus):
        for d in sorted(os.listdir(corpus)):
            if os.path.isdir(os.path.join(corpus, d)) and d not in ('include', 'tutorial'):
                use(d, f'corpus/{d}/')
        manifest = json.loads(read(os.path.join(corpus, 'manifest.json')))
        for prog in manifest['programs']:
            labels = [s['check'] for s in prog.get('static', [])] + prog.get('dynamic', [])
            for label in labels:
                use(label, f'corpus/manifest.json ({prog["path"]})')
        thresholds = json.loads(read(os.path.join(corpus, 'score-thresholds.json')))
        for mode, per_kind in thresholds.items():
            for k in per_kind:
                use(k, f'corpus/score-thresholds.json ({mode})')

    # The scorer.
    scorer = load_module(os.path.join(root, 'scripts', 'score-corpus.py'), 'score_corpus')
    for k in scorer.KINDS:
        use(k, 'scripts/score-corpus.py KINDS')
    return problems


def self_test(root, table):
    """The checker must catch each of these edits; the unedited table must pass."""
    failures = []
    base = check(root, table)
    if base:
        failures.append('the unedited tree has problems: ' + '; '.join(base[:3]))

    def expect(what, edited, needle):
        got = check(root, edited)
        if not any(needle in p for p in got):
            failures.append(f'{what}: expected a problem mentioning {needle!r}, got {got[:5]}')
        else:
            example = next(p for p in got if needle in p)
            print(f'self-test: {what}: caught ({len(got)} problems, e.g. "{example}")')

    t = copy.deepcopy(table)
    t['bug_kinds'] = [k for k in t['bug_kinds'] if k['id'] != 'deadlock']
    expect('a kind missing from the table', t, "'deadlock' is not in runtime/vocabulary.json")
    t = copy.deepcopy(table)
    t['bug_kinds'].append({'id': 'made-up-kind', 'found_by': 'run',
                           'doc': 'docs/checks/made-up-kind.md'})
    expect('a kind without its page', t, 'no page docs/checks/made-up-kind.md')
    t = copy.deepcopy(table)
    next(k for k in t['bug_kinds'] if k['id'] == 'lock-reentry')['found_by'] = 'run'
    expect('a wrong found_by', t, 'lock-reentry')
    t = copy.deepcopy(table)
    t['events'] = [e for e in t['events'] if e['id'] != 'wait-end']
    expect('an event kind used by a test but missing', t, "'wait-end'")
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--root', default=DEFAULT_ROOT)
    ap.add_argument('--self-test', action='store_true')
    a = ap.parse_args()
    gen = load_module(os.path.join(a.root, 'scripts', 'gen-vocabulary.py'), 'gen_vocabulary')
    try:
        table = gen.load(os.path.join(a.root, 'runtime', 'vocabulary.json'))
    except gen.VocabularyError as e:
        print(f'FAIL: {e}')
        return 1
    problems = self_test(a.root, table) if a.self_test else check(a.root, table)
    for p in problems:
        print('FAIL: ' + p)
    if problems:
        return 1
    print(f'check_kinds: {len(table["bug_kinds"])} bug kinds, ok'
          + (' (self-test)' if a.self_test else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
