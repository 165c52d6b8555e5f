#!/usr/bin/env python3
"""Scaffolds a new `weft lint` check: header, source, lit test, doc page and registration.

  scripts/add-check.py foo-bar "One sentence saying what the check finds."

writes
  analyzer/checks/FooBarCheck.h     the class (kId, kSummary, registerMatchers, check)
  analyzer/checks/FooBarCheck.cpp   a working skeleton: it reports calls of `todo_foo_bar()`
  tests/analyzer/foo-bar.cpp        its lit case, a positive and a negative (CTest analyzer:foo-bar)
  docs/checks/foo-bar.md            the page (or a "## weft lint" section added to an existing one)
inserts `#include "checks/FooBarCheck.h"` and `entry<FooBarCheck>(),` into analyzer/Module.cpp,
each in alphabetical order of the id, and makes the id a bug kind weft lint finds in
runtime/vocabulary.json (a new kind: "found_by": "lint"; one weft run already reports: "run"
becomes "both") and in docs/design.md's bug-kind table, as tests/vocabulary's
vocabulary:bug-kinds requires. The skeleton builds with
-Werror and its test passes as generated, so the next step is to replace the matcher and the
case with the real ones. Nothing is overwritten: an existing header, source or test stops the script (exit 1)
before any file is written. --root DIR works on another checkout; --dry-run lists what would be
written.
"""
import argparse
import json
import os
import re
import sys

ID = re.compile(r'^[a-z][a-z0-9]*(-[a-z0-9]+)*$')
MODULE_INCLUDES = ('// checks: begin includes', '// checks: end includes')
MODULE_ENTRIES = ('// checks: begin entries', '// checks: end entries')


def camel(check_id):
    return ''.join(part.capitalize() for part in check_id.split('-'))


def kebab(class_name):
    """FooBarCheck -> foo-bar (the inverse of camel() for the names in Module.cpp)."""
    name = class_name[:-len('Check')] if class_name.endswith('Check') else class_name
    return re.sub(r'(?<!^)(?=[A-Z])', '-', name).lower()


def cxx_string(text):
    return '"' + text.replace('\\', '\\\\').replace('"', '\\"') + '"'


HEADER = '''// {id}
#pragma once

#include "Check.h"

namespace weft::analyzer {{

/// {summary}
/// Doc: docs/checks/{id}.md
class {cls} : public Check {{
 public:
  static constexpr const char* kId = "{id}";
  static constexpr const char* kSummary = {summary_literal};
  using Check::Check;
  void registerMatchers(clang::ast_matchers::MatchFinder* finder) override;
  void check(const clang::ast_matchers::MatchFinder::MatchResult& result) override;
}};

}}  // namespace weft::analyzer
'''

SOURCE = '''// {id}: see {cls}.h and docs/checks/{id}.md.
#include "{cls}.h"

#include <clang/AST/Expr.h>
#include <clang/ASTMatchers/ASTMatchers.h>

#include "AstHelpers.h"
#include "LockVocabulary.h"
#include "Matchers.h"

using namespace clang;
using namespace clang::ast_matchers;

namespace weft::analyzer {{

// TODO({id}): match what the check is about. The skeleton reports every call of a function
// named `{todo}` so that it builds and its lit case passes as generated.
void {cls}::registerMatchers(MatchFinder* finder) {{
  finder->addMatcher(callExpr(callee(functionDecl(hasName("{todo}")))).bind("call"), this);
}}

void {cls}::check(const MatchFinder::MatchResult& result) {{
  const auto* call = result.Nodes.getNodeAs<CallExpr>("call");
  if (!call) return;
  diag(call->getBeginLoc(), "'{todo}' is called")
      .note(call->getBeginLoc(), "replace this skeleton with the real rule");
}}

}}  // namespace weft::analyzer
'''

TEST = '''// Cases for {id}: the positives (CHECK-MESSAGES) and the negatives that must stay silent.
// TODO({id}): replace the skeleton's cases with the check's own.

void {todo}();
void other();

void positive() {{
  {todo}();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: '{todo}' is called [{id}]
  // CHECK-NOTES: :[[@LINE-2]]:3: note: replace this skeleton with the real rule
}}

void negative() {{ other(); }}
'''

DOC = '''# {id}

{summary}

## Why it is a bug

TODO: what goes wrong at run time, with a short program.

## The fix

TODO: the correct shape.
'''

DOC_LINT = '''
## weft lint

TODO: what `weft lint` reports (the exact shapes), what it does not report and why, and the
fix-it or notes it gives. Cases: `tests/analyzer/{id}.cpp`.
'''


def insert_sorted(text, markers, line, key):
    """Inserts `line` between the marker comments, keeping the lines there ordered by key()."""
    begin = text.index(markers[0])
    begin = text.index('\n', begin) + 1
    end = text.index(markers[1], begin)
    end = text.rindex('\n', 0, end) + 1
    block = text[begin:end].splitlines(keepends=True)
    first = block[0] if block else text[text.rindex('\n', 0, end - 1) + 1:]
    indent = re.match(r'\s*', first).group(0)
    new = indent + line + '\n'
    if new in block:
        raise SystemExit(f'add-check: {line.strip()} is already in analyzer/Module.cpp')
    block.append(new)
    block.sort(key=key)
    return text[:begin] + ''.join(block) + text[end:]


def add_bug_kind(text, check_id):
    """runtime/vocabulary.json with `check_id` a bug kind weft lint finds, or None if it already
    is one. Edited as text, one kind per line, so the file keeps its layout."""
    kinds = json.loads(text)['bug_kinds']
    kind = next((k for k in kinds if k['id'] == check_id), None)
    if kind and kind['found_by'] in ('lint', 'both'):
        return None
    if kind:
        pattern = re.compile(r'(\{"id": "%s", "found_by": )"run"' % re.escape(check_id))
        text, n = pattern.subn(r'\1"both"', text, count=1)
        if n != 1:
            raise SystemExit(f'add-check: no {check_id!r} line in runtime/vocabulary.json')
        return text
    start = text.index('"bug_kinds": [')
    end = text.index('\n  ]', start)
    line = ('    {"id": "%s", "found_by": "lint", "doc": "docs/checks/%s.md"}'
            % (check_id, check_id))
    return text[:end] + ',\n' + line + text[end:]


def add_design_row(text, check_id, summary):
    """docs/design.md with `check_id` in its bug-kind table as found by weft lint (a new row at
    the end, in the order of runtime/vocabulary.json; or "yes" in the lint column of an existing
    one), or None if it already is."""
    head = text.index('## Bug kinds')
    end = text.find('\n## ', head + 1)
    end = len(text) if end < 0 else end
    rows = [m for m in re.finditer(r'^\| `([a-z][a-z0-9-]*)` \|([^|]*)\|.*$', text[head:end], re.M)]
    if not rows:
        raise SystemExit('add-check: no bug-kind table under "## Bug kinds" in docs/design.md')
    for m in rows:
        if m.group(1) == check_id:
            if m.group(2).strip() == 'yes':
                return None
            a, b = head + m.start(2), head + m.end(2)
            return text[:a] + ' yes ' + text[b:]
    at = head + rows[-1].end()
    what = summary[0].lower() + summary[1:].rstrip('.')
    return text[:at] + '\n| `%s` | yes | | %s |' % (check_id, what) + text[at:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split('\n\n', 1)[1])
    ap.add_argument('id', help='the bug-kind id, lower case words joined by "-": foo-bar')
    ap.add_argument('summary', help='one sentence: what the check finds')
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument('--root', default=os.path.join(here, '..'),
                    help='the weft checkout (default: the one holding this script)')
    ap.add_argument('--dry-run', action='store_true', help='list the files, write nothing')
    args = ap.parse_args()

    if not ID.match(args.id):
        ap.error(f'bad id {args.id!r}: lower case words joined by "-", e.g. foo-bar')
    summary = ' '.join(args.summary.split())
    if not summary.endswith('.'):
        summary += '.'
    root = os.path.abspath(args.root)
    cls = camel(args.id) + 'Check'
    fields = dict(id=args.id, cls=cls, summary=summary, summary_literal=cxx_string(summary),
                  todo='todo_' + args.id.replace('-', '_'))
    paths = {
        'header': os.path.join(root, 'analyzer', 'checks', cls + '.h'),
        'source': os.path.join(root, 'analyzer', 'checks', cls + '.cpp'),
        'test': os.path.join(root, 'tests', 'analyzer', args.id + '.cpp'),
        'doc': os.path.join(root, 'docs', 'checks', args.id + '.md'),
        'module': os.path.join(root, 'analyzer', 'Module.cpp'),
        'vocabulary': os.path.join(root, 'runtime', 'vocabulary.json'),
        'design': os.path.join(root, 'docs', 'design.md'),
    }
    if not os.path.isfile(paths['module']):
        sys.exit(f'add-check: no analyzer/Module.cpp under {root}')
    for k in ('header', 'source', 'test'):
        if os.path.exists(paths[k]):
            sys.exit(f'add-check: {os.path.relpath(paths[k], root)} exists already')

    module = open(paths['module']).read()
    if not all(m in module for m in MODULE_INCLUDES + MODULE_ENTRIES):
        sys.exit('add-check: analyzer/Module.cpp has lost its "// checks: begin/end" markers')
    def include_key(line):
        m = re.search(r'checks/(\w+)\.h', line)
        return kebab(m.group(1)) if m else line

    def entry_key(line):
        m = re.search(r'entry<(\w+)>', line)
        return kebab(m.group(1)) if m else line

    module = insert_sorted(module, MODULE_INCLUDES, f'#include "checks/{cls}.h"', include_key)
    module = insert_sorted(module, MODULE_ENTRIES, f'entry<{cls}>(),', entry_key)

    vocabulary = None
    if os.path.isfile(paths['vocabulary']):
        vocabulary = add_bug_kind(open(paths['vocabulary']).read(), args.id)
        if vocabulary is not None:
            json.loads(vocabulary)  # still JSON

    writes = [(paths['header'], HEADER.format(**fields)),
              (paths['source'], SOURCE.format(**fields)),
              (paths['test'], TEST.format(**fields)),
              (paths['module'], module)]
    if vocabulary is not None:
        writes.append((paths['vocabulary'], vocabulary))
    if os.path.isfile(paths['design']):
        design = add_design_row(open(paths['design']).read(), args.id, summary)
        if design is not None:
            writes.append((paths['design'], design))
    if os.path.exists(paths['doc']):
        doc = open(paths['doc']).read()
        if '## weft lint' not in doc:
            writes.append((paths['doc'], doc.rstrip('\n') + '\n' + DOC_LINT.format(**fields)))
    else:
        writes.append((paths['doc'], DOC.format(**fields) + DOC_LINT.format(**fields)))

    for path, text in writes:
        print(('would write ' if args.dry_run else 'wrote ') + os.path.relpath(path, root))
        if not args.dry_run:
            with open(path, 'w') as f:
                f.write(text)
    if not args.dry_run:
        print(f'next: cmake build (the check and test globs pick the new files up), then\n'
              f'  ninja -C build weft && ctest --test-dir build -R "analyzer:{args.id}$"\n'
              f'and replace every TODO({args.id}).')
    return 0


if __name__ == '__main__':
    sys.exit(main())
