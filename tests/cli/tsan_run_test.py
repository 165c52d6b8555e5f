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


# Two mutexes taken in both orders, one thread after the other: no deadlock, but TSan's
# lock-order graph has the cycle. weft must not hide it from TSan (its interposer runs before
# libtsan's interceptors with g++: a lock it tried first would be a try-lock to TSan).
ABBA = r"""#include <mutex>
#include <thread>
std::mutex a, b;
void ab() { std::lock_guard x(a); std::lock_guard y(b); }
void ba() { std::lock_guard y(b); std::lock_guard x(a); }
int main() {
  std::thread(ab).join();
  std::thread(ba).join();
}
"""


# A correct hand-off through a condition variable: TSan must see the wait release and retake
# the mutex (weft's interposer calls libtsan's pthread_cond_wait, not libc's behind it), or it
# reports false races on the guarded queue.
HANDOFF = r"""#include <condition_variable>
#include <mutex>
#include <thread>
#include <deque>
std::mutex mu;
std::condition_variable cv;
std::deque<int> q;  // guarded by mu
int main() {
  std::thread consumer([] {
    for (int got = 0; got < 200;) {
      std::unique_lock l(mu);
      while (q.empty()) cv.wait(l);
      q.pop_front();
      ++got;
    }
  });
  for (int i = 0; i < 200; ++i) {
    { std::lock_guard g(mu); q.push_back(i); }
    cv.notify_one();
  }
  consumer.join();
}
"""


# The same in C: linked against libtsan.so, its references to the condition functions carry no
# version, and so bind to the oldest of the interposer's (GLIBC_2.2.5), which must reach
# libtsan's interceptor all the same.
HANDOFF_C = r"""#include <pthread.h>
pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
int queued;  /* guarded by mu */
static void* consumer(void* arg) {
  for (int got = 0; got < 200; ++got) {
    pthread_mutex_lock(&mu);
    while (queued == 0) pthread_cond_wait(&cv, &mu);
    --queued;
    pthread_mutex_unlock(&mu);
  }
  return arg;
}
int main(void) {
  pthread_t t;
  pthread_create(&t, 0, consumer, 0);
  for (int i = 0; i < 200; ++i) {
    pthread_mutex_lock(&mu);
    ++queued;
    pthread_mutex_unlock(&mu);
    pthread_cond_signal(&cv);
  }
  pthread_join(t, 0);
  return 0;
}
"""


# A wait nobody will ever end (the only other thread has finished): weft stops it as a deadlock,
# TSan's own background thread (sleeping and waking forever, unknown to weft) notwithstanding.
STUCK = r"""#include <condition_variable>
#include <mutex>
#include <thread>
std::mutex mu;
std::condition_variable cv;
bool ready = false;  // never set
int main() {
  std::thread([] {}).join();
  std::unique_lock l(mu);
  while (!ready) cv.wait(l);
}
"""


# A spin lock taken again by its holder: with libtsan behind the interposer weft cannot try it
# first, so it reads the lock word (glibc's x86 spin lock is 1 when free, 0 when held).
SPIN = r"""#define _GNU_SOURCE
#include <pthread.h>
pthread_spinlock_t s;
int main(void) {
  pthread_spin_init(&s, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_lock(&s);
  pthread_spin_lock(&s);  /* spins forever */
  return 0;
}
"""


# A race that TSan finds inside its own interceptors: the signal reads the condition variable,
# the destroy writes it, ordered only by a sleep. With g++ the interposer calls libtsan's
# interceptor itself, so both accesses must still be sited at the program's lines (5 and 12),
# not at the interposer or at __libc_start_call_main.
COND_DESTROY_RACE = r"""#define _DEFAULT_SOURCE
#include <pthread.h>
#include <unistd.h>
pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static void* signaller(void* arg) { pthread_cond_signal(&cv); return arg; }
int main(void) {
  pthread_t t;
  pthread_create(&t, 0, signaller, 0);
  usleep(100000);
  /* no join before the destroy: TSan sees the signal's read of cv and this write unordered */
  /* (the sleep is no synchronisation) */
  pthread_cond_destroy(&cv);
  pthread_join(t, 0);
  return 0;
}
"""


# A std::latch whose last count never comes: the main thread sleeps for good in a futex wait
# weft does not record (libstdc++'s atomic wait). Under TSan too it is a deadlock: TSan's own
# futex waits (which end by themselves) are told apart from the program's.
STUCK_LATCH = r"""#include <latch>
#include <thread>
int main() {
  std::latch done(2);
  std::thread([&] { done.count_down(); }).join();
  done.wait();  // one count never comes
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


def build_text(compiler, d, name, text):
    """Writes `text` to d/name (.c or .cpp) and builds it with -fsanitize=thread (a .c file with
    the C compiler that goes with `compiler`); returns the program's path."""
    src = os.path.join(d, name)
    with open(src, 'w') as out:
        out.write(text)
    prog, ext = os.path.splitext(src)
    if ext == '.c':
        cmd = [compiler.replace('clang++', 'clang').replace('g++', 'gcc'), '-std=c17', '-pthread']
    else:
        cmd = [compiler, '-std=c++20']
    run(cmd + ['-g', '-O1', '-fsanitize=thread', src, '-o', prog], expect=[0])
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

    abba = build_text(compiler, d, 'abba.cpp', ABBA)
    p, report = record(weft, abba, d, expect=[66])
    names = {o['id']: o.get('name') for o in report['objects']}
    tsan_lo = [f for f in report['findings'] if f['kind'] == 'lock-order-inversion'
               and f['message'].startswith('ThreadSanitizer:')]
    own_lo = [f for f in report['findings'] if f['kind'] == 'lock-order-inversion'
              and not f['message'].startswith('ThreadSanitizer:')]
    if len(tsan_lo) != 1 or sorted(names.get(o) for o in tsan_lo[0]['objects']) != ['a', 'b']:
        fail(f'{tag}: TSan\'s lock-order-inversion on a and b is not a finding: {report["findings"]}\n{p.stderr}')
    if not own_lo:
        fail(f'{tag}: weft\'s own lock-order-inversion is missing: {report["findings"]}')
    # Its sites are the program's lock calls (lines 4 and 5), not TSan's interceptor (clang:
    # it calls the interposer) nor libstdc++'s inline gthr-default.h.
    own_sites = {(os.path.basename(s.get('file', '')), s.get('line')) for s in own_lo[0]['sites']}
    if own_sites != {('abba.cpp', 4), ('abba.cpp', 5)}:
        fail(f'{tag}: weft\'s lock-order-inversion is sited at {own_sites}, expected abba.cpp:4 and :5')
    print(f'ok ({tag} lock order)')

    handoff = build_text(compiler, d, 'handoff.cpp', HANDOFF)
    p, report = record(weft, handoff, d, expect=[0])
    if 'ThreadSanitizer' in p.stderr or report['findings']:
        fail(f'{tag}: a correct condition-variable hand-off drew reports:\n{p.stderr}\n{report["findings"]}')
    print(f'ok ({tag} condition variable)')
    p, report = record(weft, build_text(compiler, d, 'handoff_c.c', HANDOFF_C), d, expect=[0])
    if 'ThreadSanitizer' in p.stderr or report['findings']:
        fail(f'{tag}: a correct C condition-variable hand-off drew reports:\n{p.stderr}\n{report["findings"]}')
    print(f'ok ({tag} C condition variable)')

    p, report = record(weft, build_text(compiler, d, 'cond_destroy.c', COND_DESTROY_RACE), d,
                       expect=[66])
    races = [f for f in report['findings'] if f['kind'] == 'data-race']
    sites = sorted((os.path.basename(s.get('file', '')), s.get('line'))
                   for f in races for s in f.get('sites', []))
    if len(races) != 1 or sites != [('cond_destroy.c', 5), ('cond_destroy.c', 12)]:
        fail(f'{tag}: the race inside TSan\'s condvar interceptors should be sited at lines 5 and 12: '
             f'{races}\n{p.stderr}')
    print(f'ok ({tag} race in an interceptor)')

    stuck = build_text(compiler, d, 'stuck.cpp', STUCK)
    # weft stops it with exit status 86, TSan's _exit interceptor (which would finalize, and
    # could substitute its own exitcode) bypassed.
    p, report = record(weft, stuck, d, expect=[86])
    if not any(f['kind'] == 'deadlock' for f in report['findings']):
        fail(f'{tag}: the stuck wait is not reported as a deadlock: {report["findings"]}\n{p.stderr}')
    print(f'ok ({tag} stuck wait)')
    p, report = record(weft, build_text(compiler, d, 'latch.cpp', STUCK_LATCH), d, expect=[86])
    if not any(f['kind'] == 'deadlock' for f in report['findings']):
        fail(f'{tag}: a std::latch waited on for good is not reported as a deadlock: {report["findings"]}\n{p.stderr}')
    print(f'ok ({tag} stuck latch)')
    p, report = record(weft, build_text(compiler, d, 'spin.c', SPIN), d, expect=[86])
    if not any(f['kind'] == 'lock-reentry' for f in report['findings']):
        fail(f'{tag}: the spin lock taken twice is not a lock-reentry: {report["findings"]}\n{p.stderr}')
    print(f'ok ({tag} spin relock)')

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
