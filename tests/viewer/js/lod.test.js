// layout/lod.js: the number of rectangles per frame is bounded by the width, not the event count.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { loadViewer } = require('./load.js');
const W = loadViewer();

function row(n, step, len) {
  const t0 = new Float64Array(n), t1 = new Float64Array(n);
  for (let i = 0; i < n; i++) { t0[i] = i * step; t1[i] = i * step + len; }
  return { idx: Int32Array.from({ length: n }, (_, i) => i), t0, t1 };
}

test('one million sub-pixel intervals in 1000 px: at most ~1 rectangle per pixel', () => {
  const r = row(1000000, 10, 5);
  const rects = [];
  const n = W.visibleRuns(r.idx, r.t0, r.t1, 0, 10000, 1000, (i, x0, x1, merged) => rects.push([i, x0, x1, merged]));
  assert.ok(n <= 1001, 'rects: ' + n);
  assert.ok(n >= 999, 'every pixel column has activity: ' + n);
  assert.ok(rects.every((q) => q[3]), 'each pixel stands for several intervals');
  for (let k = 1; k < rects.length; k++) assert.ok(rects[k][1] > rects[k - 1][1], 'left to right, no repeats');
});

test('wide intervals are drawn exactly; only the visible ones', () => {
  const r = row(100, 100, 50);
  const rects = [];
  W.visibleRuns(r.idx, r.t0, r.t1, 1000, 1, 450, (i, x0, x1, merged) => rects.push([i, x0, x1, merged]));
  // View [1000, 1450]: intervals 10..14 start inside it.
  assert.deepStrictEqual(rects.map((q) => q[0]), [10, 11, 12, 13, 14]);
  assert.deepStrictEqual(rects[0].slice(1), [0, 50, false]);
  assert.deepStrictEqual(rects[1].slice(1), [100, 150, false]);
});

test('an interval starting before the view and ending inside it is drawn', () => {
  const r = row(3, 1000, 900);
  const got = [];
  W.visibleRuns(r.idx, r.t0, r.t1, 1500, 1, 1000, (i, x0, x1) => got.push([i, x0, x1]));
  assert.deepStrictEqual(got, [[1, -500, 400], [2, 500, 1400]]);
});

test('mixed: a long interval among tiny ones keeps its width', () => {
  const t0 = [], t1 = [];
  for (let i = 0; i < 5000; i++) { t0.push(i); t1.push(i + 0.5); }
  t0.push(6000); t1.push(9000);
  const idx = Int32Array.from(t0.keys());
  const rects = [];
  W.visibleRuns(idx, Float64Array.from(t0), Float64Array.from(t1), 0, 10, 1000, (i, x0, x1, m) => rects.push([i, x0, x1, m]));
  const last = rects[rects.length - 1];
  assert.deepStrictEqual(last, [5000, 600, 900, false]);
  assert.ok(rects.length <= 502);
});

test('ruler: steps are 1/2/5 x 10^k, at least the asked pixels apart; labels use the step unit', () => {
  for (const npp of [0.01, 1, 37, 1234, 1e6, 3e8]) {
    const s = W.tickStep(npp, 90);
    assert.ok(s / npp >= 90, `${npp}: ${s}`);
    assert.ok(s / npp < 90 * 5 + 1e-6, `${npp}: ${s}`);
    const mant = s / Math.pow(10, Math.floor(Math.log10(s) + 1e-9));
    assert.ok([1, 2, 5].some((x) => Math.abs(mant - x) < 1e-6), `${s}`);
  }
  assert.strictEqual(W.formatNs(6500, 500), '6.5 \u00b5s');
  assert.strictEqual(W.formatNs(2e6, 1e6), '2 ms');
  assert.strictEqual(W.formatNs(150, 50), '150 ns');
});

test('galloping search finds the same position as bisection from any start', () => {
  const r = row(5000, 7, 3);
  for (const t of [-1, 0, 3, 4, 700, 701, 34999, 35000, 1e9]) {
    for (const from of [0, 1, 17, 100, 4999, 5000]) {
      const want = W.firstEndingAfter(r.idx, r.t1, t, from);
      assert.strictEqual(W.nextEndingAfter(r.idx, r.t1, t, from), want, `t=${t} from=${from}`);
    }
  }
});

test('RectBatch merges a run of equal neighbours of one colour, keeps the others apart', () => {
  const b = new W.RectBatch();
  for (let x = 0; x < 100; x++) b.add('a', 10 + x, 5.2, 1, 8);  // one run: 100 px wide
  b.add('a', 111, 5, 1, 8);      // a gap of one pixel: a new rectangle
  b.add('a', 112, 6, 1, 7);      // another height: a new rectangle
  b.add('b', 113, 6, 1, 7);      // another colour: its own list
  const got = [];
  b.forEach((k, x, y, w, h) => got.push([k, x, y, w, h]));
  assert.deepStrictEqual(got, [['a', 10, 5, 100, 8], ['a', 111, 5, 1, 8], ['a', 112, 6, 1, 7],
    ['b', 113, 6, 1, 7]]);
  assert.strictEqual(b.count(), 4);
  b.clear();
  assert.strictEqual(b.count(), 0);
  for (let k = 0; k < 5000; k++) b.add('a', k * 3, 0, 1, 1);  // grows past its first capacity
  assert.strictEqual(b.count(), 5000);
});

test('a dense row of constant density draws as a few rectangles, not one per pixel', () => {
  const r = row(1000000, 10, 5);  // half of every pixel covered
  const b = new W.RectBatch();
  W.visibleRuns(r.idx, r.t0, r.t1, 0, 10000, 1000, (i, x0, x1, merged, fill) => {
    const h = Math.max(1, Math.round(10 * fill));
    b.add('k', x0, 10 - h, x1 - x0, h);
  });
  assert.ok(b.count() <= 3, 'rects: ' + b.count());
});

test('visibleArrows finds exactly the arrows crossing a range, long ones included', () => {
  // Arrows in end order, mostly short, a few long ones (thread start/join across the trace).
  const n = 20000;
  const Ar = { n, t0: new Float64Array(n), t1: new Float64Array(n) };
  let seed = 7;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  for (let k = 0; k < n; k++) {
    Ar.t1[k] = k * 10;
    Ar.t0[k] = Ar.t1[k] - (k % 500 === 0 ? rnd() * 150000 : rnd() * 40);
  }
  const index = W.arrowIndex(Ar);
  assert.ok(index.long.length > 0 && index.long.length < n / 50, 'long: ' + index.long.length);
  for (const [a, b] of [[0, 100], [5000, 5050], [123456, 130000], [-100, -1], [199000, 1e9], [0, 1e9]]) {
    const want = [];
    for (let k = 0; k < n; k++) if (Ar.t1[k] >= a && Ar.t0[k] <= b) want.push(k);
    const got = [];
    W.visibleArrows(index, Ar, a, b, (k) => { got.push(k); });
    assert.deepStrictEqual(got.sort((x, y) => x - y), want, `[${a}, ${b}]`);
  }
  let seen = 0;
  W.visibleArrows(index, Ar, 0, 1e9, () => ++seen < 10);
  assert.strictEqual(seen, 10, 'returning false stops the walk');
});
