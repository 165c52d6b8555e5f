// The page of a real recording (tests/viewer/e2e.sh: a std:: program recorded by `weft run`
// through the LD_PRELOAD interposer): it loads with no error and no request, shows the threads by
// name, and the contended mutex and the condition variable produce their arrows.
'use strict';
const fs = require('node:fs');
const H = require('./harness.js');
const test = require('node:test');
const assert = require('node:assert');

const page = H.fixture('e2e/contention.html');
if (!fs.existsSync(page)) {
  console.log(`SKIP: ${page} was not written (viewer:e2e:record-and-view did not run: no libweft_preload?)`);
  process.exit(77);
}

test.after(() => H.close());

test('recorded program: named lanes, unblock and notify arrows, no errors', async () => {
  const { page: p, context, errors, requests } = await H.open(page);
  const s = await p.evaluate(() => window.weft.state());
  const labels = await p.evaluate(() => window.weft.lanes().filter((l) => l.kind === 'thread').map((l) => l.label));
  for (const n of ['worker-1', 'worker-2', 'consumer']) assert.ok(labels.includes(n), `${n} in ${labels}`);
  assert.ok(s.events > 80, 'events: ' + s.events);
  assert.ok(s.arrowsByKind[0] >= 1, 'a release unblocked an acquire: ' + s.arrowsByKind);
  assert.ok(s.arrowsByKind[1] >= 1, 'the notify woke the consumer: ' + s.arrowsByKind);
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(requests, []);
  await H.screenshot(p, 'recorded-contention.png');
  await context.close();
});
