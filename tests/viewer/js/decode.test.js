// model/decode.js on a payload written by the C++ encoder (viewer_fixture: basic_trace()).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { loadViewer, fixture, sameDerivation } = require('./load.js');
const W = loadViewer();

test('decodes threads, objects, sites, events and findings written by C++ (payload version 3)', async () => {
  const m = await W.loadPayload(fixture('basic.v3.payload'));
  assert.deepStrictEqual(m.threads.map((t) => t.name),
    ['main', 'worker-1', 'worker-2', '子线程-0', '<img src=x onerror=alert(1)>']);
  assert.strictEqual(m.threads[1].pid, 100);
  assert.strictEqual(m.threads[1].osTid, 5001);
  assert.strictEqual(m.objects[m.threads[1].object].name, 'worker-1');
  const lockA = m.objects.find((o) => o.name === 'lock A');
  assert.strictEqual(lockA.kindName, 'lock');
  assert.strictEqual(W.siteLabel(m, lockA.site), 'corpus/deadlock/001-two-locks-buggy.cpp:12 (worker_one)');
  assert.strictEqual(m.ev.n, 36);
  // Times come back exactly and in order.
  for (let i = 1; i < m.ev.n; i++) assert.ok(m.ev.ts[i] >= m.ev.ts[i - 1]);
  assert.strictEqual(m.ev.ts[m.ev.n - 1], 9000);
  // The 64-bit notify arg (requested << 32 | woken) keeps both halves.
  const notify = Array.from(m.ev.kind).indexOf(W.EV.notify);
  assert.strictEqual(m.ev.argHi[notify], 1);
  assert.strictEqual(m.ev.argLo[notify], 1);
  assert.strictEqual(m.ev.ts[notify], 3100);
  // wait-begin's arg (the lock it releases) is an object index.
  const wb = Array.from(m.ev.kind).findIndex((k, i) => k === W.EV.waitBegin && m.ev.thread[i] === 3);
  assert.strictEqual(m.objects[m.ev.argLo[wb]].name, 'queue lock');
  assert.deepStrictEqual(m.findings.map((f) => f.kind), ['lock-order-inversion', 'deadlock']);
  const dl = m.findings[1];
  assert.deepStrictEqual(dl.threads, [1, 2]);
  assert.deepStrictEqual(dl.objects.map((o) => m.objects[o].name), ['lock A', 'lock B']);
  assert.strictEqual(dl.time, 8900);
  assert.strictEqual(dl.sites.length, 2);
});

test('a damaged payload is an Error naming the problem, not a hang', async () => {
  const good = W.base64ToBytes(fixture('basic.payload'));
  const bytes = await W.inflateRaw(good);
  assert.throws(() => W.decodePayload(bytes.subarray(0, bytes.length - 30)), /ends early|past the end|bad string/);
  const bad = bytes.slice();
  bad[0] = 0x58;
  assert.throws(() => W.decodePayload(bad), /not a weft trace payload/);
  await assert.rejects(W.loadPayload('AAAA'), Error);
});

for (const name of ['basic', 'big', 'overlap']) {
  test(`payload version 4 (derived by weft view) gives the model the page derives from version 3: ${name}`, async () => {
    const m4 = await W.loadPayload(fixture(name + '.payload'));
    const m3 = await W.loadPayload(fixture(name + '.v3.payload'));
    assert.strictEqual(m4.ev, null);
    assert.ok(m4.derived.I.n > 0);
    assert.strictEqual(m4.nEvents, m3.ev.n);
    assert.deepStrictEqual(m4.threads, m3.threads);
    assert.deepStrictEqual(m4.objects, m3.objects);
    assert.deepStrictEqual(m4.findings, m3.findings);
    const D4 = W.derive(m4), D3 = W.derive(m3);
    sameDerivation(D4, D3);
    assert.deepStrictEqual(W.lockStats(m4, D4), W.lockStats(m3, D3));
    const span = D3.tMax - D3.tMin;
    for (const [a, b] of [[D3.tMin, D3.tMax], [D3.tMin + span * 0.3, D3.tMin + span * 0.31]]) {
      assert.deepStrictEqual(W.rangeStats(m4, D4, a, b), W.rangeStats(m3, D3, a, b));
    }
    // Contended holds: those a blocked acquisition of the same object overlaps (every pair).
    const I = D3.I;
    for (let h = 0; h < I.n; h++) {
      if (I.type[h] !== W.T.holding) continue;
      let c = 0;
      for (let b = 0; b < I.n; b++) {
        if (I.type[b] === W.T.blocked && I.obj[b] === I.obj[h] && I.t0[h] < I.t1[b] && I.t1[h] > I.t0[b]) c = 1;
      }
      if (name !== 'big' || h < 3000) assert.strictEqual(D3.contendedHold[h], c, 'hold ' + h);
    }
    for (const f of m3.findings) {
      assert.deepStrictEqual(W.findingEdges(m4, D4, f), W.findingEdges(m3, D3, f));
    }
  });
}
