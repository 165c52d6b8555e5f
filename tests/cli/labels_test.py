#!/usr/bin/env python3
"""One finding, one wording: the live message of `weft run`, `weft report` (text and JSON),
`weft view` (the page's payload, the terminal timeline, Chrome JSON for Perfetto) name the same
threads and objects the same way, and say the same message.

usage: labels_test.py WEFT SOURCE INCLUDE_DIR

SOURCE is a C program that deadlocks (an ABBA on two global mutexes `a` and `b`, taken by threads
started at `first` and `second`): weft stops it and prints the finding live. It is built three
ways: with -g, without debug information, and stripped. Built either of the first two ways, the
mutexes are named by their variables and the threads by their start routines; stripped, by their
addresses and thread ids — alike everywhere in every case.
"""
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import zlib


def fail(msg):
    print(f'FAIL: {msg}', file=sys.stderr)
    sys.exit(1)


def run(*args, expect=None):
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if expect is not None and p.returncode not in expect:
        fail(f'{" ".join(args)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}')
    return p


def main():
    weft, source, include = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.TemporaryDirectory(prefix='weft-labels-') as d:
        for build in ('debug', 'plain', 'stripped'):
            prog = os.path.join(d, 'abba-' + build)
            flags = ['-g'] if build == 'debug' else ['-O1']
            # Without the corpus program's own 1 s deadline: on a loaded machine the live
            # message (symbolized by nm and addr2line) can take longer than that to appear; a
            # hang still ends at run()'s timeout.
            run('cc', *flags, '-pthread', '-I', include, '-DWEFT_CORPUS_DEADLINE_H',
                '-Dcorpus_deadline_ms(ms)=((void)0)', source, '-o', prog, expect=[0])
            if build == 'stripped':
                run('strip', prog, expect=[0])
            check(weft, prog, d, symbols=build != 'stripped', debug=build == 'debug')
            print(f'ok ({build})')
        # Locks on the heap have no variable: their address and where they were first used.
        src = os.path.join(d, 'heap.c')
        with open(src, 'w') as out:
            out.write(HEAP_ABBA)
        prog = os.path.join(d, 'heap')
        run('cc', '-g', '-pthread', src, '-o', prog, expect=[0])
        check(weft, prog, d, symbols=True, debug=True, heap=True)
        print('ok (heap)')
        # Locks that are members of a global array of structs: with debug information the member
        # path (DWARF), without it the symbol and the offset.
        src = os.path.join(d, 'members.c')
        with open(src, 'w') as out:
            out.write(MEMBER_ABBA)
        for build in ('debug', 'plain'):
            prog = os.path.join(d, 'members-' + build)
            run('cc', '-g' if build == 'debug' else '-O1', '-pthread', src, '-o', prog, expect=[0])
            check(weft, prog, d, symbols=True, debug=build == 'debug',
                  members=(["mutex 'accounts[1].mu'", "mutex 'accounts[2].mu'"]
                           if build == 'debug' else ["mutex 'accounts+104'", "mutex 'accounts+56'"]))
            print(f'ok (members, {build})')


# An ABBA over two mutexes inside calloc'ed structs (the first use of both is on line 12).
HEAP_ABBA = r"""#include <pthread.h>
#include <stdlib.h>
struct account { int balance; pthread_mutex_t mu; };
static struct account *x, *y;
static pthread_barrier_t both;
static void* first(void* p) {
  pthread_mutex_lock(&x->mu); pthread_barrier_wait(&both); pthread_mutex_lock(&y->mu); return p; }
static void* second(void* p) {
  pthread_mutex_lock(&y->mu); pthread_barrier_wait(&both); pthread_mutex_lock(&x->mu); return p; }
int main(void) {
  x = calloc(1, sizeof *x); y = calloc(1, sizeof *y);
  pthread_mutex_init(&x->mu, NULL); pthread_mutex_init(&y->mu, NULL);
  pthread_barrier_init(&both, NULL, 2);
  pthread_t a, b;
  pthread_create(&a, NULL, first, NULL); pthread_create(&b, NULL, second, NULL);
  pthread_join(a, NULL); pthread_join(b, NULL);
  return 0;
}
"""


# An ABBA over the mutex members of two elements of a global array of structs
# (sizeof(struct account) is 48 on x86-64: the members are 56 and 104 bytes into `accounts`).
MEMBER_ABBA = r"""#include <pthread.h>
struct account { long balance; pthread_mutex_t mu; };
struct account accounts[4] = {{0, PTHREAD_MUTEX_INITIALIZER}, {0, PTHREAD_MUTEX_INITIALIZER},
                              {0, PTHREAD_MUTEX_INITIALIZER}, {0, PTHREAD_MUTEX_INITIALIZER}};
static pthread_barrier_t both;
static void* first(void* p) {
  pthread_mutex_lock(&accounts[1].mu); pthread_barrier_wait(&both);
  pthread_mutex_lock(&accounts[2].mu); return p; }
static void* second(void* p) {
  pthread_mutex_lock(&accounts[2].mu); pthread_barrier_wait(&both);
  pthread_mutex_lock(&accounts[1].mu); return p; }
int main(void) {
  pthread_barrier_init(&both, NULL, 2);
  pthread_t a, b;
  pthread_create(&a, NULL, first, NULL); pthread_create(&b, NULL, second, NULL);
  pthread_join(a, NULL); pthread_join(b, NULL);
  return 0;
}
"""


def check(weft, prog, d, symbols, debug, heap=False, members=None):
    trace = os.path.join(d, 'run.trace')
    live = run(weft, 'run', '-o', trace, '--', prog, expect=[86]).stderr
    m = re.search(r'^weft: deadlock: (.*)$', live, re.M)
    if not m:
        fail(f'no live deadlock message:\n{live}')
    live_msg = m.group(1)
    # The live message is readable: with debug information, code sites are file:line, not
    # module+0xoffset.
    if debug and re.search(r'\+0x[0-9a-f]+', live_msg):
        fail(f'live message not symbolized: {live_msg}')

    report = json.loads(run(weft, 'report', trace, '--format=json', expect=[1]).stdout)
    deadlocks = [f for f in report['findings'] if f['kind'] == 'deadlock']
    if len(deadlocks) != 1:
        fail(f'{len(deadlocks)} deadlock findings in the report')
    f = deadlocks[0]
    if f['message'] != live_msg:
        fail(f'live and report JSON differ:\n  live:   {live_msg}\n  report: {f["message"]}')
    # Every label the message uses is the report's label of a thread or object it lists,
    # and the template refers to them by id.
    threads = {t['id']: t['label'] for t in report['threads']}
    # main and the two threads of the ABBA: weft's deadlock watchdog, which wrote the
    # finding, is not a thread of the program and is not listed.
    if len(threads) != 3 or 'main' not in threads.values():
        fail(f'threads listed: {sorted(threads.values())}')
    objects = {o['id']: o['label'] for o in report['objects']}
    refs = re.findall(r'\{(thread|object):(\d+)\}', f['template'])
    if not any(k == 'thread' for k, _ in refs) or not any(k == 'object' for k, _ in refs):
        fail(f'template without thread and object references: {f["template"]}')
    rendered = f['template']
    for kind, n in refs:
        label = (threads if kind == 'thread' else objects).get(int(n))
        if label is None:
            fail(f'{kind} {n} of the template is not in the report')
        rendered = rendered.replace('{%s:%s}' % (kind, n), label)
    if rendered != f['message']:
        fail(f'template rendered with the report labels differs:\n  {rendered}\n  {f["message"]}')
    for t in f['threads']:
        if threads[t] not in live_msg:
            fail(f'thread label {threads[t]!r} is not in the live message')
    # The two global mutexes are named by their variables (nm), the threads by their start
    # routines, live and in the report; stripped, by address and thread id.
    locks = sorted(objects[o] for o in f['objects'] if objects[o].startswith('mutex'))
    workers = sorted(threads[t] for t in f['threads'] if threads[t] != 'main')
    if members is not None:
        if locks != members:
            fail(f'the deadlock mutexes are {locks}, not {members}')
    elif heap:
        if len(locks) != 2 or not all(
                re.fullmatch(r"mutex '0x[0-9a-f]+' \(first used at heap\.c:12\)", x) for x in locks):
            fail(f'heap: the mutexes are {locks}, not address and first use')
    elif symbols:
        if locks != ["mutex 'a'", "mutex 'b'"]:
            fail(f'the deadlock mutexes are {locks}, not the variables a and b')
        if [w[w.find(' ('):] for w in workers] != [' (first)', ' (second)']:
            fail(f'the threads are {workers}, not named by first and second')
    else:
        if len(locks) != 2 or not all(re.fullmatch(r"mutex '0x[0-9a-f]+'", x) for x in locks):
            fail(f'stripped: the mutexes are {locks}, not addresses')
        if not all(re.fullmatch(r'thread \d+', w) for w in workers):
            fail(f'stripped: the threads are {workers}')
    for label in locks + workers:
        if label not in live_msg:
            fail(f'{label} is not in the live message')

    text = run(weft, 'report', trace, expect=[1]).stdout
    if live_msg not in text:
        fail(f'report text does not say the live message:\n{text}')
    listed = re.search(r'^    threads (.*)$', text[text.index(live_msg):], re.M).group(1)
    if listed.split(', ') != [threads[t] for t in f['threads']]:
        fail(f'report text threads line {listed!r} vs {[threads[t] for t in f["threads"]]}')

    view_text = run(weft, 'view', trace, '--format=text', expect=[0]).stdout
    if live_msg not in view_text:
        fail(f'weft view --format=text does not say the message:\n{view_text}')

    chrome = os.path.join(d, 'run.json')
    run(weft, 'view', trace, '--format=chrome-json', '-o', chrome, expect=[0])
    events = json.load(open(chrome))
    events = events['traceEvents'] if isinstance(events, dict) else events
    inst = [e for e in events if e.get('cat') == 'weft.finding' and e.get('name') == 'deadlock']
    if len(inst) != 1 or inst[0]['args']['message'] != live_msg:
        fail(f'chrome-json finding: {inst}')
    if inst[0]['args']['threads'] != [threads[t] for t in f['threads']]:
        fail(f'chrome-json threads {inst[0]["args"]["threads"]}')
    names = {e['args']['name'] for e in events
             if e.get('ph') == 'M' and e.get('name') == 'thread_name'}
    for t in f['threads']:
        if threads[t] not in names:
            fail(f'chrome-json has no thread track named {threads[t]!r}: {sorted(names)}')

    page = os.path.join(d, 'run.html')
    run(weft, 'view', trace, '-o', page, expect=[0])
    html = open(page, encoding='utf-8').read()
    blob = re.search(r'<script type="application/x-weft-trace" id="weft-trace">([^<]*)</script>',
                     html).group(1)
    payload = zlib.decompress(base64.b64decode(blob), -15)
    if live_msg.encode() not in payload:
        fail('the page payload does not carry the message')


if __name__ == '__main__':
    main()
