#!/usr/bin/env python3
"""Scores `weft lint` and `weft run` against the corpus manifest: per-kind precision and recall.

example:
  scripts/score-corpus.py --build-dir build                       # print the scores
  scripts/score-corpus.py --build-dir build --only static --min-recall static:wait-not-in-loop=0.9
  scripts/score-corpus.py --build-dir build --thresholds corpus/score-thresholds.json

Static: `weft lint -p BUILD --format=json` over every program; a finding counts when its check,
file and line equal a label of corpus/manifest.json ("static"). Dynamic: each built program runs
under `weft run -o TRACE` (where the manifest says "chaos", for both halves of the pair, once per
seed of --chaos-seeds, default 1,2,3, findings united), then `weft report TRACE --format=json`; a finding kind counts when the program's
"dynamic" list names it. Any finding on a program whose lists do not name it is a false
positive. A tool that is missing or answers "not implemented" scores 0 and is reported as
unavailable; the scorer never crashes on it.

Thresholds (--thresholds FILE, --min-recall/--min-precision [static:|dynamic:]KIND=X) only ever
go up: exit 1 when a score is below one, 0 otherwise, 2 on bad usage.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

# The bug kinds, in the order of runtime/vocabulary.json (docs/design.md, "Vocabulary").
with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'runtime',
                       'vocabulary.json'), encoding='utf-8') as _f:
    KINDS = [k['id'] for k in json.load(_f)['bug_kinds']]


def fail_usage(msg):
    print(f'score-corpus: {msg}', file=sys.stderr)
    sys.exit(2)


def parse_chaos_seeds(text, fail):
    """'1,2,3' -> [1, 2, 3]; anything else calls fail(message) (also used by
    compare-run-corpus.py)."""
    try:
        seeds = [int(x) for x in text.split(',') if x.strip()]
        if not seeds or any(x <= 0 for x in seeds):
            raise ValueError
    except ValueError:
        fail(f'--chaos-seeds wants positive integers like 1,2,3, not {text!r}')
    return seeds


class Tally:
    def __init__(self):
        self.tp = {k: 0 for k in KINDS}
        self.fp = {k: 0 for k in KINDS}
        self.fn = {k: 0 for k in KINDS}
        self.unavailable = None  # reason string when the tool could not be used
        self.verbose = None  # list of per-program misses when --verbose

    def add(self, labelled, found, where=None):
        if where and self.verbose is not None:
            for k in sorted(found - labelled):
                self.verbose.append(f'  FP {k:22} {where}')
            for k in sorted(labelled - found):
                self.verbose.append(f'  FN {k:22} {where}')
        for k in KINDS:
            if k in labelled and k in found:
                self.tp[k] += 1
            elif k in labelled:
                self.fn[k] += 1
            elif k in found:
                self.fp[k] += 1

    def scores(self, k):
        tp, fp, fn = self.tp[k], self.fp[k], self.fn[k]
        precision = tp / (tp + fp) if tp + fp else None
        recall = tp / (tp + fn) if tp + fn else None
        if self.unavailable:
            precision = 0.0 if precision is not None or fn else None
            recall = 0.0 if recall is not None else None
        return precision, recall


def first_line(text):
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return '(no output)'


def run(cmd, timeout, cwd=None):
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                           cwd=cwd)
        return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8',
                                                                                    'replace')
    except FileNotFoundError:
        return None, '', f'{cmd[0]}: not found'
    except subprocess.TimeoutExpired:
        return None, '', f'timed out after {timeout}s'


# ---- static ----------------------------------------------------------------------------------
def lint(args, root, files):
    """Returns ({(path, line, check)}, unavailable_reason)."""
    base = [args.weft, 'lint', '--format=json']
    if args.build_dir:
        base += ['-p', args.build_dir]

    def parse(code, out, err):
        if code not in (0, 1):
            return None, f'exit {code}: {first_line(err)}'
        try:
            findings = json.loads(out)['findings']
        except (ValueError, KeyError, TypeError):
            return None, f'unreadable --format=json output: {first_line(out or err)}'
        got = set()
        for f in findings:
            try:
                path = os.path.relpath(os.path.join(root, f['file']), root)
                got.add((path, int(f['line']), f['check']))
            except (KeyError, TypeError, ValueError):
                continue
        return got, None

    code, out, err = run(base + [f'-j{args.jobs}'] + files, args.lint_timeout, cwd=root)
    got, why = parse(code, out, err)
    if got is not None:
        return got, None
    # The batch failed: per file, so one program the analyzer cannot parse does not hide all.
    code, out, err = run(base + files[:1], args.lint_timeout, cwd=root)
    if parse(code, out, err)[0] is None:
        return set(), why
    got = set()
    for f in files:
        r = parse(*run(base + [f], args.lint_timeout, cwd=root))
        got |= r[0] or set()
    return got, None


def score_static(args, root, programs):
    t = Tally()
    t.verbose = [] if args.verbose else None
    files = [p['path'] for p in programs]
    found, why = lint(args, root, files)
    t.unavailable = why
    for p in programs:
        labelled = {(s['check'], s['line']) for s in p['static']}
        for k in KINDS:
            want = {line for (c, line) in labelled if c == k}
            got = {line for (path, line, c) in found if path == p['path'] and c == k}
            t.tp[k] += len(want & got)
            t.fn[k] += len(want - got)
            t.fp[k] += len(got - want)
            if t.verbose is not None and not why:
                t.verbose += [f'  FP {k:22} {p["path"]}:{line}' for line in sorted(got - want)]
                t.verbose += [f'  FN {k:22} {p["path"]}:{line}' for line in sorted(want - got)]
    return t


# ---- dynamic ---------------------------------------------------------------------------------
def binary_for(bin_dir, path):
    _, kind, name = path.split('/')
    return os.path.join(bin_dir, kind, os.path.splitext(name)[0])


def record_once(args, tmp, p, seed):
    trace = os.path.join(tmp, p['path'].replace('/', '_') + f'.{seed}.trace')
    cmd = [args.weft, 'run', '-o', trace]
    if seed:
        cmd.append(f'--chaos={seed}')
    code, _, err = run(cmd + ['--', binary_for(args.bin_dir, p['path'])], args.run_timeout)
    if not os.path.exists(trace):
        return None, f'weft run: {first_line(err)} (exit {code}, no trace written)'
    code, out, err = run([args.weft, 'report', trace, '--format=json'], args.run_timeout)
    try:
        return {f['kind'] for f in json.loads(out)['findings']}, None
    except (ValueError, KeyError, TypeError):
        return None, f'weft report: {first_line(err or out)} (exit {code})'


def record(args, tmp, p, chaos):
    """The finding kinds of one run, or under chaos the union over every seed (a bug that chaos
    exposes must show within a few seeds; a false positive under any seed counts)."""
    found = set()
    for seed in (args.chaos_seeds if chaos else [0]):
        kinds, why = record_once(args, tmp, p, seed)
        if kinds is None:
            return None, why
        found |= kinds
    return found, None


def score_dynamic(args, programs):
    t = Tally()
    t.verbose = [] if args.verbose else None
    by_path = {p['path']: p for p in programs}
    missing = [p['path'] for p in programs
               if not os.access(binary_for(args.bin_dir, p['path']), os.X_OK)]
    if missing:
        t.unavailable = f'{len(missing)} programs not built under {args.bin_dir} (e.g. {missing[0]})'
    with tempfile.TemporaryDirectory(prefix='weft-score-') as tmp:
        def one(p):
            pair = by_path.get(p['pair']) if p['pair'] else None
            chaos = p['chaos'] or bool(pair and pair['chaos'])
            return p, record(args, tmp, p, chaos)
        runnable = [p for p in programs if p['path'] not in missing]
        if runnable and not t.unavailable:
            # One program first: if the tool is unavailable, say so once and stop.
            p0, (found, why) = one(runnable[0])
            if found is None:
                t.unavailable = why
            else:
                t.add(set(p0['dynamic']), found, p0['path'])
                with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
                    for p, (found, why) in pool.map(one, runnable[1:]):
                        if found is None:
                            print(f'  {p["path"]}: {why}', file=sys.stderr)
                            found = set()
                        t.add(set(p['dynamic']), found, p['path'])
    if t.unavailable:
        for p in programs:
            t.add(set(p['dynamic']), set())
    return t


# ---- thresholds and output -------------------------------------------------------------------
def parse_threshold(spec, what):
    try:
        key, value = spec.rsplit('=', 1)
        value = float(value)
    except ValueError:
        fail_usage(f'--min-{what} wants [static:|dynamic:]KIND=X, got {spec!r}')
    modes = ['static', 'dynamic']
    if ':' in key:
        mode, key = key.split(':', 1)
        if mode not in modes:
            fail_usage(f'unknown mode {mode!r} in {spec!r}: use static: or dynamic:')
        modes = [mode]
    if key not in KINDS:
        fail_usage(f'unknown bug kind {key!r} in {spec!r}; kinds: {", ".join(KINDS)}')
    return [(m, key, what, value) for m in modes]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--weft', help='the weft binary (default BUILD_DIR/bin/weft)')
    ap.add_argument('--build-dir', default='build', help='build tree (compile_commands.json)')
    ap.add_argument('--bin-dir', help='corpus binaries (default BUILD_DIR/bin/corpus)')
    ap.add_argument('--manifest', help='default: corpus/manifest.json next to this script')
    ap.add_argument('--only', choices=['static', 'dynamic'])
    ap.add_argument('--thresholds', help='JSON: {"static"|"dynamic": {KIND: {"precision"|'
                    '"recall": X}}}')
    ap.add_argument('--min-recall', action='append', default=[], metavar='[MODE:]KIND=X')
    ap.add_argument('--min-precision', action='append', default=[], metavar='[MODE:]KIND=X')
    ap.add_argument('--chaos-seeds', default='1,2,3',
                    help='seeds for the programs the manifest marks "chaos" (comma-separated; '
                    'default 1,2,3: findings are united over the runs)')
    ap.add_argument('-j', '--jobs', type=int, default=2)
    ap.add_argument('--run-timeout', type=float, default=30.0)
    ap.add_argument('--lint-timeout', type=float, default=900.0)
    ap.add_argument('--json', help='also write the scores to this file')
    ap.add_argument('-v', '--verbose', action='store_true',
                    help='list every false positive (FP) and miss (FN) per program')
    args = ap.parse_args()
    args.chaos_seeds = parse_chaos_seeds(args.chaos_seeds, fail_usage)

    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    manifest_path = args.manifest or os.path.join(root, 'corpus', 'manifest.json')
    root = os.path.dirname(os.path.dirname(os.path.abspath(manifest_path)))
    args.build_dir = os.path.abspath(args.build_dir)
    args.weft = args.weft or os.path.join(args.build_dir, 'bin', 'weft')
    args.bin_dir = args.bin_dir or os.path.join(args.build_dir, 'bin', 'corpus')
    try:
        with open(manifest_path, encoding='utf-8') as f:
            programs = json.load(f)['programs']
    except (OSError, ValueError, KeyError) as e:
        fail_usage(f'cannot read manifest {manifest_path}: {e}')

    limits = []
    for spec in args.min_recall:
        limits += parse_threshold(spec, 'recall')
    for spec in args.min_precision:
        limits += parse_threshold(spec, 'precision')
    if args.thresholds:
        try:
            with open(args.thresholds, encoding='utf-8') as f:
                th = json.load(f)
            for mode, kinds in th.items():
                if mode not in ('static', 'dynamic'):
                    raise ValueError(f'unknown mode {mode!r}')
                for kind, vals in kinds.items():
                    if kind not in KINDS:
                        raise ValueError(f'unknown bug kind {kind!r}')
                    for what, v in vals.items():
                        if what not in ('precision', 'recall'):
                            raise ValueError(f'unknown score {what!r}')
                        limits.append((mode, kind, what, float(v)))
        except (OSError, ValueError, AttributeError) as e:
            fail_usage(f'bad thresholds file {args.thresholds}: {e}')

    tallies = {}
    if args.only != 'dynamic':
        tallies['static'] = score_static(args, root, programs)
    if args.only != 'static':
        tallies['dynamic'] = score_dynamic(args, programs)

    report, status = {}, 0
    fmt = lambda v: '  n/a' if v is None else f'{v:5.2f}'
    for mode, t in tallies.items():
        print(f'== {mode} (weft {"lint" if mode == "static" else "run"})'
              + (f': UNAVAILABLE, scored 0 ({t.unavailable})' if t.unavailable else ''))
        print(f'  {"kind":22} {"tp":>4} {"fp":>4} {"fn":>4} {"prec":>5} {"recall":>6}')
        report[mode] = {'unavailable': t.unavailable, 'kinds': {}}
        for k in KINDS:
            pr, rc = t.scores(k)
            if t.tp[k] + t.fp[k] + t.fn[k] == 0 and pr is None and rc is None:
                continue
            print(f'  {k:22} {t.tp[k]:4} {t.fp[k]:4} {t.fn[k]:4} {fmt(pr)} {fmt(rc):>6}')
            report[mode]['kinds'][k] = {'tp': t.tp[k], 'fp': t.fp[k], 'fn': t.fn[k],
                                        'precision': pr, 'recall': rc}
        for line in sorted(t.verbose or []):
            print(line)
    for mode, kind, what, want in limits:
        if mode not in tallies:
            continue
        pr, rc = tallies[mode].scores(kind)
        got = pr if what == 'precision' else rc
        if want > 0 and (got is None or got + 1e-9 < want):
            print(f'BELOW THRESHOLD: {mode} {kind} {what} {fmt(got).strip()} < {want}')
            status = 1
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump(report, f, indent=1)
    return status


if __name__ == '__main__':
    sys.exit(main())
