// The page of a recorded deadlock (tests/viewer/e2e_deadlock.sh: three philosophers, weft
// Threads named 哲学家-N, each holding its left fork and blocked on its right one). Without
// reading docs, the page must say which threads are blocked on which locks held by whom, and
// draw the cycle: checked through the test hook, the details panel and the finding list.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const H = require('./harness.js');
const test = require('node:test');
const assert = require('node:assert');

const file = H.fixture('e2e/philosophers.html');
if (!fs.existsSync(file)) {
  console.log(`SKIP: ${file} was not written (viewer:e2e:deadlock did not run)`);
  process.exit(77);
}

test.after(() => H.close());

const frame = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

test('recorded 3-thread deadlock: the finding shows the cycle, who holds and who waits', async () => {
  const { page, context, errors, requests, ready } = await H.open(file);
  assert.ok(ready.findings >= 1, 'findings: ' + ready.findings);
  const labels = await page.evaluate(() => window.weft.lanes().filter((l) => l.kind === 'thread').map((l) => l.label));
  for (const n of ['哲学家-0', '哲学家-1', '哲学家-2']) assert.ok(labels.includes(n), `${n} in ${labels}`);
  const kinds = await page.$$eval('#finding-list li .badge', (b) => b.map((x) => x.textContent));
  const k = kinds.indexOf('deadlock');
  assert.ok(k >= 0, 'a deadlock finding in the list: ' + kinds);
  await page.click(`#finding-list li[data-index="${k}"]`);
  await frame(page);
  const s = await page.evaluate(() => window.weft.state());
  assert.strictEqual(s.selectedFinding, k);
  // The wait-for edges form one cycle through the three philosophers.
  const name = await page.evaluate(() => window.weft.lanes().filter((l) => l.kind === 'thread')
    .reduce((o, l) => { o[l.thread] = l.label; return o; }, {}));
  const next = {};
  for (const e of s.edges.filter((x) => x.cycle)) { assert.ok(e.to >= 0); next[name[e.from]] = name[e.to]; }
  // main joins the first philosopher: an edge off the cycle.
  const joins = s.edges.filter((x) => !x.cycle).map((e) => [name[e.from], name[e.to], e.join]);
  assert.deepStrictEqual(joins, [['MainThread', '哲学家-0', true]]);
  assert.deepStrictEqual(Object.keys(next).sort(), ['哲学家-0', '哲学家-1', '哲学家-2']);
  let at = '哲学家-0';
  const seen = new Set();
  for (let i = 0; i < 3; i++) { seen.add(at); at = next[at]; }
  assert.strictEqual(at, '哲学家-0', 'following the edges comes back: ' + JSON.stringify(next));
  assert.strictEqual(seen.size, 3);
  // Philosopher i holds fork-i and waits for fork-(i+1), held by philosopher i+1.
  const details = await page.textContent('#details-body');
  for (let i = 0; i < 3; i++) {
    assert.match(details, new RegExp(`哲学家-${i} waits for fork-${(i + 1) % 3}, held by 哲学家-${(i + 1) % 3}`));
  }
  assert.match(details, /wait-for cycle: 哲学家-0 → 哲学家-1 → 哲学家-2 → 哲学家-0/);
  assert.match(details, /MainThread waits for 哲学家-0 to end \(join\)/);
  // The sites are the program's own lines: where a philosopher took its left fork and where it
  // waits for the right one.
  const src = fs.readFileSync(path.join(__dirname, '../programs/philosophers.cpp'), 'utf8').split('\n');
  const lineOf = (text) => src.findIndex((l) => l.includes(text)) + 1;
  for (const text of ['forks[i].acquire();', 'forks[(i + 1) % n].acquire();']) {
    assert.ok(lineOf(text) > 0, text);
    assert.match(details, new RegExp(`philosophers\\.cpp:${lineOf(text)} `), text);
  }
  // The forks get object lanes; the finding's marker is drawn.
  assert.ok(s.objectLanes >= 3, 'object lanes: ' + s.objectLanes);
  assert.ok(s.markers >= 1);
  // A click on a philosopher's blocked bar names the fork and its holder.
  const pt = await page.evaluate((k) => {
    const lane = window.weft.lanes().find((l) => l.label === '哲学家-1');
    const st = window.weft.state();
    const t = window.weft.findings()[k].time - (st.range[1] - st.range[0]) * 0.02;
    return window.weft.toCanvas(t, lane.y + 12);
  }, k);
  const box = await page.locator('#canvas').boundingBox();
  await page.mouse.click(box.x + pt.x, box.y + pt.y);
  const bar = await page.textContent('#details-body');
  assert.match(bar, /blocked acquiring fork-2/);
  assert.match(bar, /held by: 哲学家-2/);
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(requests, []);
  await page.click(`#finding-list li[data-index="${k}"]`);
  await frame(page);
  await H.screenshot(page, 'deadlock-philosophers.png');
  await context.close();
});
