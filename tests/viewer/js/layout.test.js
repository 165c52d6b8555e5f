// layout/derive.js and layout/lanes.js on models built here by hand (no C++ involved).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { loadViewer } = require('./load.js');
const W = loadViewer();
const EV = W.EV;

// A model in the shape decodePayload() returns. objects: [[kind, name]], events:
// [ts, thread, kindName, objIndex, arg] (arg: number, or [hi, lo]).
function model(threads, objects, events, findings = []) {
  const n = events.length;
  const ev = { n, ts: new Float64Array(n), thread: new Uint32Array(n), kind: new Uint8Array(n),
    obj: new Int32Array(n), argLo: new Uint32Array(n), argHi: new Uint32Array(n), site: new Int32Array(n).fill(-1) };
  events.forEach(([ts, th, k, o, arg = 0], i) => {
    ev.ts[i] = ts; ev.thread[i] = th; ev.kind[i] = EV[k]; ev.obj[i] = o;
    if (Array.isArray(arg)) { ev.argHi[i] = arg[0]; ev.argLo[i] = arg[1]; } else ev.argLo[i] = arg;
  });
  return {
    threads: threads.map((name, i) => ({ index: i, pid: 1, osTid: 100 + i, name, object: -1 })),
    objects: objects.map(([kind, name], i) => ({ index: i, id: i + 1, kind: W.OBJ_KINDS.indexOf(kind),
      kindName: kind, name, site: -1, pid: 1 })),
    sites: [], processes: [], findings, warnings: [], ev,
  };
}

function intervals(D, th, type) {
  const out = [];
  for (let i = 0; i < D.I.n; i++) {
    if (D.I.thread[i] === th && D.I.type[i] === type) out.push([D.I.t0[i], D.I.t1[i], D.I.obj[i]]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

test('hand-over-hand holds stack into rows without overlap; nested holds go one row down', () => {
  const m = model(['t'], [['lock', 'A'], ['lock', 'B'], ['lock', 'C']], [
    [0, 0, 'acquired', 0], [10, 0, 'acquired', 1], [20, 0, 'release', 0], [30, 0, 'acquired', 2],
    [40, 0, 'release', 1], [50, 0, 'release', 2]]);
  const D = W.derive(m);
  assert.deepStrictEqual(intervals(D, 0, W.T.holding), [[0, 20, 0], [10, 40, 1], [30, 50, 2]]);
  const rows = D.threads[0].holds.map((r) => Array.from(r).map((i) => D.I.obj[i]));
  assert.deepStrictEqual(rows, [[0, 2], [1]]);
  const L = W.layoutLanes(m, D, { filter: '' });
  assert.strictEqual(L.lanes.length, 1);
  const holdRows = L.lanes[0].rows.filter((r) => r.role === 'hold');
  assert.strictEqual(holdRows.length, 2);
  assert.ok(holdRows[1].y > holdRows[0].y);
});

test('condition wait: the lock shows free while waiting; notify arrow to the woken waiter', () => {
  const m = model(['consumer', 'producer'], [['lock', 'L'], ['condition', 'C']], [
    [0, 0, 'acquired', 0], [5, 0, 'waitBegin', 1, 0], [6, 0, 'release', 0],
    [10, 1, 'acquired', 0], [12, 1, 'notify', 1, [1, 1]], [14, 1, 'release', 0],
    [15, 0, 'waitEnd', 1, 0], [16, 0, 'acquired', 0], [20, 0, 'release', 0]]);
  const D = W.derive(m);
  assert.deepStrictEqual(intervals(D, 0, W.T.holding), [[0, 6, 0], [16, 20, 0]]);
  assert.deepStrictEqual(intervals(D, 0, W.T.waiting), [[5, 15, 1]]);
  assert.strictEqual(D.arrows.n, 1);
  assert.deepStrictEqual([D.arrows.t0[0], D.arrows.t1[0], D.arrows.from[0], D.arrows.to[0], D.arrows.kind[0]],
    [12, 15, 1, 0, W.A.notify]);
});

test('a timed-out wait draws no wake-up arrow; a notify before the wait began does not count', () => {
  const m = model(['a', 'b'], [['condition', 'C']], [
    [0, 1, 'notify', 0, [1, 0]], [5, 0, 'waitBegin', 0, 0], [9, 0, 'waitEnd', 0, 1],
    [10, 0, 'waitBegin', 0, 0], [20, 0, 'waitEnd', 0, 0]]);
  const D = W.derive(m);
  assert.strictEqual(D.arrows.n, 0);
});

test('contention: unblock arrow from the release; the hold is marked contended', () => {
  const m = model(['a', 'b'], [['lock', 'L']], [
    [0, 0, 'acquired', 0], [5, 1, 'acquireBegin', 0], [10, 0, 'release', 0], [11, 1, 'acquired', 0],
    [20, 1, 'release', 0]]);
  const D = W.derive(m);
  assert.deepStrictEqual(intervals(D, 1, W.T.blocked), [[5, 11, 0]]);
  assert.strictEqual(D.arrows.n, 1);
  assert.strictEqual(D.arrows.kind[0], W.A.unblock);
  const holdA = Array.from({ length: D.I.n }, (_, i) => i)
    .find((i) => D.I.type[i] === W.T.holding && D.I.thread[i] === 0);
  assert.strictEqual(D.contendedHold[holdA], 1);
  const st = W.rangeStats(m, D, 0, 20);
  assert.deepStrictEqual(st.map((s) => [s.obj, s.acquisitions, s.contended, s.waitNs, s.holdNs]),
    [[0, 2, 1, 6, 19]]);
});

test('deadlock finding: wait-for edges form the cycle; the range covers the holds', () => {
  const f = { index: 0, kind: 'deadlock', message: '', time: 100, count: 1, threads: [0, 1], objects: [0, 1], sites: [] };
  const m = model(['t1', 't2'], [['lock', 'A'], ['lock', 'B']], [
    [10, 0, 'acquired', 0], [20, 1, 'acquired', 1], [30, 0, 'acquireBegin', 1], [40, 1, 'acquireBegin', 0],
    [100, 0, 'finding', -1]], [f]);
  const D = W.derive(m);
  const edges = W.findingEdges(m, D, f).map((e) => [e.from, e.to, e.obj, e.cycle]);
  assert.deepStrictEqual(edges, [[0, 1, 1, true], [1, 0, 0, true]]);
  assert.strictEqual(W.edgeText(m, W.findingEdges(m, D, f)[0]), 't1 waits for B, held by t2');
  const [a, b] = W.findingRange(m, D, f);
  assert.ok(a <= 10 && b >= 100, `range ${a}..${b}`);
});

test('filter keeps matching threads and shows matching objects as lanes; processes get headers', () => {
  const m = model(['main', 'worker-1', 'worker-2'], [['lock', 'queue lock'], ['lock', 'other']], [
    [0, 1, 'acquired', 0], [5, 1, 'release', 0], [6, 2, 'acquired', 1], [7, 2, 'release', 1], [8, 0, 'acquired', 1]]);
  m.threads[2].pid = 2;
  const D = W.derive(m);
  const all = W.layoutLanes(m, D, { filter: '' }).lanes.map((l) => l.kind + ':' + l.label);
  assert.deepStrictEqual(all, ['process:process 1', 'thread:main', 'thread:worker-1', 'process:process 2', 'thread:worker-2']);
  const q = W.layoutLanes(m, D, { filter: 'QUEUE' }).lanes.map((l) => l.kind + ':' + l.label);
  assert.deepStrictEqual(q, ['objects:objects', 'object:queue lock']);
  const w = W.layoutLanes(m, D, { filter: 'worker', objectLanes: [1] });
  assert.deepStrictEqual(w.lanes.map((l) => l.label), ['process 1', 'worker-1', 'process 2', 'worker-2', 'objects', 'other']);
  // laneAt finds each lane by its y range.
  for (const l of w.lanes) assert.strictEqual(W.laneAt(w, l.y + l.h / 2), l);
  assert.strictEqual(W.laneAt(w, w.height + 5), null);
});

test('labels: unnamed main thread, unnamed threads by tid, thread objects by thread name', () => {
  const m = model(['', '', 'worker'], [['thread', ''], ['mutex', '']], []);
  m.threads[0].osTid = m.threads[0].pid;
  m.threads[1].osTid = 4242;
  m.threads[2].object = 0;
  assert.strictEqual(W.threadLabel(m, 0), 'main');
  assert.strictEqual(W.threadLabel(m, 1), 'thread 4242');
  assert.strictEqual(W.objectLabel(m, 0), 'thread worker');
  assert.strictEqual(W.objectLabel(m, 1), 'mutex #2');
});

test('a deadlock found after the last event: open intervals last until the finding', () => {
  const m = model(['t1', 't2'], [['lock', 'A'], ['lock', 'B']], [
    [0, 0, 'acquired', 0], [10, 1, 'acquired', 1], [20, 0, 'acquireBegin', 1],
    [30, 1, 'acquireBegin', 0]],
  [{ kind: 'deadlock', message: 'x', time: 5000, count: 1, threads: [0, 1], objects: [0, 1], sites: [] }]);
  const D = W.derive(m);
  assert.strictEqual(D.tMax, 5000);
  assert.deepStrictEqual(intervals(D, 0, W.T.blocked), [[20, 5000, 1]]);
  assert.deepStrictEqual(intervals(D, 1, W.T.holding), [[10, 5000, 1]]);
  const edges = W.findingEdges(m, D, m.findings[0]).map((e) => [e.from, e.obj, e.to]);
  assert.deepStrictEqual(edges, [[0, 1, 1], [1, 0, 0]]);
  // A finding time far off (another clock) is ignored.
  m.findings[0].time = 1e15;
  assert.strictEqual(W.derive(m).tMax, 30);
});

test('a join in a deadlock points at the joined thread, off the cycle', () => {
  // main joins t1; t1 and t2 deadlock on A and B.
  const m = model(['main', 't1', 't2'], [['lock', 'A'], ['lock', 'B'], ['thread', 't1']], [
    [0, 0, 'create', 2], [5, 1, 'threadStart', 2], [10, 1, 'acquired', 0], [20, 2, 'acquired', 1],
    [25, 0, 'joinBegin', 2], [30, 1, 'acquireBegin', 1], [40, 2, 'acquireBegin', 0]],
  [{ kind: 'deadlock', message: '', time: 60, count: 1, threads: [1, 2, 0], objects: [], sites: [] }]);
  m.threads[1].object = 2;
  const D = W.derive(m);
  const edges = W.findingEdges(m, D, m.findings[0]);
  assert.deepStrictEqual(edges.map((e) => [e.from, e.to, e.obj, e.join, e.cycle]),
    [[1, 2, 1, false, true], [2, 1, 0, false, true], [0, 1, 2, true, false]]);
  assert.strictEqual(W.edgeText(m, edges[2]), 'main waits for t1 to end (join)');
});

test('bar labels say what a bar is about: wanted lock and holder, join, the held lock', () => {
  // t2 blocks on A (held by t1) and gets it when t1 releases; then t1 and t2 deadlock; main joins.
  const m = model(['t1', 't2', 'main'], [['lock', 'A'], ['lock', 'B'], ['thread', 't1']], [
    [0, 0, 'acquired', 0], [5, 1, 'acquireBegin', 0], [10, 0, 'release', 0], [11, 1, 'acquired', 0],
    [12, 1, 'release', 0], [20, 0, 'acquired', 0], [21, 1, 'acquired', 1], [25, 2, 'joinBegin', 2],
    [30, 0, 'acquireBegin', 1], [31, 1, 'acquireBegin', 0]]);
  const D = W.derive(m);
  const label = (th, type, t0) => {
    for (let i = 0; i < D.I.n; i++) {
      if (D.I.thread[i] === th && D.I.type[i] === type && D.I.t0[i] === t0) return W.barLabel(m, D, i, 'state');
    }
    return null;
  };
  assert.strictEqual(label(1, W.T.blocked, 5), 'wants A, freed by t1');
  assert.strictEqual(label(0, W.T.blocked, 30), 'wants B, held by t2');
  assert.strictEqual(label(1, W.T.blocked, 31), 'wants A, held by t1');
  assert.strictEqual(label(2, W.T.waiting, 25), 'join t1');
  assert.strictEqual(label(0, W.T.holding, 20), 'A');
});

test('packRows: no intervals, no rows; in-order intervals that never overlap, one row', () => {
  const t0 = new Float64Array([0, 10, 20, 25]), t1 = new Float64Array([5, 20, 30, 26]);
  assert.deepStrictEqual(W.packRows(new Int32Array(0), t0, t1), []);
  assert.deepStrictEqual(W.packRows([], t0, t1), []);
  assert.deepStrictEqual(W.packRows(new Int32Array([0, 1]), t0, t1).map((r) => Array.from(r)), [[0, 1]]);
  assert.deepStrictEqual(W.packRows(new Int32Array([0, 1, 2, 3]), t0, t1).map((r) => Array.from(r)), [[0, 1, 2], [3]]);
  assert.deepStrictEqual(W.packRows([3, 1, 0], t0, t1).map((r) => Array.from(r)), [[0, 1, 3]]);
});

test('gallop: the first position of a sorted array at or past a value, from any start', () => {
  let seed = 7;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let k = 0; k < 3000; k++) {
    const n = rnd(40);
    const arr = Float64Array.from({ length: n }, () => rnd(20)).sort();
    const v = rnd(22) - 1, lo = rnd(n + 1), hi = lo + rnd(n - lo + 1), from = rnd(n + 4) - 2;
    for (const strict of [false, true]) {
      let a = lo, b = hi;
      while (a < b) { const mid = (a + b) >> 1; if (strict ? arr[mid] > v : arr[mid] >= v) b = mid; else a = mid + 1; }
      assert.strictEqual(W.gallop(arr, lo, hi, from, v, strict), a, JSON.stringify({ arr: Array.from(arr), v, lo, hi, from, strict }));
    }
  }
});
