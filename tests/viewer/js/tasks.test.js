// weft::aio task lanes on the page: the synthetic trace of fixture_main.cpp (tasks.payload):
// lanes nested under their loop's thread, running only between task-resume and task-suspend or
// task-end, suspended in between, and the arrows between task lanes (and to a thread).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { loadViewer, fixture, sameDerivation } = require('./load.js');
const W = loadViewer();

// Threads: 0 main, 1 worker, 2 task A, 3 task B (A and B on main's loop).
const MAIN = 0, WORKER = 1, A = 2, B = 3;

async function load() {
  const m = await W.loadPayload(fixture('tasks.payload'));
  return { m, D: W.derive(m) };
}

function spans(m, D, th, type) {
  const out = [];
  for (let i = 0; i < D.I.n; i++) {
    if (D.I.thread[i] !== th || D.I.type[i] !== type) continue;
    out.push([D.I.t0[i], D.I.t1[i], D.I.obj[i] >= 0 ? m.objects[D.I.obj[i]].name : null,
      D.I.kind[i] === W.EV.taskSuspend]);
  }
  return out.sort((x, y) => x[0] - y[0]);
}

test('payload version 5 carries each lane\'s parent and task', async () => {
  const { m } = await load();
  assert.deepStrictEqual(m.threads.map((t) => t.parent), [-1, -1, MAIN, MAIN]);
  assert.deepStrictEqual(m.threads.map((t) => (t.task >= 0 ? m.objects[t.task].name : null)),
    [null, null, 'A', 'B']);
});

test('task lanes come right under the thread running their loop, labelled as tasks', async () => {
  const { m, D } = await load();
  const L = W.layoutLanes(m, D, {}).lanes.filter((l) => l.kind === 'thread');
  assert.deepStrictEqual(L.map((l) => l.thread), [MAIN, A, B, WORKER]);
  assert.deepStrictEqual(L.map((l) => l.label), ['main', '\u21b3 A (task)', '\u21b3 B (task)', 'worker']);
  assert.deepStrictEqual(L.map((l) => !!l.indent), [false, true, true, false]);
  // Filtered to the task alone, it stays (unindented: its parent is not shown).
  const only = W.layoutLanes(m, D, { filter: 'B' }).lanes.filter((l) => l.kind === 'thread');
  assert.deepStrictEqual(only.map((l) => [l.thread, !!l.indent]), [[B, false]]);
});

test('a task lane runs only between resume and suspend; suspended in between unless it waits', async () => {
  const { m, D } = await load();
  const T = W.T;
  // A: runs 10-13 and 30-34; waits on the Condition 12-31 (no separate suspension); holds lk.
  assert.deepStrictEqual(spans(m, D, A, T.running), [[10, 13, null, false], [30, 34, null, false]]);
  assert.deepStrictEqual(spans(m, D, A, T.waiting), [[12, 31, 'cond', false]]);
  assert.deepStrictEqual(spans(m, D, A, T.holding), [[11, 12, 'lk', false], [31, 32, 'lk', false]]);
  // B: runs 20-24 and 40-41, suspended on a timer (no object) 24-40.
  assert.deepStrictEqual(spans(m, D, B, T.running), [[20, 24, null, false], [40, 41, null, false]]);
  assert.deepStrictEqual(spans(m, D, B, T.waiting), [[24, 40, null, true]]);
  // Nothing before the first resume or after the end; a plain thread keeps its whole life.
  assert.deepStrictEqual([D.threads[A].begin, D.threads[A].end], [10, 34]);
  assert.deepStrictEqual([D.threads[B].begin, D.threads[B].end], [20, 41]);
  assert.deepStrictEqual(spans(m, D, MAIN, T.running), [[1, 45, null, false]]);
});

test('notify -> wake-up between two task lanes, set on an aio Event -> the waiting thread', async () => {
  const { m, D } = await load();
  const Ar = D.arrows, got = [];
  for (let k = 0; k < Ar.n; k++) {
    got.push([Ar.from[k], Ar.to[k], m.objects[Ar.obj[k]].name, Ar.kind[k], Ar.t0[k], Ar.t1[k]]);
  }
  assert.deepStrictEqual(got, [
    [B, A, 'cond', W.A.notify, 22, 31],
    [A, WORKER, 'done', W.A.set, 33, 35],
  ]);
});

test('the derivation `weft view` writes (version 5) is the page\'s own (version 3)', async () => {
  const { D } = await load();
  const m3 = await W.loadPayload(fixture('tasks.v3.payload'));
  sameDerivation(D, W.derive(m3));
});
