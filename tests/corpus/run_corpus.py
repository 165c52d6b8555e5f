#!/usr/bin/env python3
"""Runs every corpus program and checks its exit status against the manifest's expect_exit.

usage: run_corpus.py --manifest corpus/manifest.json --bin-dir build/bin/corpus [-j N] [-k REGEX]

A program's binary is BIN_DIR/<kind>/<name> for corpus/<kind>/<name>.{cpp,c}. A death by
signal S counts as exit 128+S, as in a shell. Every program must end within --timeout seconds
(deadlocking ones end themselves with exit 86 well before that). Exit 0 when every program
matched, 1 otherwise, 2 on bad usage.
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time


def binary_for(bin_dir, path):
    parts = path.split('/')
    if len(parts) != 3 or parts[0] != 'corpus':
        raise ValueError(f'unexpected program path {path!r}')
    return os.path.join(bin_dir, parts[1], os.path.splitext(parts[2])[0])


def run_one(binary, timeout):
    start = time.monotonic()
    try:
        p = subprocess.run([binary], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - start, 'timed out'
    code = p.returncode if p.returncode >= 0 else 128 - p.returncode
    return code, time.monotonic() - start, p.stderr.decode('utf-8', 'replace')[-400:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--manifest', required=True)
    ap.add_argument('--bin-dir', required=True)
    ap.add_argument('-j', type=int, default=8, help='programs run at once (most just sleep)')
    ap.add_argument('-k', default='', help='only programs whose path matches this regex')
    ap.add_argument('--timeout', type=float, default=20.0)
    args = ap.parse_args()
    try:
        with open(args.manifest, encoding='utf-8') as f:
            programs = json.load(f)['programs']
    except (OSError, ValueError, KeyError) as e:
        print(f'run_corpus: cannot read manifest {args.manifest}: {e}', file=sys.stderr)
        return 2
    programs = [p for p in programs if re.search(args.k, p['path'])]
    failures = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as pool:
        jobs = {}
        for p in programs:
            b = binary_for(args.bin_dir, p['path'])
            if not os.access(b, os.X_OK):
                failures.append(f'{p["path"]}: binary {b} not built')
                continue
            jobs[pool.submit(run_one, b, args.timeout)] = p
        for fut in concurrent.futures.as_completed(jobs):
            p = jobs[fut]
            code, secs, err = fut.result()
            if code != p['expect_exit']:
                failures.append(f'{p["path"]}: exit {code}, expected {p["expect_exit"]} '
                                f'({secs:.2f}s) {err.strip()}')
    for f in sorted(failures):
        print('FAIL', f)
    print(f'{len(programs) - len(failures)}/{len(programs)} programs exited as expected')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
