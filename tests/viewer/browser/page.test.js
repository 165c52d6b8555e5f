// The page in Chromium, on the synthetic pages of viewer_fixture: it loads from file:// with no
// network and no console error, shows lanes, arrows and finding markers (through the test hook
// window.weft), renders hostile names as text, and a click on a finding shows its cycle and sites.
'use strict';
const H = require('./harness.js');
const test = require('node:test');
const assert = require('node:assert');

test.after(() => H.close());

test('basic page: counts, lanes, arrows, markers; no network, no errors', async () => {
  const { page, context, errors, requests, dialogs, ready } = await H.open(H.fixture('basic.html'));
  const s = await page.evaluate(() => window.weft.state());
  assert.strictEqual(ready.threads, 5);
  assert.strictEqual(s.threads, 5);
  assert.strictEqual(s.objects, 10);
  assert.strictEqual(s.events, 36);
  assert.strictEqual(s.findings, 2);
  assert.ok(s.range[0] <= 0 && s.range[1] >= 9000, 'fits the whole trace: ' + s.range);
  assert.strictEqual(s.lanes, 5);
  assert.ok(s.arrows >= 8, 'arrows derived: ' + s.arrows);
  assert.strictEqual(s.arrowsDrawn, s.arrows);
  assert.strictEqual(s.markers, 2);
  assert.ok(s.rectsDrawn > 10);
  const labels = await page.evaluate(() => window.weft.lanes().map((l) => l.label));
  assert.deepStrictEqual(labels, ['main', 'worker-1', 'worker-2', '子线程-0', '<img src=x onerror=alert(1)>']);
  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(requests, []);
  assert.deepStrictEqual(dialogs, []);
  await H.screenshot(page, 'basic.png');
  await context.close();
});

test('hostile names are shown as text, never run', async () => {
  const { page, context, errors, dialogs } = await H.open(H.fixture('basic.html'));
  const list = await page.textContent('#object-list');
  assert.ok(list.includes('<img src=x onerror=alert(1)>'), list);
  assert.ok(list.includes('<script>alert(2)</script>'), list);
  assert.strictEqual(await page.locator('img').count(), 0);
  assert.strictEqual(await page.locator('#side script').count(), 0);
  // The page title is escaped by the writer and shown literally.
  assert.strictEqual(await page.textContent('#title'), 'basic <synthetic>');
  await page.click('#finding-list li[data-index="0"]');
  await page.waitForTimeout(100);
  assert.deepStrictEqual(dialogs, []);
  assert.deepStrictEqual(errors, []);
  await context.close();
});

test('clicking the deadlock finding zooms to it, draws the cycle and shows the sites', async () => {
  const { page, context, errors } = await H.open(H.fixture('basic.html'));
  const before = await page.evaluate(() => window.weft.state());
  await page.click('#finding-list li[data-index="1"]');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const s = await page.evaluate(() => window.weft.state());
  assert.strictEqual(s.selectedFinding, 1);
  assert.ok(s.range[1] - s.range[0] < before.range[1] - before.range[0], 'zoomed in');
  assert.ok(s.range[0] <= 7000 && s.range[1] >= 8900, 'the story of the deadlock is visible: ' + s.range);
  // The cycle: worker-1 (1) waits for worker-2 (2) and back.
  const pairs = s.edges.map((e) => e.from + '->' + e.to).sort();
  assert.deepStrictEqual(pairs, ['1->2', '2->1']);
  assert.ok(s.objectLanes >= 2, 'the locks of the finding get their lanes');
  const details = await page.textContent('#details-body');
  assert.match(details, /deadlock/);
  assert.match(details, /worker-1 waits for lock B, held by worker-2/);
  assert.match(details, /worker-2 waits for lock A, held by worker-1/);
  assert.match(details, /corpus\/deadlock\/001-two-locks-buggy\.cpp:12 \(worker_one\)/);
  assert.match(details, /corpus\/deadlock\/001-two-locks-buggy\.cpp:20 \(worker_two\)/);
  assert.ok(await page.locator('#finding-list li.selected').count() === 1);
  await H.screenshot(page, 'deadlock-selected.png');
  assert.deepStrictEqual(errors, []);
  await context.close();
});

test('clicking a blocked bar names the lock and who holds it', async () => {
  const { page, context, errors } = await H.open(H.fixture('basic.html'));
  const pt = await page.evaluate(() => {
    const lane = window.weft.lanes().find((l) => l.label === 'worker-2');
    return window.weft.toCanvas(8000, lane.y + 10);
  });
  const box = await page.locator('#canvas').boundingBox();
  await page.mouse.click(box.x + pt.x, box.y + pt.y);
  const details = await page.textContent('#details-body');
  assert.match(details, /blocked acquiring lock A/);
  assert.match(details, /held by: worker-1/);
  assert.match(details, /still going when the trace ends/);
  assert.deepStrictEqual(errors, []);
  await context.close();
});

test('keyboard and wheel zoom and pan; search filters lanes; range selection has stats', async () => {
  const { page, context, errors } = await H.open(H.fixture('basic.html'));
  const frame = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const width = (s) => s.range[1] - s.range[0];
  const s0 = await page.evaluate(() => window.weft.state());
  await page.locator('#canvas').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('w');
  await frame();
  const s1 = await page.evaluate(() => window.weft.state());
  assert.ok(width(s1) < width(s0) * 0.9, 'W zooms in');
  await page.keyboard.press('d');
  await frame();
  const s2 = await page.evaluate(() => window.weft.state());
  assert.ok(s2.range[0] > s1.range[0], 'D pans right');
  const box = await page.locator('#canvas').boundingBox();
  await page.mouse.move(box.x + 600, box.y + 200);
  await page.mouse.wheel(0, 400);
  await frame();
  const s3 = await page.evaluate(() => window.weft.state());
  assert.ok(width(s3) > width(s2), 'wheel down zooms out');
  await page.keyboard.press('f');
  await page.fill('#search', 'worker');
  await frame();
  const shown = await page.evaluate(() => window.weft.lanes().filter((l) => l.kind === 'thread').map((l) => l.label));
  assert.deepStrictEqual(shown, ['worker-1', 'worker-2']);
  await page.fill('#search', 'lock A');
  await frame();
  const lanes = await page.evaluate(() => window.weft.lanes().filter((l) => l.kind === 'object').map((l) => l.label));
  assert.deepStrictEqual(lanes, ['lock A']);
  await page.fill('#search', '');
  await frame();
  // Drag on the ruler selects a range: per-lock statistics appear.
  await page.mouse.move(box.x + 210, box.y + 12);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width - 20, box.y + 12, { steps: 5 });
  await page.mouse.up();
  const sel = await page.textContent('#selection-body');
  assert.match(sel, /lock A/);
  assert.match(sel, /contended/);
  assert.deepStrictEqual(errors, []);
  await context.close();
});

test('several processes get a header each; an empty trace still loads', async () => {
  const a = await H.open(H.fixture('multiproc.html'));
  const kinds = await a.page.evaluate(() => window.weft.lanes().map((l) => l.kind + ':' + l.label));
  assert.deepStrictEqual(kinds, ['process:process 100 \u2014 ./server', 'thread:server main',
    'process:process 200 \u2014 ./client --port 1', 'thread:client main']);
  assert.deepStrictEqual(a.errors, []);
  await a.context.close();
  const b = await H.open(H.fixture('empty.html'));
  assert.strictEqual(b.ready.events, 0);
  assert.deepStrictEqual(b.errors, []);
  await b.context.close();
});

test('a 200k-event page loads and draws a bounded number of rectangles', async () => {
  const { page, context, errors, ready, loadMs } = await H.open(H.fixture('big.html'));
  assert.strictEqual(ready.events, 200000);
  const s = await page.evaluate(() => window.weft.state());
  // Level of detail: at most ~2 rectangles per pixel per row, whatever the event count.
  assert.ok(s.rectsDrawn < 8 * 3 * 1200 * 2, 'rects drawn: ' + s.rectsDrawn);
  console.log(`# big.html (200k events): ready after ${loadMs} ms, ${s.rectsDrawn} rects in the first frame`);
  assert.deepStrictEqual(errors, []);
  await context.close();
});

test('clicking a suspended task lane says what the task awaits', async () => {
  // tasks.html: task B suspends on a timer at 24 ns and resumes at 40 (fixture_main.cpp).
  const { page, context, errors } = await H.open(H.fixture('tasks.html'));
  const labels = await page.evaluate(() => window.weft.lanes().map((l) => l.label));
  const laneB = labels.find((l) => /\bB\b/.test(l) && l !== 'main');
  assert.ok(laneB, 'a lane for task B: ' + labels.join(' | '));
  const pt = await page.evaluate((label) => {
    const lane = window.weft.lanes().find((l) => l.label === label);
    return window.weft.toCanvas(32, lane.y + 10);
  }, laneB);
  const box = await page.locator('#canvas').boundingBox();
  await page.mouse.click(box.x + pt.x, box.y + pt.y);
  const details = await page.textContent('#details-body');
  assert.match(details, /suspended \(awaiting a timer or a thread\)/);
  assert.match(details, /event loop runs other tasks meanwhile/);
  assert.doesNotMatch(details, /^waiting/);
  assert.deepStrictEqual(errors, []);
  await context.close();
});
