#!/usr/bin/env python3
"""`weft run` on programs built with -fsanitize=thread, without relinking them.

usage: tsan_run_test.py WEFT

g++ builds (libtsan.so, through TSan's report hook) and clang builds (its static runtime, through
TSan's report stream) alike: the program's locks and threads are recorded, every report
ThreadSanitizer prints is still printed and becomes a finding with the innermost user frame of
each access as its sites (also for sources in a folder named `tsan/`), weft's own bookkeeping draws
no report, and TSan's options (exitcode, halt_on_error) keep their meaning.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

RACY = r"""#include <mutex>
#include <thread>
#include <cstdio>
std::mutex mu, other;  // b works inside other: TSan names it among the race's mutexes
int counter = 0;  // guarded by mu
int hits = 0;     // RACE: bumped without mu (line 6)
void bump() { std::lock_guard g(mu); ++counter; }
void hit() { ++hits; }  // line 8
int main() {
  std::thread a([] { for (int i = 0; i < 500; ++i) { bump(); GUARD hit(); UNGUARD } });
  std::thread b([] { for (int i = 0; i < 500; ++i) { std::lock_guard o(other); bump(); GUARD hit(); UNGUARD } });
  a.join(); b.join();
  std::printf("%d %d\n", counter, hits);
}
"""


def fail(msg):
    print(f'FAIL: {msg}', file=sys.stderr)
    sys.exit(1)


def run(args, env=None, expect=None):
    p = subprocess.run(args, capture_output=True, text=True, timeout=180, env=env)
    if expect is not None and p.returncode not in expect:
        fail(f'{" ".join(args)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}')
    return p


def build(compiler, d, name, racy):
    src = os.path.join(d, name + '.cpp')
    text = RACY.replace('UNGUARD', '' if racy else '}') \
               .replace('GUARD', '' if racy else '{ std::lock_guard g(mu);')
    with open(src, 'w') as out:
        out.write(text)
    prog = os.path.join(d, name)
    run([compiler, '-std=c++20', '-g', '-O1', '-fsanitize=thread', src, '-o', prog], expect=[0])
    return prog


def record(weft, prog, d, tsan_options='', expect=None):
    trace = os.path.join(d, os.path.basename(prog) + '.trace')
    env = dict(os.environ)
    env['TSAN_OPTIONS'] = tsan_options
    p = run([weft, 'run', '-o', trace, '--', prog], env=env, expect=expect)
    report = json.loads(run([weft, 'report', trace, '--format=json']).stdout)
    return p, report


def check_compiler(weft, compiler, root, tag):
    d = os.path.join(root, tag, 'tsan')  # a user's folder named tsan/ keeps its sites
    os.makedirs(d)
    racy = build(compiler, d, 'racy', racy=True)
    p, report = record(weft, racy, d, expect=[66])  # TSan's exit status for a program with reports
    warnings = p.stderr.count('WARNING: ThreadSanitizer')
    if warnings != 1:
        fail(f'{tag}: {warnings} TSan reports (expected the one race; weft\'s own work must draw none):\n{p.stderr}')
    if 'SUMMARY: ThreadSanitizer: data race' not in p.stderr:
        fail(f'{tag}: TSan\'s report is not on stderr as usual:\n{p.stderr}')
    races = [f for f in report['findings'] if f['kind'] == 'data-race']
    if len(races) != 1:
        fail(f'{tag}: findings: {report["findings"]}')
    sites = races[0].get('sites', [])
    lines = sorted(s.get('line') for s in sites)
    files = {os.path.basename(s.get('file', '')) for s in sites}
    if lines != [8, 8] or files != {'racy.cpp'}:
        fail(f'{tag}: race sites {sites}: expected racy.cpp:8 twice')
    if 'of 4 bytes' not in races[0]['message']:
        fail(f'{tag}: TSan\'s wording lost: {races[0]["message"]}')
    # Both accesses' threads are the recorded workers, referenced in the message, not TSan's
    # numbers; the mutex held around one of them is the recorded object.
    labels = {t['id']: t['label'] for t in report['threads']}
    threads = races[0].get('threads', [])
    if len(set(threads)) != 2 or any(labels.get(t) in (None, 'main') for t in threads):
        fail(f'{tag}: the race should name the two workers: {threads} of {labels}')
    if 'TSan thread' in races[0]['message'] or "(TSan's T" not in races[0]['message']:
        fail(f'{tag}: an access is not tied to its recorded thread: {races[0]["message"]}')
    names = {o['id']: o.get('name') for o in report['objects']}
    if [names.get(o) for o in races[0].get('objects', [])] != ['other']:
        fail(f'{tag}: the race\'s mutexes {races[0].get("objects")} should be other: {races[0]["message"]}')
    text = run([weft, 'report', os.path.join(d, 'racy.trace')]).stdout
    m = re.search(r"^\s+mu\s+mutex\s+(\d+)", text, re.M)
    if not m or int(m.group(1)) < 1000:
        fail(f'{tag}: the mutex mu and its 1000 acquisitions are not recorded:\n{text}')
    if len(report['threads']) < 3:
        fail(f'{tag}: {len(report["threads"])} threads recorded, expected main and the two workers')
    print(f'ok ({tag} racy)')

    # TSan's options keep their meaning: its exit status, and halt_on_error stopping the
    # program after the first report, whose finding is in the trace.
    record(weft, racy, d, 'exitcode=3', expect=[3])
    print(f'ok ({tag} exitcode)')
    p, report = record(weft, racy, d, 'halt_on_error=1', expect=[66])
    if sum(f['kind'] == 'data-race' for f in report['findings']) != 1:
        fail(f'{tag}: halt_on_error: findings {report["findings"]}')
    print(f'ok ({tag} halt_on_error)')

    fixed = build(compiler, d, 'fixed', racy=False)
    p, report = record(weft, fixed, d, expect=[0])
    if 'ThreadSanitizer' in p.stderr or report['findings']:
        fail(f'{tag}: the correct program drew reports:\n{p.stderr}\n{report["findings"]}')
    print(f'ok ({tag} fixed)')


def main():
    weft = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix='weft-tsan-') as root:
        check_compiler(weft, 'g++', root, 'g++')
        clang = shutil.which('clang++-19') or shutil.which('clang++')
        if clang:
            check_compiler(weft, clang, root, 'clang')


if __name__ == '__main__':
    main()
