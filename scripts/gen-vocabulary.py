#!/usr/bin/env python3
"""Generates weft's vocabulary for its consumers from runtime/vocabulary.json (stdlib only).

    gen-vocabulary.py [--json runtime/vocabulary.json] --cxx OUT.inc   # X-macro lists (C++)
    gen-vocabulary.py [--json runtime/vocabulary.json] --js OUT.js     # the page's vocab.js
    gen-vocabulary.py [--json runtime/vocabulary.json] --check         # validate only

The build runs it (runtime/CMakeLists.txt, viewer/CMakeLists.txt) whenever the table or this
script changes. An invalid table (a value reused, a gap, a misuse code whose bug kind is not in
the table, an event whose arg names no enum) is an error: exit 1 with the reason. Outputs are
rewritten only when their text changes, so an unrelated edit of the table recompiles nothing
that does not use what changed.

Other scripts import load() to read the validated table (tests/vocabulary/check_kinds.py).
"""

import argparse
import json
import os
import re
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_JSON = os.path.join(ROOT, 'runtime', 'vocabulary.json')

# The enum tables: JSON key -> (C++ enum, first value, values must be contiguous).
ENUMS = {
    'events': ('Ev', 1),
    'object_kinds': ('ObjKind', 0),
    'wait_results': ('WaitResult', 0),
    'acquire_fail': ('AcquireFail', 0),
    'misuse_codes': ('MisuseCode', 1),
}
ARG_KINDS = ['number', 'object', 'AcquireFail', 'WaitResult', 'MisuseCode']
FOUND_BY = ['lint', 'run', 'both']
IDENT = re.compile(r'^[A-Z][A-Za-z0-9]*$')
KEBAB = re.compile(r'^[a-z][a-z0-9]*(-[a-z0-9]+)*$')


class VocabularyError(Exception):
    pass


def camel(kebab):
    """'lock-order-inversion' -> 'LockOrderInversion'."""
    return ''.join(p[:1].upper() + p[1:] for p in kebab.split('-'))


def lower_camel(kebab):
    """'acquire-begin' -> 'acquireBegin' (the page's spelling)."""
    c = camel(kebab)
    return c[:1].lower() + c[1:]


def load(path=DEFAULT_JSON):
    """The table, validated. Raises VocabularyError naming what is wrong."""
    try:
        with open(path, encoding='utf-8') as f:
            v = json.load(f)
    except (OSError, ValueError) as e:
        raise VocabularyError(f'{path}: {e}') from e
    for key in list(ENUMS) + ['bug_kinds']:
        if not isinstance(v.get(key), list) or not v[key]:
            raise VocabularyError(f'{path}: "{key}" must be a non-empty list')
    bug_ids = []
    for row in v['bug_kinds']:
        bid = row.get('id', '')
        if not KEBAB.match(bid):
            raise VocabularyError(f'bug kind {bid!r}: ids are kebab-case')
        if bid in bug_ids:
            raise VocabularyError(f'bug kind {bid!r} is listed twice')
        bug_ids.append(bid)
        if row.get('found_by') not in FOUND_BY:
            raise VocabularyError(f'bug kind {bid!r}: found_by must be one of {FOUND_BY}')
        if row.get('doc') != f'docs/checks/{bid}.md':
            raise VocabularyError(f'bug kind {bid!r}: doc must be docs/checks/{bid}.md')
        if 'run_when' in row and row['found_by'] == 'lint':
            raise VocabularyError(f'bug kind {bid!r}: run_when for a kind weft run does not find')
    for key, (enum, first) in ENUMS.items():
        names, ids = set(), set()
        for i, row in enumerate(v[key]):
            name, value = row.get('name', ''), row.get('value')
            where = f'{key}[{i}] ({name or "?"})'
            if not IDENT.match(name) or name == 'kCount':
                raise VocabularyError(f'{where}: name must be a C++ identifier in CamelCase')
            if name in names:
                raise VocabularyError(f'{where}: {enum}::{name} is listed twice')
            names.add(name)
            # Values are on disk: contiguous from `first`, in order, so that kCount (last + 1)
            # and the page's arrays indexed by value stay right.
            if value != first + i:
                raise VocabularyError(f'{where}: value {value!r}, expected {first + i} (values are '
                                      f'contiguous from {first}, in order, and never change)')
            if key == 'misuse_codes':
                if row.get('bug_kind') not in bug_ids:
                    raise VocabularyError(
                        f'{where}: bug_kind {row.get("bug_kind")!r} is not in bug_kinds')
                if not row.get('message'):
                    raise VocabularyError(f'{where}: a message is required')
                continue
            rid = row.get('id', '')
            if not KEBAB.match(rid) or rid in ids:
                raise VocabularyError(f'{where}: id {rid!r} must be kebab-case and unique')
            ids.add(rid)
            if key == 'events' and row.get('arg') not in ARG_KINDS:
                raise VocabularyError(f'{where}: arg must be one of {ARG_KINDS}')
    if any(r['value'] > 255 for key in ENUMS for r in v[key]):
        raise VocabularyError('values are one byte (std::uint8_t)')
    return v


def c_str(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def macro(name, doc, rows):
    lines = [f'// {doc}', f'#define {name}(X) \\']
    lines += [f'  X({", ".join(r)}) \\' for r in rows]
    lines[-1] = lines[-1][:-2]
    return '\n'.join(lines) + '\n'


def gen_cxx(v):
    arg = {'number': 'Number', 'object': 'Object'}
    out = ['// Generated by scripts/gen-vocabulary.py from runtime/vocabulary.json: do not edit.',
           '// weft\'s vocabulary as X-macro lists, expanded by weft/runtime/event.hpp and',
           '// runtime/src/vocabulary.cpp. To add a kind: docs/design.md, "Vocabulary".',
           '#ifndef WEFT_RUNTIME_VOCABULARY_INC',
           '#define WEFT_RUNTIME_VOCABULARY_INC',
           '']
    out.append(macro('WEFT_VOCAB_EVENTS', 'X(Name, value, "id", ArgKind): weft::rt::Ev',
                     [(r['name'], str(r['value']), c_str(r['id']), arg.get(r['arg'], r['arg']))
                      for r in v['events']]))
    out.append(macro('WEFT_VOCAB_OBJECT_KINDS',
                     'X(Name, value, "id", reentrant): weft::rt::ObjKind',
                     [(r['name'], str(r['value']), c_str(r['id']),
                       'true' if r.get('reentrant') else 'false') for r in v['object_kinds']]))
    out.append(macro('WEFT_VOCAB_WAIT_RESULTS', 'X(Name, value, "id"): weft::rt::WaitResult',
                     [(r['name'], str(r['value']), c_str(r['id'])) for r in v['wait_results']]))
    out.append(macro('WEFT_VOCAB_ACQUIRE_FAILS', 'X(Name, value, "id"): weft::rt::AcquireFail',
                     [(r['name'], str(r['value']), c_str(r['id'])) for r in v['acquire_fail']]))
    out.append(macro('WEFT_VOCAB_MISUSE_CODES',
                     'X(Name, value, "bug-kind", "message"): weft::rt::MisuseCode',
                     [(r['name'], str(r['value']), c_str(r['bug_kind']), c_str(r['message']))
                      for r in v['misuse_codes']]))
    out.append(macro('WEFT_VOCAB_BUG_KINDS',
                     'X(Name, "id", lint, run): the bug kinds (docs/design.md), weft::rt::bug_kind',
                     [(camel(r['id']), c_str(r['id']),
                       'true' if r['found_by'] in ('lint', 'both') else 'false',
                       'true' if r['found_by'] in ('run', 'both') else 'false')
                      for r in v['bug_kinds']]))
    # What an event's numbers mean: two weft builds agree on it when the digests agree (the
    # interposer checks a program's runtime against its own, weft::rt::HostTable).
    meaning = json.dumps([[(r['name'], r['value']) for r in v[k]]
                          for k in ('events', 'object_kinds', 'wait_results', 'acquire_fail',
                                    'misuse_codes')])
    out.append('// CRC-32 of the numbered lists above: two builds with the same digest agree on them.')
    out.append('#define WEFT_VOCAB_DIGEST 0x%08xu' % zlib.crc32(meaning.encode()))
    out.append('')
    out.append('#endif  // WEFT_RUNTIME_VOCABULARY_INC')
    return '\n'.join(out) + '\n'


def js(value):
    return json.dumps(value, ensure_ascii=False, separators=(', ', ': '))


def rows(items):
    return ',\n'.join('    ' + x for x in items)


def gen_js(v):
    ev_names = ['?'] * (max(r['value'] for r in v['events']) + 1)
    for r in v['events']:
        ev_names[r['value']] = r['id']

    def by_name(key):
        return '{ ' + ', '.join(f'{lower_camel(r["id"])}: {r["value"]}' for r in v[key]) + ' }'

    obj_kinds = [r['id'] for r in v['object_kinds']]
    arg_is_obj = [r['value'] for r in v['events'] if r['arg'] == 'object']
    reentrant = [r['value'] for r in v['object_kinds'] if r.get('reentrant')]
    misuse = {r['value']: {'name': r['name'], 'bugKind': r['bug_kind'], 'message': r['message']}
              for r in v['misuse_codes']}
    bug_kinds = [{'id': r['id'], 'lint': r['found_by'] in ('lint', 'both'),
                  'run': r['found_by'] in ('run', 'both'), 'doc': r['doc']} for r in v['bug_kinds']]
    return f"""// Generated by scripts/gen-vocabulary.py from runtime/vocabulary.json: do not edit.
// weft's vocabulary for the page, loaded before model/decode.js (docs/design.md, "Vocabulary").
(function (W) {{
  'use strict';
  // Event kinds (weft::rt::Ev): names indexed by value, and values by lowerCamel name.
  const EV_NAMES = {js(ev_names)};
  const EV = {by_name('events')};
  // Kinds whose arg is an object id (sent as an object ref: index + 1, 0 = none).
  const ARG_IS_OBJ = new Set({js(arg_is_obj)});
  // Object kinds (weft::rt::ObjKind): names indexed by value, values by name.
  const OBJ_KINDS = {js(obj_kinds)};
  const OBJ = {by_name('object_kinds')};
  // Object kinds whose release carries the depth after (RLock, recursive mutex).
  const REENTRANT_KINDS = new Set({js(reentrant)});
  // Wait-end's arg (weft::rt::WaitResult) and acquire-failed's (weft::rt::AcquireFail).
  const WAIT = {by_name('wait_results')};
  const ACQUIRE_FAIL = {by_name('acquire_fail')};
  // Misuse codes (the low 8 bits of misuse's arg): value -> its name, bug kind and message.
  const MISUSE = {{
{rows([f'{k}: {js(x)}' for k, x in misuse.items()])}
  }};
  // Bug kinds (docs/design.md): id, found by weft lint, by weft run, doc page.
  const BUG_KINDS = [
{rows([js(x) for x in bug_kinds])}
  ];
  Object.assign(W, {{ EV_NAMES, EV, ARG_IS_OBJ, OBJ_KINDS, OBJ, REENTRANT_KINDS, WAIT, ACQUIRE_FAIL,
    MISUSE, BUG_KINDS }});
}})(globalThis.WeftViewer = globalThis.WeftViewer || {{}});
"""


def write_if_changed(path, text):
    try:
        with open(path, encoding='utf-8') as f:
            if f.read() == text:
                return
    except OSError:
        pass
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--json', default=DEFAULT_JSON)
    ap.add_argument('--cxx', metavar='OUT')
    ap.add_argument('--js', metavar='OUT')
    ap.add_argument('--check', action='store_true')
    a = ap.parse_args()
    if not (a.cxx or a.js or a.check):
        ap.error('nothing to do: give --cxx, --js or --check')
    try:
        v = load(a.json)
    except VocabularyError as e:
        print(f'gen-vocabulary: {e}', file=sys.stderr)
        return 1
    if a.cxx:
        write_if_changed(a.cxx, gen_cxx(v))
    if a.js:
        write_if_changed(a.js, gen_js(v))
    return 0


if __name__ == '__main__':
    sys.exit(main())
