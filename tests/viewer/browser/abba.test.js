// The page of the corpus's pthread ABBA deadlock, recorded (tests/viewer/e2e_abba.sh): the Locks
// panel names the two mutexes as the rest of the page does, with the counts `weft report` gives,
// and a click on a row shows that lock's lane; a finding shows the program's own source lines.
'use strict';
const fs = require('node:fs');
const H = require('./harness.js');
const test = require('node:test');
const assert = require('node:assert');

const file = H.fixture('e2e/abba.html');
if (!fs.existsSync(file)) {
  console.log(`SKIP: ${file} was not written (viewer:e2e:abba did not run)`);
  process.exit(77);
}
test.after(() => H.close());
const frame = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

test('Locks panel: a and b with the counts of weft report; a row click shows the lane', async () => {
  const { page, context, errors, requests } = await H.open(file);
  const report = JSON.parse(fs.readFileSync(H.fixture('e2e/abba-report.json'), 'utf8'));
  const rows = await page.$$eval('#locks-body tr.lock-row', (trs) => trs.map((tr) =>
    Array.from(tr.children).map((td) => td.textContent)));
  assert.deepStrictEqual(rows.map((r) => r[0]).sort(), ['a', 'b']);
  for (const r of rows) {
    const o = report.objects.find((x) => x.label === r[0] || x.name === r[0]);
    const st = report.stats.find((x) => x.object === o.id);
    assert.strictEqual(Number(r[1]), st.acquisitions, 'acquisitions of ' + r[0]);
    // Both are still blocked on at the end: no hold entered after blocking, one blocked attempt
    // each, which weft report counts as a contention.
    assert.strictEqual(r[2], '0 +1', 'contended of ' + r[0]);
    const lock = (await page.evaluate(() => window.weft.locks())).find((l) => l.label === r[0]);
    assert.strictEqual(lock.blocks, st.contentions);
    assert.strictEqual(lock.contended, 0);
    // Blocked until the deadlock was reported: most of the trace.
    const st2 = await page.evaluate(() => window.weft.state());
    assert.ok(lock.blockedNs > 0 && lock.maxWaitNs === lock.blockedNs, JSON.stringify(lock));
    assert.ok(st2.range[1] > st2.range[0]);
  }
  // The lane names in the panel are the lanes' own labels.
  const before = await page.evaluate(() => window.weft.lanes().filter((l) => l.kind === 'object').length);
  assert.strictEqual(before, 0);
  await page.click('#locks-body tr.lock-row[data-obj] >> nth=1');
  await frame(page);
  const picked = await page.$eval('#locks-body tr.lock-row.selected', (tr) => tr.children[0].textContent);
  const lanes = await page.evaluate(() => window.weft.lanes().filter((l) => l.kind === 'object'));
  assert.deepStrictEqual(lanes.map((l) => l.label), [picked]);
  const obj = await page.evaluate(() => window.weft.selectedLock());
  assert.strictEqual(lanes[0].obj, obj);
  const details = await page.textContent('#details-body');
  assert.match(details, new RegExp('^mutex ' + picked));
  assert.match(details, /acquired 1 times, 0 after blocking; threads blocked on it 1 times/);
  // The lane is on screen.
  const s = await page.evaluate(() => window.weft.state());
  const y = await page.evaluate(() => window.weft.toCanvas(0, window.weft.lanes().find((l) => l.kind === 'object').y).y);
  assert.ok(y >= 0 && y < 900, 'lane at y ' + y);
  assert.strictEqual(s.selectedFinding, -1);
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(requests, []);
  await context.close();
});

test('a finding and a blocked bar show their source lines, the site\'s line marked', async () => {
  const { page, context, errors } = await H.open(file);
  const k = await page.evaluate(() => window.weft.findings().findIndex((f) => f.kind === 'deadlock'));
  assert.ok(k >= 0);
  await page.click(`#finding-list li[data-index="${k}"]`);
  await frame(page);
  const marked = await page.$$eval('#details-body pre.snippet .src-line.at', (xs) => xs.map((x) => x.textContent));
  // The deadlock's sites: each thread's two lock calls and main's join.
  const text = marked.map((t) => t.replace(/^\s*\d+\s/, '').trim());
  for (const line of ['pthread_mutex_lock(&a);', 'pthread_mutex_lock(&b);', 'pthread_join(t1, NULL);']) {
    assert.ok(text.includes(line), `${line} in ${JSON.stringify(text)}`);
  }
  // Two lines each side, numbered as in the file.
  const first = await page.$eval('#details-body pre.snippet', (p) => Array.from(p.children).map((x) => x.textContent));
  assert.strictEqual(first.length, 5, JSON.stringify(first));
  const nums = first.map((t) => Number(t.trim().split(/\s/)[0]));
  assert.deepStrictEqual(nums.slice(1).map((n, i) => n - nums[i]), [1, 1, 1, 1]);
  await H.screenshot(page, 'contention-and-source.png');
  // A click on a thread's red bar (blocked acquiring its second mutex) shows where it blocks.
  const pt = await page.evaluate((k) => {
    const lane = window.weft.lanes().find((l) => l.kind === 'thread' && /\(first\)/.test(l.label));
    const st = window.weft.state();
    const t = window.weft.findings()[k].time - (st.range[1] - st.range[0]) * 0.05;
    return window.weft.toCanvas(t, lane.y + 12);
  }, k);
  const box = await page.locator('#canvas').boundingBox();
  await page.mouse.click(box.x + pt.x, box.y + pt.y);
  assert.match(await page.textContent('#details-body'), /blocked acquiring b/);
  const bar = await page.$$eval('#details-body pre.snippet .src-line.at', (xs) => xs.map((x) => x.textContent));
  assert.strictEqual(bar.length, 1);
  assert.match(bar[0], /^\s*18 +pthread_mutex_lock\(&b\);$/);
  assert.deepStrictEqual(errors, []);
  await context.close();
});

test('without the source file the page shows no snippet, and no error', async () => {
  const { page, context, errors } = await H.open(H.fixture('e2e/abba-missing.html'));
  const k = await page.evaluate(() => window.weft.findings().findIndex((f) => f.kind === 'deadlock'));
  await page.click(`#finding-list li[data-index="${k}"]`);
  await frame(page);
  assert.strictEqual(await page.$$eval('pre.snippet', (x) => x.length), 0);
  assert.match(await page.textContent('#details-body'), /abba\.c:\d+/);
  assert.strictEqual(await page.$$eval('#locks-body tr.lock-row', (x) => x.length), 2);
  assert.deepStrictEqual(errors, []);
  await context.close();
});
