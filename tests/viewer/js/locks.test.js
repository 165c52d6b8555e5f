// The Locks panel's numbers (layout/derive.js lockStats) and the source snippets of the payload
// (model/decode.js: version 2, snippetFor), on traces with known waits.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { loadViewer, fixture } = require('./load.js');
const W = loadViewer();

const byName = (m, stats) => Object.fromEntries(stats.map((s) => [W.objectLabel(m, s.obj), s]));

test('basic trace (tests/viewer/synthetic.hpp): lock A and lock B, waits and holds to the ns', async () => {
  const m = await W.loadPayload(fixture('basic.payload'));
  const D = W.derive(m);
  const stats = W.lockStats(m, D);
  // Sorted by time blocked: A (600 + 1400), B (1500), then the queue lock nobody blocked on.
  assert.deepStrictEqual(stats.map((s) => W.objectLabel(m, s.obj)), ['lock A', 'lock B', 'queue lock']);
  const s = byName(m, stats);
  const strip = ({ obj, ...rest }) => rest;
  // lock A: worker-1 holds 5000-6000 while worker-2 blocks 5500-6100, then holds 6100-6500 (a
  // contended hold); worker-1 holds it again from 7000 to the end (9000) while worker-2 blocks
  // on it from 7600 (the deadlock).
  assert.deepStrictEqual(strip(s['lock A']), { acquisitions: 3, contended: 1, blocks: 2, blockedNs: 600 + 1400,
    maxWaitNs: 1400, holdNs: 1000 + 400 + 2000, maxHoldNs: 2000 });
  // lock B: worker-2 holds it from 7100, worker-1 blocks on it from 7500, both to the end.
  assert.deepStrictEqual(strip(s['lock B']), { acquisitions: 1, contended: 0, blocks: 1, blockedNs: 1500,
    maxWaitNs: 1500, holdNs: 1900, maxHoldNs: 1900 });
  // The queue lock: three holds (110, 200, 190 ns), the condition wait releases it meanwhile.
  assert.deepStrictEqual(strip(s['queue lock']), { acquisitions: 3, contended: 0, blocks: 0, blockedNs: 0,
    maxWaitNs: 0, holdNs: 500, maxHoldNs: 200 });
  // Objects only waited on (the condition, the event, threads joined) are not locks.
  assert.ok(!('not_empty' in s));
});

function model(objects, events) {
  const n = events.length;
  const ev = { n, ts: new Float64Array(n), thread: new Uint32Array(n), kind: new Uint8Array(n),
    obj: new Int32Array(n), argLo: new Uint32Array(n), argHi: new Uint32Array(n), site: new Int32Array(n).fill(-1) };
  events.forEach(([ts, th, k, o, arg = 0], i) => {
    ev.ts[i] = ts; ev.thread[i] = th; ev.kind[i] = W.EV[k]; ev.obj[i] = o; ev.argLo[i] = arg;
  });
  return {
    threads: [0, 1, 2].map((i) => ({ index: i, pid: 1, osTid: 10 + i, name: 't' + i, object: -1 })),
    objects: objects.map(([kind, name], i) => ({ index: i, id: i + 1, kind: W.OBJ_KINDS.indexOf(kind),
      kindName: kind, name, site: -1, pid: 1 })),
    sites: [], processes: [], findings: [], warnings: [], ev,
  };
}

test('a failed timed acquisition is a block but not a contended hold; recursive levels count', () => {
  const m = model([['mutex', 'M'], ['recursive-mutex', 'R']], [
    [0, 0, 'acquired', 0], [10, 1, 'acquireBegin', 0], [30, 1, 'acquireFailed', 0, 1],
    [40, 2, 'acquireBegin', 0], [50, 0, 'release', 0], [55, 2, 'acquired', 0], [60, 2, 'release', 0],
    [70, 1, 'acquired', 1], [71, 1, 'acquired', 1], [72, 1, 'release', 1, 1], [80, 1, 'release', 1, 0]]);
  const D = W.derive(m);
  const s = byName(m, W.lockStats(m, D));
  assert.deepStrictEqual([s.M.acquisitions, s.M.contended, s.M.blocks, s.M.blockedNs, s.M.maxWaitNs],
    [2, 1, 2, 20 + 15, 20]);
  assert.deepStrictEqual([s.M.holdNs, s.M.maxHoldNs], [50 + 5, 50]);
  // R: two acquisitions (as weft report counts them), one hold of 10 ns.
  assert.deepStrictEqual([s.R.acquisitions, s.R.blocks, s.R.holdNs], [2, 0, 10]);
});

test('snippetFor: the lines around a site from the embedded blocks, clipped to the block', () => {
  const m = { sites: [{ file: 'a.c', line: 12, column: 1, fn: 'f' }, { file: 'a.c', line: 30, column: 1, fn: 'g' },
    { file: 'b.c', line: 2, column: 1, fn: '' }, { file: 'c.c', line: 5, column: 1, fn: '' }],
  snippets: [{ file: 'a.c', first: 10, lines: ['l10', 'l11', 'l12', 'l13', 'l14'] },
    { file: 'a.c', first: 29, lines: ['l29', 'l30'] }, { file: 'b.c', first: 1, lines: ['b1', 'b2', 'b3', 'b4'] }] };
  assert.deepStrictEqual(W.snippetFor(m, 0), { file: 'a.c', line: 12,
    lines: [{ no: 10, text: 'l10' }, { no: 11, text: 'l11' }, { no: 12, text: 'l12' }, { no: 13, text: 'l13' }, { no: 14, text: 'l14' }] });
  assert.deepStrictEqual(W.snippetFor(m, 1).lines.map((l) => l.no), [29, 30]);
  assert.deepStrictEqual(W.snippetFor(m, 2).lines.map((l) => l.text), ['b1', 'b2', 'b3', 'b4']);
  assert.strictEqual(W.snippetFor(m, 3), null);  // no block for c.c
  assert.strictEqual(W.snippetFor(m, 9), null);
  assert.strictEqual(W.snippetFor({ sites: m.sites, snippets: [] }, 0), null);
});

test('payload versions 5, 4 and 3 are read, versions 2 (no flight-recorder fields) and 1 (no snippets either) still are, a later one is refused', async () => {
  const b5 = await W.inflateRaw(W.base64ToBytes(fixture('basic.payload')));
  assert.strictEqual(b5[4], 5);  // what `weft view` writes: the derived intervals, no events
  const m5 = W.decodePayload(b5);
  assert.strictEqual(m5.ev, null);
  assert.ok(m5.derived.I.n > 0);
  assert.ok(m5.threads.every((t) => t.parent === -1 && t.task === -1));  // no task lanes
  const v6 = b5.slice();
  v6[4] = 6;
  assert.throws(() => W.decodePayload(v6), /unsupported payload version 6/);
  const bytes = await W.inflateRaw(W.base64ToBytes(fixture('basic.v3.payload')));
  assert.strictEqual(bytes[4], 3);
  const m3 = W.decodePayload(bytes);
  assert.strictEqual(m3.overwritten, 0);  // recorded without --keep-last
  assert.strictEqual(m3.windowStart, 0);
  // The last two varints are the overwritten count and the window start.
  const ring = bytes.slice();
  ring[ring.length - 2] = 5;
  ring[ring.length - 1] = 7;
  const mr = W.decodePayload(ring);
  assert.strictEqual(mr.overwritten, 5);
  assert.strictEqual(mr.windowStart, 7);
  // Version 2 = version 3 without those two (0 and 0, a byte each).
  const v2 = bytes.slice(0, bytes.length - 2);
  v2[4] = 2;
  const m2 = W.decodePayload(v2);
  assert.deepStrictEqual(m2.snippets, []);  // the fixture's sites name files that are not there
  assert.strictEqual(m2.overwritten, 0);
  // Version 1 = version 2 without the trailing snippet count (0, one byte).
  const v1 = bytes.slice(0, bytes.length - 3);
  v1[4] = 1;
  const m1 = W.decodePayload(v1);
  assert.deepStrictEqual(m1.snippets, []);
  assert.strictEqual(m1.ev.n, m3.ev.n);
  assert.deepStrictEqual(m1.findings, m3.findings);
  assert.strictEqual(m5.nEvents, m3.ev.n);
  assert.deepStrictEqual(m5.findings, m3.findings);
});

test('objects of one name in two processes (a fork child\'s copies): labels name the process', () => {
  const obj = (index, name, pid) => ({ index, id: index + 1, kind: 1, kindName: 'mutex', name, site: -1, pid });
  const m = { processes: [{ pid: 10 }, { pid: 11 }], threads: [],
    objects: [obj(0, 'm', 10), obj(1, 'm', 11), obj(2, 'only-child', 11), obj(3, '', 11)] };
  assert.deepStrictEqual([0, 1, 2, 3].map((i) => W.objectLabel(m, i)),
    ['m (pid 10)', 'm (pid 11)', 'only-child', 'mutex #4']);
  // One process: names stay as they are.
  const one = { processes: [{ pid: 10 }], threads: [], objects: [obj(0, 'm', 10), obj(1, 'm', 10)] };
  assert.deepStrictEqual([0, 1].map((i) => W.objectLabel(one, i)), ['m', 'm']);
});
