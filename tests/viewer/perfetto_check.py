#!/usr/bin/env python3
"""Checks a `weft view --format=perfetto` export of a recording against the Chrome JSON export
of the same trace, decoding it with protoc and the schema subset tests/viewer/perfetto_trace.proto.

  perfetto_check.py --proto DIR/perfetto_trace.proto --plain P --compressed C --chrome J
                    [--thread NAME]... [--finding KIND]...

  --plain       the export written with --compress=none (packets as they are)
  --compressed  the default export (packets in deflated bundles)
  --chrome      the --format=chrome-json export of the same trace

Checks: protoc decodes both files; the bundles inflate to exactly the plain packets; one sequence
whose first packet clears the incremental state and makes the incremental clock the default;
thread tracks named as the trace says; every slice begins and ends on its track in order; the
hold, blocked and waiting slices are those of the Chrome export (same threads, same times to the
nanosecond); as many flows as Chrome's, each begun once and terminated once, after it began (the
export begins a flow id at its source without knowing whether a target will take it; an id never
terminated draws nothing in Perfetto and is not counted); a counter track per contended lock that
never goes negative; the findings as instants on the "findings" track.
Exits 1 with a reason on the first failure.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import zlib


# A weft::aio task suspended on no object (a timer, a thread): writers.hpp's kTimerSuspension.
TIMER_SUSPENSION = 'suspended (timer or thread)'


def fail(msg):
    print('perfetto_check: ' + msg, file=sys.stderr)
    sys.exit(1)


# ---- protobuf text format (protoc --decode output) ------------------------------------------
SIMPLE_ESCAPES = {'n': b'\n', 't': b'\t', 'r': b'\r', '"': b'"', "'": b"'", '\\': b'\\'}


def unescape(s):
    """C-style escapes of protoc's text format (octal for non-ASCII bytes) -> str."""
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c != '\\':
            out += c.encode('utf-8')
            i += 1
            continue
        n = s[i + 1]
        if n in '01234567':
            j = i + 1
            while j < len(s) and j < i + 4 and s[j] in '01234567':
                j += 1
            out.append(int(s[i + 1:j], 8))
            i = j
        elif n == 'x':
            j = i + 2
            while j < len(s) and j < i + 4 and s[j] in '0123456789abcdefABCDEF':
                j += 1
            out.append(int(s[i + 2:j], 16))
            i = j
        else:
            out += SIMPLE_ESCAPES.get(n, n.encode())
            i += 2
    try:
        return out.decode('utf-8')
    except UnicodeDecodeError:
        return bytes(out)  # a bytes field (compressed_packets); string fields must be UTF-8


def parse_text(text):
    """Text format -> nested dicts of lists: {'packet': [{...}, ...]}."""
    root = collections.defaultdict(list)
    stack = [root]
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line == '}':
            stack.pop()
        elif line.endswith('{'):
            child = collections.defaultdict(list)
            stack[-1][line[:-1].strip()].append(child)
            stack.append(child)
        else:
            key, _, value = line.partition(': ')
            if value.startswith('"'):
                value = unescape(value[1:-1])
            elif value.lstrip('-').isdigit():
                value = int(value)
            elif value in ('true', 'false'):
                value = value == 'true'
            stack[-1][key].append(value)
    if len(stack) != 1:
        fail('unbalanced protoc output')
    return root


def one(msg, key, default=None):
    v = msg.get(key)
    return v[0] if v else default


def protoc_decode(proto, data):
    r = subprocess.run(['protoc', '--decode=perfetto.protos.Trace', '-I', os.path.dirname(proto),
                        os.path.basename(proto)], input=data, capture_output=True)
    if r.returncode != 0:
        fail('protoc --decode failed: ' + r.stderr.decode(errors='replace'))
    return r.stdout.decode('utf-8')


# ---- wire format, only to take the deflated bundles apart -----------------------------------
def varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7f) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def fields(b):
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(b, i)
        elif wire == 1:
            v, i = b[i:i + 8], i + 8
        elif wire == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        elif wire == 5:
            v, i = b[i:i + 4], i + 4
        else:
            fail('wire type %d' % wire)
        yield num, wire, v


def inflate_bundles(data):
    out = bytearray()
    bundles = 0
    for num, wire, packet in fields(data):
        if num != 1 or wire != 2:
            fail('top-level field %d is not Trace.packet' % num)
        inner = [v for n, w, v in fields(packet) if n == 50]
        if not inner:
            fail('the compressed export has a packet outside a bundle')
        if len(packet) >= 512 * 1024:
            fail('a bundle of %d bytes (the schema asks for < 512 KB)' % len(packet))
        out += zlib.decompress(inner[0])
        bundles += 1
    return bytes(out), bundles


# ---- the checks -----------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--proto', required=True)
    ap.add_argument('--plain', required=True)
    ap.add_argument('--compressed', required=True)
    ap.add_argument('--chrome', required=True)
    ap.add_argument('--thread', action='append', default=[])
    ap.add_argument('--finding', action='append', default=[])
    a = ap.parse_args()

    plain = open(a.plain, 'rb').read()
    packed = open(a.compressed, 'rb').read()
    text = protoc_decode(a.proto, plain)
    outer = parse_text(protoc_decode(a.proto, packed))
    if any(set(p.keys()) != {'compressed_packets'} for p in outer['packet']):
        fail('a top-level packet of the compressed export holds more than compressed_packets')
    inflated, bundles = inflate_bundles(packed)
    if inflated != plain:
        fail('the inflated bundles differ from the plain export')
    trace = parse_text(text)
    packets = trace['packet']
    print('perfetto_check: %s: %d packets, %d bytes plain, %d bytes in %d bundle(s)'
          % (os.path.basename(a.plain), len(packets), len(plain), len(packed), bundles))

    first = packets[0]
    if one(first, 'sequence_flags') != 1 or 'clock_snapshot' not in first:
        fail('the first packet does not clear the incremental state and set the clock')
    clocks = {one(c, 'clock_id'): c for c in one(first, 'clock_snapshot')['clocks']}
    if 64 not in clocks or not one(clocks[64], 'is_incremental') or 6 not in clocks:
        fail('no incremental clock 64 anchored to BOOTTIME in the clock snapshot')
    if one(one(first, 'trace_packet_defaults'), 'timestamp_clock_id') != 64:
        fail('the incremental clock is not the default timestamp clock')

    names, cats = {}, {}
    threads, parent, track_names, counters = {}, {}, {}, set()
    open_slices = collections.defaultdict(list)
    slices, instants = [], []
    counter_values = collections.defaultdict(list)
    began = set()
    now = 0
    for p in packets:
        if one(p, 'trusted_packet_sequence_id') != 1:
            fail('a packet outside sequence 1')
        for idata in p.get('interned_data', []):
            for e in idata.get('event_names', []):
                names[one(e, 'iid')] = one(e, 'name')
            for e in idata.get('event_categories', []):
                cats[one(e, 'iid')] = one(e, 'name')
        for td in p.get('track_descriptor', []):
            uuid = one(td, 'uuid')
            if 'parent_uuid' in td:
                parent[uuid] = one(td, 'parent_uuid')
            if 'thread' in td:
                threads[uuid] = one(one(td, 'thread'), 'thread_name')
            if 'name' in td:
                track_names[uuid] = one(td, 'name')
            if 'counter' in td:
                counters.add(uuid)
        if 'track_event' not in p:
            continue
        if one(p, 'sequence_flags') != 2:
            fail('a track event without SEQ_NEEDS_INCREMENTAL_STATE')
        now += one(p, 'timestamp')
        te = one(p, 'track_event')
        track = one(te, 'track_uuid')
        kind = one(te, 'type')
        name = names.get(one(te, 'name_iid'))
        ev = {'ts': now, 'track': track, 'name': name,
              'out': te.get('flow_ids', []), 'in': te.get('terminating_flow_ids', [])}
        began.update(ev['out'])
        if any(f not in began for f in ev['in']):  # trace_processor drops such a flow
            fail('a flow terminates before it begins (t=%d)' % now)
        for cu, cv in zip(te.get('extra_counter_track_uuids', []),
                          te.get('extra_counter_values', [])):
            if cu not in counters:
                fail('an extra counter value for track %d, not a counter track' % cu)
            counter_values[cu].append(cv)
        if kind == 'TYPE_SLICE_BEGIN':
            if not isinstance(name, str):
                fail('a slice begins without an interned name')
            open_slices[track].append(ev)
        elif kind == 'TYPE_SLICE_END':
            if not open_slices[track]:
                fail('a slice ends on track %d with none open (t=%d)' % (track, now))
            b = open_slices[track].pop()
            b['end'] = now
            b['out'] = b['out'] + ev['out']
            slices.append(b)
        elif kind == 'TYPE_INSTANT':
            instants.append(ev)
        elif kind == 'TYPE_COUNTER':
            if track not in counters:
                fail('a counter value on a track that is not a counter')
            counter_values[track].append(one(te, 'counter_value'))
        else:
            fail('unexpected event type ' + str(kind))
    if any(open_slices.values()):
        fail('slices left open at the end of the stream')

    def thread_of(track):
        return threads.get(track) or threads.get(parent.get(track))

    # Thread tracks.
    for n in a.thread:
        if n not in threads.values():
            fail('no thread track named %r (have %s)' % (n, sorted(threads.values())))

    # Slices against the Chrome export (threads by name, times in ns).
    chrome = json.load(open(a.chrome, encoding='utf-8'))['traceEvents']
    tname = {(e['pid'], e['tid']): e['args']['name'] for e in chrome if e.get('name') == 'thread_name'}
    ns = lambda us: int(round(us * 1000))
    want = collections.Counter()
    for e in chrome:
        who = tname.get((e.get('pid'), e.get('tid')))
        if e['ph'] == 'b' and e['cat'] == 'weft.lock':
            want[('hold', who, e['name'][5:], ns(e['ts']))] += 1
        elif e['ph'] == 'X' and e['cat'] in ('weft.blocked', 'weft.wait'):
            kind = 'blocked' if e['cat'] == 'weft.blocked' else 'wait'
            what = e['name'] if e['name'] == TIMER_SUSPENSION else \
                e['name'].split(' ', 2 if kind == 'blocked' else 1)[-1]
            want[(kind, who, what,
                  ns(e['ts']), ns(e['ts']) + ns(e['dur']))] += 1
    got = collections.Counter()
    holds = 0
    for s in slices:
        who = thread_of(s['track'])
        if s['name'].startswith('hold '):
            holds += 1
            if s['track'] in threads or not track_names.get(s['track'], '').startswith('locks held'):
                fail('a hold slice outside a "locks held" track')
            got[('hold', who, s['name'][5:], s['ts'])] += 1
        elif s['name'].startswith('blocked on '):
            got[('blocked', who, s['name'][11:], s['ts'], s['end'])] += 1
        elif s['name'].startswith('wait '):
            got[('wait', who, s['name'][5:], s['ts'], s['end'])] += 1
        elif s['name'] == TIMER_SUSPENSION:
            got[('wait', who, s['name'], s['ts'], s['end'])] += 1
        else:
            fail('unexpected slice %r' % s['name'])
    if got != want:
        fail('slices differ from the Chrome export: only in perfetto %s; only in chrome %s'
             % (list((got - want).items())[:5], list((want - got).items())[:5]))
    chrome_holds = sum(1 for e in chrome if e['ph'] == 'b' and e['cat'] == 'weft.lock')
    chrome_ends = sum(1 for e in chrome if e['ph'] == 'e' and e['cat'] == 'weft.lock')
    if holds != chrome_holds or holds != chrome_ends:
        fail('%d hold slices, chrome has %d begins and %d ends' % (holds, chrome_holds, chrome_ends))

    # Flows: as many as Chrome's arrows, each id begun once and terminated once. Ids begun and
    # never terminated (a release or notify no blocked thread took, a thread no one joined) are
    # no flow for trace_processor, which needs both ends: not counted.
    outs = collections.Counter(f for e in slices + instants for f in e['out'])
    ins = collections.Counter(f for e in slices + instants for f in e['in'])
    chrome_flows = sum(1 for e in chrome if e.get('flow_out'))
    if len(ins) != chrome_flows or not set(ins) <= set(outs) or any(
            n != 1 for n in list(outs.values()) + list(ins.values())):
        fail('flows: %d terminated (%d begun), chrome has %d'
             % (len(ins), len(outs), chrome_flows))
    unblock = sum(1 for s in slices if s['name'].startswith('hold ') and s['in'])

    # Contention counters: one per lock with a blocked slice, never below 0.
    blocked_locks = {k[2] for k in want if k[0] == 'blocked'}
    counter_names = {track_names[c] for c in counters}
    for lock in blocked_locks:
        if 'threads blocked on ' + lock not in counter_names:
            fail('no counter track for contended lock %r' % lock)
    if any(v < 0 for vals in counter_values.values() for v in vals):
        fail('a counter below 0')

    # Findings: instants on the global "findings" track, as Chrome's global instants.
    findings = sorted(i['name'] for i in instants
                      if track_names.get(i['track']) == 'findings' and i['track'] not in parent)
    chrome_findings = sorted(e['name'] for e in chrome if e['ph'] == 'i')
    if findings != chrome_findings:
        fail('findings %s, chrome has %s' % (findings, chrome_findings))
    for k in a.finding:
        if k not in findings:
            fail('no %r finding instant (have %s)' % (k, findings))

    print('perfetto_check: ok: %d threads, %d hold slices, %d blocked/waiting, %d flows '
          '(%d on hold slices; %d ids begun), %d counter tracks, findings %s'
          % (len(threads), holds, len(slices) - holds, len(ins), unblock, len(outs), len(counters),
             findings))


if __name__ == '__main__':
    main()
