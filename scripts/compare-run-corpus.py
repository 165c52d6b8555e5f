#!/usr/bin/env python3
"""Runs weft run, ThreadSanitizer and Helgrind on the corpus and tabulates what each reports.

example:
  scripts/compare-run-corpus.py --build-dir build --json build/compare-corpus.json
  scripts/compare-run-corpus.py --flavor pthread --kinds lock-reentry,deadlock -v
  scripts/compare-run-corpus.py --tools weft,helgrind --flavor weft

For every program of corpus/manifest.json of the chosen flavours (default std and pthread; the
weft flavour is run under weft and Helgrind only, since TSan cannot be linked with weft's
primitives here and Helgrind does not understand their futex-based implementation):
  weft      `weft run -o TRACE [--chaos=SEED] -- BIN` then `weft report TRACE --format=json`;
            the manifest's "chaos" programs and their pairs once per seed of --chaos-seeds
            (default 1,2,3; findings united, times summed), as score-corpus.py does.
  tsan      the program compiled with `g++ -std=c++20 -fsanitize=thread -g -O1` (gcc -std=c17
            for .c), run with TSAN_OPTIONS='halt_on_error=0 report_signal_unsafe=0'; its
            "WARNING: ThreadSanitizer: ..." headings are mapped to bug-kind ids (TSAN_MAP).
  helgrind  `valgrind --tool=helgrind BIN` on the normal build; its error headings are mapped to
            bug-kind ids (HELGRIND_MAP).
  tsan-clang       as tsan, compiled by clang-19 (its static runtime).
  weft+tsan        the tsan binary, unmodified, under `weft run` with the same TSAN_OPTIONS: weft's
                   findings and TSan's reports (as weft findings) together, from `weft report`.
  weft+tsan-clang  the same with the tsan-clang binary.
With tsan and weft+tsan (or their clang pair) in --tools, a last table checks that every report
TSan makes alone is made through weft run (per program and kind) and that each data-race
finding has a site for each of its two accesses (docs/tsan.md).
Headings that map to no id are kept as "other:<heading>" and count as false positives. Not
counted at all: TSan's "thread leak" and Helgrind's "Exiting thread still holds" (unless the
program is labelled exit-holding-lock) on a run that ended by the corpus deadline: its _exit()
ends threads that are stuck, unjoined or holding locks, an artefact of the harness (listed as
"ignored" in the JSON).

Per tool and bug kind: found (programs labelled with the kind on which it is reported), missed,
false positives (a kind reported that the program's label list does not name, counted under the
reported kind), hangs and wall time. A hang is a run that ended by the program's own deadline
(exit 86, corpus/include/corpus_deadline.h) or by --timeout, without the tool reporting
`deadlock` or `lock-reentry` (weft stops a deadlocked program itself with exit 86 and such a
finding: that counts as found). A program that must finish (expect_exit 0) but hits its
deadline (again without such a report) under the tool is counted as "overran" (the tool slowed
it past its 1-2 s deadline or it blocked under the tool), not as a hang. Hangs, overruns and
time are attributed to the program's directory (its bug kind).

Raw outputs are kept under BUILD_DIR/compare-corpus/logs/<tool>/<kind>/<name>.log, the TSan
binaries under BUILD_DIR/compare-corpus/tsan/ (rebuilt only when the source is newer).
Exit status: 0 when every run could be made, 1 when some could not (compile error, tool
missing, unreadable report: listed on stderr), 2 on bad usage.
"""
import argparse
import concurrent.futures
import datetime
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEADLINE_EXIT = 86
TOOLS = ['weft', 'tsan', 'helgrind', 'tsan-clang', 'weft+tsan', 'weft+tsan-clang']
FLAVORS = ['std', 'pthread', 'weft']
# Which tools run which flavour (see the docstring).
TOOL_FLAVORS = {'weft': FLAVORS, 'tsan': ['std', 'pthread'], 'helgrind': FLAVORS,
                'tsan-clang': ['std', 'pthread'], 'weft+tsan': ['std', 'pthread'],
                'weft+tsan-clang': ['std', 'pthread']}
# The compiler of each TSan-built tool's binary.
TSAN_COMPILER = {'tsan': 'gcc', 'weft+tsan': 'gcc', 'tsan-clang': 'clang',
                 'weft+tsan-clang': 'clang'}
TSAN_OPTIONS = 'halt_on_error=0 report_signal_unsafe=0'

STOPPED_KINDS = {'deadlock', 'lock-reentry'}  # a tool reporting one of these did not "hang"


def load_score_corpus():
    """Reuses score-corpus.py's kind list and binary naming, so both scripts agree."""
    sys.dont_write_bytecode = True  # no scripts/__pycache__ in the source tree
    spec = importlib.util.spec_from_file_location('score_corpus',
                                                  os.path.join(HERE, 'score-corpus.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


SC = load_score_corpus()


def fail_usage(msg):
    print(f'compare-run-corpus: {msg}', file=sys.stderr)
    sys.exit(2)

# "WARNING: ThreadSanitizer: <heading> (pid=N)" -> bug-kind id (gcc 12's libtsan wording).
TSAN_MAP = [
    (re.compile(r'^data race'), 'data-race'),
    (re.compile(r'^race on '), 'data-race'),
    (re.compile(r'^lock-order-inversion'), 'lock-order-inversion'),
    (re.compile(r'^unlock of an unlocked mutex'), 'unowned-release'),  # "(or by a wrong thread)"
    (re.compile(r'^double lock of a mutex'), 'lock-reentry'),
    (re.compile(r'^destroy of a locked mutex'), 'destroy-in-use'),
    (re.compile(r'^use of an invalid mutex'), 'use-after-destroy'),
]
TSAN_HEADING = re.compile(r'WARNING: ThreadSanitizer: (.*?)(?: \(pid=\d+\))?\s*$')

# Helgrind error headings (valgrind 3.19 wording, after the "==PID== " prefix) -> id.
HELGRIND_MAP = [
    (re.compile(r'^Possible data race during'), 'data-race'),
    (re.compile(r'^Thread #\d+: lock order ".*" violated'), 'lock-order-inversion'),
    (re.compile(r'^Thread #\d+: Attempt to re-lock a non-recursive lock I already hold'),
     'lock-reentry'),
    (re.compile(r'^Thread #\d+ unlocked a not-locked lock'), 'unowned-release'),
    (re.compile(r'^Thread #\d+ unlocked lock at 0x[0-9A-Fa-f]+ currently held by thread'),
     'unowned-release'),
    (re.compile(r'^Thread #\d+: pthread_cond_\{timed\}wait called with un-held mutex'),
     'wait-without-lock'),
    (re.compile(r'^Thread #\d+: pthread_cond_\{timed\}wait called with mutex held by a '
                r'different thread'), 'wait-without-lock'),
    # Helgrind's word for a mutex it never saw locked, e.g. the wrong or an unlocked one.
    (re.compile(r'^Thread #\d+: pthread_cond_\{timed\}wait called with invalid mutex'),
     'wait-without-lock'),
    (re.compile(r'^Thread #\d+: pthread_cond_\{signal,broadcast\}: (dubious: )?associated lock '
                r'is not held'), 'notify-without-lock'),
    (re.compile(r'^Thread #\d+: Exiting thread still holds'), 'exit-holding-lock'),
    # Issue 13's kinds.
    (re.compile(r'^Thread #\d+: pthread_(mutex|rwlock)_destroy of a locked mutex'),
     'destroy-in-use'),
    (re.compile(r'^Thread #\d+: pthread_cond_destroy: destruction of condition variable being '
                r'waited upon'), 'destroy-in-use'),
    (re.compile(r'^Thread #\d+: pthread_barrier_destroy: '), 'destroy-in-use'),
    (re.compile(r'^Thread #\d+ unlocked an invalid lock'), 'use-after-destroy'),
    (re.compile(r'^Thread #\d+: pthread_barrier_wait: barrier is uninitiali[sz]ed'),
     'use-after-destroy'),
    (re.compile(r'^Thread #\d+: pthread_cond_\{timed\}wait: cond is associated with a different '
                r'mutex'), 'api-misuse'),
    (re.compile(r"^Thread #\d+: pthread_barrier_init: 'count' argument is zero"), 'api-misuse'),
]
# "Thread #N's call to FN failed" is followed by "with error code E (NAME: ...)": the kind
# depends on both (a failed lock is a re-lock with EDEADLK, a destroyed mutex with EINVAL).
HELGRIND_FAILED_CALL = re.compile(r"^Thread #\d+'s call to (\w+) failed")
HELGRIND_ERROR_CODE = re.compile(r'with error code \d+ \((\w+)')
HELGRIND_FAILED_MAP = {
    ('pthread_mutex_unlock', 'EPERM'): 'unowned-release',
    ('pthread_mutex_lock', 'EDEADLK'): 'lock-reentry',
    ('pthread_rwlock_wrlock', 'EDEADLK'): 'lock-reentry',
    ('pthread_rwlock_rdlock', 'EDEADLK'): 'lock-reentry',
    ('pthread_mutex_lock', 'EINVAL'): 'use-after-destroy',
    ('pthread_mutex_lock', 'ENOTRECOVERABLE'): 'api-misuse',
    ('pthread_mutex_destroy', 'EBUSY'): 'destroy-in-use',
    ('pthread_barrier_init', 'EINVAL'): 'api-misuse',
    ('sem_post', 'EOVERFLOW'): 'api-misuse',
}
# Lines that start a Helgrind error (everything else in a block is stack or detail).
HELGRIND_HEADING = re.compile(
    r'^(Possible data race during .*|Thread #\d+(:| unlocked|\'s call to) .*)$')
HELGRIND_NOT_ERRORS = re.compile(r"^Thread #\d+ (was created|is the program's (main|root) thread)")


def tsan_kinds(log):
    kinds = set()
    for line in log.splitlines():
        m = TSAN_HEADING.search(line)
        if not m:
            continue
        heading = m.group(1).strip()
        kinds.add(next((k for rx, k in TSAN_MAP if rx.search(heading)), 'other:' + heading))
    return kinds


def helgrind_kinds(log):
    kinds = set()
    lines = [re.match(r'^==\d+== (.*)$', line) for line in log.splitlines()]
    lines = [m.group(1).strip() for m in lines if m]
    for i, text in enumerate(lines):
        if HELGRIND_NOT_ERRORS.match(text) or not HELGRIND_HEADING.match(text):
            continue
        kind = next((k for rx, k in HELGRIND_MAP if rx.search(text)), None)
        failed = HELGRIND_FAILED_CALL.match(text)
        if failed:
            code = next((c.group(1) for c in map(HELGRIND_ERROR_CODE.search, lines[i + 1:i + 4])
                         if c), '?')
            kind = HELGRIND_FAILED_MAP.get((failed.group(1), code),
                                           f'other:call to {failed.group(1)} failed ({code})')
        if kind is None:
            # Generic name for unmapped errors: drop thread numbers and addresses.
            text = re.sub(r'#\d+', '#N', re.sub(r'0x[0-9A-Fa-f]+', 'ADDR', text))
            kind = 'other:' + text
        kinds.add(kind)
    return kinds


def run(cmd, timeout, env=None):
    """Runs cmd in its own process group; returns (status or None on timeout, output, secs)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        status = p.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = p.communicate()
        status = None
    return status, out.decode('utf-8', 'replace'), time.monotonic() - t0


def program_name(p):
    _, kind, name = p['path'].split('/')
    return kind, os.path.splitext(name)[0]


class Runner:
    def __init__(self, args, by_path):
        self.args = args
        self.by_path = by_path
        self.work = os.path.join(args.build_dir, 'compare-corpus')
        self.tmp = tempfile.mkdtemp(prefix='weft-compare-')
        self.lock = threading.Lock()
        self.building = {}

    def log_path(self, tool, p):
        kind, name = program_name(p)
        d = os.path.join(self.work, 'logs', tool, kind)
        os.makedirs(d, exist_ok=True)
        return os.path.join(d, name + '.log')

    def chaos(self, p):
        pair = self.by_path.get(p['pair']) if p.get('pair') else None
        return bool(p['chaos'] or (pair and pair['chaos']))

    def tsan_binary(self, p, compiler='gcc'):
        """Compiles p with -fsanitize=thread by gcc or clang; returns (binary, error, seconds).
        Two tools asking for the same binary at once (tsan, weft+tsan) build it once."""
        kind, name = program_name(p)
        src = os.path.join(ROOT, p['path'])
        out = os.path.join(self.work, 'tsan' if compiler == 'gcc' else 'tsan-clang', kind, name)
        with self.lock:
            lock = self.building.setdefault(out, threading.Lock())
        with lock:
            return self.compile_tsan(src, out, compiler)

    def compile_tsan(self, src, out, compiler):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(src):
            return out, None, 0.0
        inc = ['-I', os.path.join(ROOT, 'corpus', 'include')]
        c, cxx = ('gcc', 'g++') if compiler == 'gcc' else ('clang-19', 'clang++-19')
        if src.endswith('.c'):
            cmd = [c, '-std=c17', '-D_GNU_SOURCE']
        else:
            cmd = [cxx, '-std=c++20']
        cmd += ['-fsanitize=thread', '-g', '-O1'] + inc + [src, '-o', out, '-pthread']
        status, log, secs = run(cmd, 300)
        if status != 0:
            return None, f'compile failed ({status}): {SC.first_line(log)}', secs
        return out, None, secs

    def weft_once(self, p, binary, seed, env=None, tag=''):
        """One `weft run` (seed 0: no chaos); returns (cmd, status, log, secs, findings, error)."""
        trace = os.path.join(self.tmp, p['path'].replace('/', '_') + f'{tag}.{seed}.trace')
        cmd = [self.args.weft, 'run', '-o', trace]
        if seed:
            cmd.append(f'--chaos={seed}')
        cmd += ['--', binary]
        status, log, secs = run(cmd, self.args.timeout, env)
        if not os.path.exists(trace):
            return cmd, status, log, secs, [], (f'weft run wrote no trace (exit {status}): '
                                                f'{SC.first_line(log)}')
        rstatus, rout, _ = run([self.args.weft, 'report', trace, '--format=json'],
                               self.args.timeout)
        os.unlink(trace)
        try:
            return cmd, status, log, secs, list(json.loads(rout)['findings']), None
        except (ValueError, KeyError, TypeError):
            return cmd, status, log, secs, [], (f'weft report: {SC.first_line(rout)} '
                                                f'(exit {rstatus})')

    def one(self, tool, p):
        """Runs p under tool; returns a result dict."""
        res = {'tool': tool, 'path': p['path'], 'flavor': p['flavor'],
               'labels': sorted(p['dynamic']), 'expect_exit': p['expect_exit']}
        binary = SC.binary_for(self.args.bin_dir, p['path'])
        if tool in TSAN_COMPILER:
            binary, err, csecs = self.tsan_binary(p, TSAN_COMPILER[tool])
            res['compile_seconds'] = round(csecs, 2)
            if binary is None:
                res['error'] = err
                return res
        elif not os.access(binary, os.X_OK):
            res['error'] = f'{binary} not built (cmake --build {self.args.build_dir})'
            return res
        # Each run: (cmd, status, log, secs, kinds). weft under chaos runs once per seed.
        runs = []
        if tool == 'weft':
            seeds = self.args.chaos_seeds if self.chaos(p) else [0]
            if self.chaos(p):
                res['chaos_seeds'] = seeds
            for seed in seeds:
                cmd, status, log, secs, findings, err = self.weft_once(p, binary, seed)
                if err:
                    res['error'] = err
                runs.append((cmd, status, log, secs, {f['kind'] for f in findings}))
        elif tool.startswith('weft+'):
            env = dict(os.environ, TSAN_OPTIONS=TSAN_OPTIONS)
            cmd, status, log, secs, findings, err = self.weft_once(p, binary, 0, env, '.' + tool)
            if err:
                res['error'] = err
            if status == DEADLINE_EXIT:
                # As for TSan alone: the deadline's exit leaves threads unjoined.
                leaks = [f for f in findings
                         if f['message'].startswith('ThreadSanitizer: thread-leak')]
                if leaks:
                    findings = [f for f in findings if f not in leaks]
                    res['ignored'] = ['thread leak (after the deadline)']
            races = [f for f in findings if f['kind'] == 'data-race'
                     and f['message'].startswith('ThreadSanitizer:')]
            res['tsan_races'] = len(races)
            # A race's accesses: "; read of..." and "; previous write of..."; each with a site.
            res['tsan_races_sited'] = sum(
                len(f.get('sites', [])) >= len(re.findall(r'; (?:previous )?(?:atomic )?'
                                                          r'(?:read|write) of ', f['message']))
                and len(f.get('sites', [])) > 0 for f in races)
            runs.append((cmd, status, log, secs, {f['kind'] for f in findings}))
        elif tool in ('tsan', 'tsan-clang'):
            env = dict(os.environ, TSAN_OPTIONS=TSAN_OPTIONS)
            status, log, secs = run([binary], self.args.timeout, env)
            kinds = tsan_kinds(log)
            if status == DEADLINE_EXIT and 'other:thread leak' in kinds:
                # The deadline's _exit() leaves threads unjoined: an artefact of the harness.
                kinds.discard('other:thread leak')
                res['ignored'] = ['thread leak (after the deadline)']
            runs.append(([binary], status, log, secs, kinds))
        else:
            cmd = ['valgrind', '--tool=helgrind', binary]
            status, log, secs = run(cmd, self.args.timeout)
            kinds = helgrind_kinds(log)
            if (status == DEADLINE_EXIT and 'exit-holding-lock' in kinds
                    and 'exit-holding-lock' not in p['dynamic']):
                # The deadline's _exit() ends threads blocked with locks held: an artefact.
                kinds.discard('exit-holding-lock')
                res['ignored'] = ['Exiting thread still holds (after the deadline)']
            runs.append((cmd, status, log, secs, kinds))
        with open(self.log_path(tool, p), 'w', encoding='utf-8') as f:
            for cmd, status, log, secs, _ in runs:
                f.write(f'$ {" ".join(cmd)}\n{log}\n[exit {status}, {secs:.2f} s]\n')
        found = set().union(*(r[4] for r in runs))
        res['found'] = sorted(found)
        res['exit'] = [r[1] for r in runs] if len(runs) > 1 else runs[0][1]
        res['seconds'] = round(sum(r[3] for r in runs), 2)
        # Stuck: a run ended by the deadline or the timeout without the tool stopping it.
        stuck = any((st is None or st == DEADLINE_EXIT) and not (k & STOPPED_KINDS)
                    for _, st, _, _, k in runs)
        res['hang'] = stuck and p['expect_exit'] == DEADLINE_EXIT
        res['overran'] = stuck and p['expect_exit'] != DEADLINE_EXIT
        res['timeout'] = any(r[1] is None for r in runs)
        return res


def tabulate(results, tools, flavors):
    """Returns {tool: {kind: {found, missed, labelled, fp, hang, overran, runs, seconds}}}."""
    table = {}
    for tool in tools:
        rows = {}

        def row(k):
            return rows.setdefault(k, {'labelled': 0, 'found': 0, 'missed': 0, 'fp': 0,
                                       'hang': 0, 'overran': 0, 'runs': 0, 'seconds': 0.0})
        for r in results:
            if r['tool'] != tool or r['flavor'] not in flavors or 'error' in r:
                continue
            labels, found = set(r['labels']), set(r['found'])
            d = r['path'].split('/')[1]
            row(d)['runs'] += 1
            row(d)['seconds'] += r['seconds']
            row(d)['hang'] += r['hang']
            row(d)['overran'] += r['overran']
            for k in labels:
                row(k)['labelled'] += 1
                row(k)['found' if k in found else 'missed'] += 1
            for k in found - labels:
                row('other' if k.startswith('other:') else k)['fp'] += 1
        table[tool] = rows
    return table


def markdown(table, tools, kinds_order, title):
    def cell(v):
        s = f'{v["found"]}/{v["labelled"]}' if v['labelled'] else '–'
        extra = []
        if v['fp']:
            extra.append(f'**{v["fp"]} FP**')
        if v['hang']:
            extra.append(f'**{v["hang"]} hang**')
        if v['overran']:
            extra.append(f'{v["overran"]} overran')
        return s + (' · ' + ', '.join(extra) if extra else '') + (
            f' · {v["seconds"]:.1f} s' if v['runs'] else '')

    names = {'weft': 'weft run', 'tsan': 'ThreadSanitizer', 'helgrind': 'Helgrind',
             'tsan-clang': 'TSan (clang)', 'weft+tsan': 'weft run + TSan',
             'weft+tsan-clang': 'weft run + TSan (clang)'}
    lines = [f'**{title}**', '',
             '| bug kind | ' + ' | '.join(names[t] for t in tools) + ' |',
             '|---|' + '---|' * len(tools)]
    keys = [k for k in kinds_order if any(k in table[t] for t in tools)]
    empty = {'labelled': 0, 'found': 0, 'missed': 0, 'fp': 0, 'hang': 0, 'overran': 0, 'runs': 0,
             'seconds': 0.0}
    for k in keys:
        lines.append(f'| `{k}` | ' + ' | '.join(cell(table[t].get(k, empty)) for t in tools)
                     + ' |')
    tot = {}
    for t in tools:
        s = dict(empty)
        for v in table[t].values():
            for f in s:
                s[f] += v[f]
        tot[t] = s
    lines.append('| **total** | ' + ' | '.join(cell(tot[t]) for t in tools) + ' |')
    return '\n'.join(lines)


def names_of(tool):
    return {'tsan': 'ThreadSanitizer', 'tsan-clang': 'TSan (clang)',
            'weft+tsan': 'weft run + TSan', 'weft+tsan-clang': 'weft run + TSan (clang)'}[tool]


def through_tsan(results, alone, through):
    """TSan's own reports (program, kind) against those made through weft run on the same binary,
    and how many data-race findings have a site per access."""
    by = {(r['tool'], r['path']): r for r in results if 'error' not in r}
    out = {'alone': 0, 'kept': 0, 'lost': [], 'races': 0, 'sited': 0}
    for (tool, path), r in sorted(by.items()):
        if tool != alone or (through, path) not in by:
            continue
        t = by[(through, path)]
        for k in r['found']:
            out['alone'] += 1
            if k in t['found'] or (k.startswith('other:') and 'api-misuse' in t['found']):
                out['kept'] += 1
            else:
                out['lost'].append(f'{path}: {k}')
        out['races'] += t.get('tsan_races', 0)
        out['sited'] += t.get('tsan_races_sited', 0)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build-dir', default='build', help='build tree with bin/weft and '
                    'bin/corpus/ (default: build)')
    ap.add_argument('--weft', help='the weft binary (default BUILD_DIR/bin/weft)')
    ap.add_argument('--bin-dir', help='corpus binaries (default BUILD_DIR/bin/corpus)')
    ap.add_argument('--manifest', default=os.path.join(ROOT, 'corpus', 'manifest.json'))
    ap.add_argument('--tools', default='weft,tsan,helgrind', help='comma list of ' +
                    ', '.join(TOOLS))
    ap.add_argument('--flavor', action='append', choices=FLAVORS,
                    help='repeatable; default std and pthread (add --flavor weft for weft '
                    'and Helgrind on weft-flavour programs)')
    ap.add_argument('--kinds', help='comma list of corpus directories (bug kinds) to run')
    ap.add_argument('--chaos-seeds', default='1,2,3',
                    help='weft --chaos seeds for the manifest\'s "chaos" programs and their '
                    'pairs (default 1,2,3, as score-corpus.py: findings united, time summed)')
    ap.add_argument('-j', '--jobs', type=int, default=2, help='parallel runs (default 2)')
    ap.add_argument('--timeout', type=float, default=60.0, help='seconds per run (default 60)')
    ap.add_argument('--json', help='write the per-program results and the table here')
    ap.add_argument('-v', '--verbose', action='store_true',
                    help='print one line per run (kinds found, misses, FPs, hangs)')
    args = ap.parse_args()

    args.build_dir = os.path.abspath(args.build_dir)
    args.weft = args.weft or os.path.join(args.build_dir, 'bin', 'weft')
    args.bin_dir = args.bin_dir or os.path.join(args.build_dir, 'bin', 'corpus')
    tools = [t.strip() for t in args.tools.split(',') if t.strip()]
    bad = [t for t in tools if t not in TOOLS]
    if bad or not tools:
        fail_usage(f'unknown tool {bad[0] if bad else "(none)"!r}: use --tools '
                      + ','.join(TOOLS))
    flavors = args.flavor or ['std', 'pthread']
    args.chaos_seeds = SC.parse_chaos_seeds(args.chaos_seeds, fail_usage)
    if args.jobs < 1:
        fail_usage('-j wants a positive number')
    try:
        with open(args.manifest, encoding='utf-8') as f:
            programs = json.load(f)['programs']
    except (OSError, ValueError, KeyError) as e:
        fail_usage(f'cannot read manifest {args.manifest}: {e}')
    by_path = {p['path']: p for p in programs}
    dirs = sorted({p['path'].split('/')[1] for p in programs})
    if args.kinds:
        want = [k.strip() for k in args.kinds.split(',') if k.strip()]
        unknown = [k for k in want if k not in dirs]
        if unknown:
            fail_usage(f'unknown kind {unknown[0]!r} for --kinds; corpus directories: '
                          + ', '.join(dirs))
        programs = [p for p in programs if p['path'].split('/')[1] in want]
    programs = [p for p in programs if p['flavor'] in flavors]
    if any(t.startswith('weft') for t in tools) and not os.access(args.weft, os.X_OK):
        fail_usage(f'{args.weft} not found: build it (cmake --build build) or pass --weft')
    for tool, exe in (('tsan', 'g++'), ('helgrind', 'valgrind'), ('tsan-clang', 'clang++-19'),
                      ('weft+tsan', 'g++'), ('weft+tsan-clang', 'clang++-19')):
        if tool in tools and subprocess.run(['sh', '-c', f'command -v {exe}'],
                                            capture_output=True).returncode != 0:
            fail_usage(f'{exe} not found: install it (scripts/install-deps.sh) or drop '
                          f'{tool} from --tools')

    jobs = [(t, p) for p in programs for t in tools if p['flavor'] in TOOL_FLAVORS[t]]
    runner = Runner(args, by_path)
    started = datetime.datetime.now(datetime.timezone.utc)
    with open('/proc/loadavg', encoding='ascii') as f:
        load_before = f.read().split()[:3]
    t0 = time.monotonic()
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for r in pool.map(lambda tp: runner.one(*tp), jobs):
            results.append(r)
            if 'error' in r:
                print(f'  {r["tool"]:8} {r["path"]}: {r["error"]}', file=sys.stderr)
            elif args.verbose:
                labels, found = set(r['labels']), set(r['found'])
                notes = [f'miss {k}' for k in sorted(labels - found)]
                notes += [f'FP {k}' for k in sorted(found - labels)]
                notes += ['HANG'] * r['hang'] + ['OVERRAN deadline'] * r['overran']
                print(f'{r["tool"]:8} {r["exit"]!s:>4} {r["seconds"]:6.2f}s '
                      f'{r["path"]:60} {",".join(r["found"]) or "-"}'
                      + (f'  [{"; ".join(notes)}]' if notes else ''), flush=True)
    wall = time.monotonic() - t0
    with open('/proc/loadavg', encoding='ascii') as f:
        load_after = f.read().split()[:3]

    order = SC.KINDS + [d for d in dirs if d not in SC.KINDS] + ['other']
    out = {'date': started.strftime('%Y-%m-%d %H:%M UTC'), 'command': ' '.join(sys.argv),
           'wall_seconds': round(wall, 1), 'loadavg_before': load_before,
           'loadavg_after': load_after, 'tools': tools, 'flavors': flavors,
           'tsan_compile_seconds': round(sum(r.get('compile_seconds', 0) for r in results), 1),
           'tables': {}, 'results': results}
    print(f'# {out["date"]}, {len(jobs)} runs in {wall:.0f} s at -j{args.jobs}, '
          f'load average {" ".join(load_before)} before, {" ".join(load_after)} after')
    groups = [('std + pthread', [f for f in flavors if f != 'weft'])]
    if 'weft' in flavors:
        groups.append(('weft flavour', ['weft']))
    for title, fl in groups:
        if not fl:
            continue
        tl = [t for t in tools if all(f in TOOL_FLAVORS[t] for f in fl)]
        table = tabulate(results, tl, fl)
        out['tables'][title] = table
        print()
        print(markdown(table, tl, order, f'{title} programs ({", ".join(fl)})'))
    for alone, through in (('tsan', 'weft+tsan'), ('tsan-clang', 'weft+tsan-clang')):
        if alone in tools and through in tools:
            agree = through_tsan(results, alone, through)
            out['tables'][through + ' vs ' + alone] = agree
            print()
            print(f'**{names_of(through)} against {names_of(alone)}**: TSan\'s reports alone '
                  f'(program, kind) {agree["alone"]}, also through weft run {agree["kept"]}'
                  + (f' (lost: {", ".join(agree["lost"])})' if agree['lost'] else '')
                  + f'; data-race findings {agree["races"]}, with a site for every access '
                  f'{agree["sited"]}')
    others = sorted({(r['tool'], k) for r in results for k in r.get('found', [])
                     if k.startswith('other:')})
    if others:
        print('\nunmapped reports (counted as false positives, row "other"):')
        for tool, k in others:
            print(f'  {tool}: {k[6:]}')
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump(out, f, indent=1)
    return 1 if any('error' in r for r in results) else 0


if __name__ == '__main__':
    sys.exit(main())
