// model/decode.js on a payload written by the C++ encoder (viewer_fixture: basic_trace()).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { loadViewer, fixture } = require('./load.js');
const W = loadViewer();

test('decodes threads, objects, sites, events and findings written by C++', async () => {
  const m = await W.loadPayload(fixture('basic.payload'));
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
