#!/usr/bin/env python3
"""weft lint vs clang-tidy-19 vs clang -Wthread-safety on the corpus, per static check.

For each check: how many labelled bugs each tool found, missed, and how many findings it made
where no label is (false positives). clang-tidy runs bugprone-spuriously-wake-up-functions and
cppcoreguidelines-no-suspend-with-lock. Prints a Markdown table.

example:
  scripts/compare-lint-anchors.py --build-dir build            # every corpus program, -j2
  scripts/compare-lint-anchors.py --build-dir build -v         # also list each FP and miss
  scripts/compare-lint-anchors.py --build-dir build --tools weft   # weft lint only (faster)

Labels: corpus/manifest.json ("static": check + line of each bug). All three tools read the
compile commands of the corpus programs from BUILD_DIR/compile_commands.json. A finding counts
as found when its file and line equal a label's and it maps to the label's check:
  weft lint            its check id;
  clang-tidy           one run per program with both checks:
                       bugprone-spuriously-wake-up-functions -> wait-not-in-loop,
                       cppcoreguidelines-no-suspend-with-lock -> lock-across-suspend;
  -Wthread-safety      clang++-19/clang-19 -fsyntax-only -Wthread-safety, by message:
                       "already held" -> lock-reentry, "must be acquired before/after" ->
                       lock-order-inversion, "requires holding" on a wait -> wait-without-lock,
                       on a notify -> notify-without-lock; other thread-safety warnings are
                       counted in the "other" row.
A finding on a line with no label of its check is a false positive of that check.
Exit 0 after printing; 2 when a tool or the database is missing.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import re
import shlex
import subprocess
import sys

# weft lint's checks: the bug kinds of runtime/vocabulary.json it finds (docs/design.md).
with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'runtime',
                       'vocabulary.json'), encoding='utf-8') as _f:
    CHECKS = [k['id'] for k in json.load(_f)['bug_kinds'] if k['found_by'] in ('lint', 'both')]
# clang-tidy's checks run by this script, and the weft check each one's findings count for.
TIDY_CHECKS = {
    'bugprone-spuriously-wake-up-functions': 'wait-not-in-loop',
    'cppcoreguidelines-no-suspend-with-lock': 'lock-across-suspend',
}
WARNING = re.compile(r'^(.*?):(\d+):(\d+): warning: (.*?)(?: \[([\w,-]+)\])?$')


def die(msg):
    print(f'compare-lint-anchors: {msg}', file=sys.stderr)
    sys.exit(2)


def run(cmd, cwd=None, timeout=600):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def syntax_command(entry, compiler_c, compiler_cxx):
    """The database command as a clang -fsyntax-only -Wthread-safety command."""
    args = entry.get('arguments') or shlex.split(entry['command'])
    is_c = entry['file'].endswith('.c')
    out, skip = [compiler_c if is_c else compiler_cxx], False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a in ('-o', '-MF', '-MT', '-MQ'):
            skip = True
            continue
        if a in ('-c', '-MD', '-MMD') or a.startswith('-W'):
            continue
        out.append(a)
    return out + ['-fsyntax-only', '-Wno-everything', '-Wthread-safety', '-fno-caret-diagnostics']


def thread_safety_kind(message):
    m = message.lower()
    if 'already held' in m:
        return 'lock-reentry'
    if 'must be acquired before' in m or 'must be acquired after' in m or 'cycle' in m:
        return 'lock-order-inversion'
    if 'requires holding' in m or 'requires exclusive' in m or 'requires shared' in m:
        if re.search(r"'(\w+::)*(notify\w*|pthread_cond_(signal|broadcast))'", message):
            return 'notify-without-lock'
        if re.search(r"'(\w+::)*(wait\w*|pthread_cond_\w*wait)'", message):
            return 'wait-without-lock'
    return 'other'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build-dir', default='build')
    ap.add_argument('-j', '--jobs', type=int, default=2)
    ap.add_argument('-v', '--verbose', action='store_true')
    ap.add_argument('--tools', default='weft,clang-tidy,thread-safety',
                    help='comma-separated subset of weft,clang-tidy,thread-safety (default: all)')
    args = ap.parse_args()
    tools_wanted = set(args.tools.split(','))
    if not tools_wanted or tools_wanted - {'weft', 'clang-tidy', 'thread-safety'}:
        die(f'--tools takes a comma-separated subset of weft,clang-tidy,thread-safety, '
            f'not {args.tools!r}')

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build = os.path.abspath(args.build_dir)
    weft = os.path.join(build, 'bin', 'weft')
    tidy, cc, cxx = 'clang-tidy-19', 'clang-19', 'clang++-19'
    for tool in (tidy, cc, cxx):
        if subprocess.run(['which', tool], capture_output=True).returncode:
            die(f'{tool} not found (scripts/install-deps.sh installs it)')
    if not os.access(weft, os.X_OK):
        die(f'{weft} missing: build weft with the analyzer first')
    try:
        db = json.load(open(os.path.join(build, 'compile_commands.json')))
    except OSError as e:
        die(f'{e} (configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)')
    programs = json.load(open(os.path.join(root, 'corpus', 'manifest.json')))['programs']
    entries = {os.path.relpath(e['file'], root): e for e in db
               if os.path.isabs(e['file'])}
    paths = [p['path'] for p in programs if p['path'] in entries]
    if len(paths) < len(programs):
        die(f'{len(programs) - len(paths)} corpus programs are not in {build}/compile_commands.json '
            f'(is it the build of this checkout?)')
    labels = {(p['path'], s['line'], s['check']) for p in programs for s in p['static']}

    found = {}  # tool -> {(path, line, check)}
    # weft lint: one run over every program.
    if 'weft' in tools_wanted:
        code, out, err = run([weft, 'lint', '--format=json', '--quiet', '--no-progress',
                              f'-j{args.jobs}', '-p', build, *paths], cwd=root, timeout=1800)
        if code not in (0, 1):
            die(f'weft lint exited {code}: {err.strip()[:300]}')
        found['weft lint'] = {(f['file'], f['line'], f['check'])
                              for f in json.loads(out)['findings']}

    def one_tidy(path):
        code, out, err = run([tidy, '-quiet', '-p', build,
                              '-checks=-*,' + ','.join(TIDY_CHECKS), path], cwd=root)
        got = set()
        for line in out.splitlines():
            m = WARNING.match(line)
            for name in (m.group(5) or '').split(',') if m else ():
                if name in TIDY_CHECKS:
                    got.add((os.path.relpath(os.path.join(root, m.group(1)), root),
                             int(m.group(2)), TIDY_CHECKS[name]))
        return got

    def one_ts(path):
        e = entries[path]
        code, out, err = run(syntax_command(e, cc, cxx), cwd=e['directory'])
        got = set()
        for line in err.splitlines():
            m = WARNING.match(line)
            if m and 'thread-safety' in (m.group(5) or ''):
                f = os.path.relpath(os.path.join(e['directory'], m.group(1)), root)
                got.add((f, int(m.group(2)), thread_safety_kind(m.group(4))))
        return got

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        if 'clang-tidy' in tools_wanted:
            found['clang-tidy'] = set().union(*pool.map(one_tidy, paths))
        if 'thread-safety' in tools_wanted:
            found['-Wthread-safety'] = set().union(*pool.map(one_ts, paths))

    tools = list(found)
    print('| check | labelled bugs | ' + ' | '.join(f'{t}: found / missed / FP' for t in tools)
          + ' |')
    print('|---|---|' + '---|' * len(tools))
    notes = []
    totals = collections.Counter()
    for check in CHECKS + ['other']:
        want = {l for l in labels if l[2] == check}
        row = [check, str(len(want))]
        for t in tools:
            got = {f for f in found[t] if f[2] == check}
            tp, fn, fp = len(want & got), len(want - got), len(got - want)
            totals[t, 'tp'] += tp
            totals[t, 'fn'] += fn
            totals[t, 'fp'] += fp
            row.append(f'{tp} / {fn} / {fp}')
            if args.verbose:
                notes += [f'  {t:16} FP {check:21} {p}:{l}' for p, l, _ in sorted(got - want)]
                notes += [f'  {t:16} FN {check:21} {p}:{l}' for p, l, _ in sorted(want - got)]
        if check == 'other' and not any(f[2] == 'other' for t in tools for f in found[t]):
            continue
        print('| ' + ' | '.join(row) + ' |')
    print('| **all** | ' + str(len(labels)) + ' | ' + ' | '.join(
        f"**{totals[t, 'tp']} / {totals[t, 'fn']} / {totals[t, 'fp']}**" for t in tools) + ' |')
    print(f'\n{len(paths)} programs ({sum(p.endswith(".c") for p in paths)} C), '
          f'{len(labels)} labelled static bugs.')
    for n in notes:
        print(n)
    return 0


if __name__ == '__main__':
    sys.exit(main())
