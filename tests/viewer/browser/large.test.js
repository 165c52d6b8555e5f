// A 10M-event page (viewer_fixture --large, fixture viewer:fixture-large) in Chromium: it becomes
// interactive, draws its lanes zoomed out and zoomed in, and fills the Locks panel. No timing is asserted (tests check behaviour); the load phases and frame times are
// printed for the log, bench/viewer_load.js measures them properly.
'use strict';
const H = require('./harness.js');
const test = require('node:test');
const assert = require('node:assert');

test.after(() => H.close());

const EVENTS = Number(process.env.WEFT_LARGE_PAGE_EVENTS || 10000000);

// Pixels of the timeline's canvas that differ from its background, in a band of the lanes.
function paintedPixels(page) {
  return page.evaluate(() => {
    const c = document.getElementById('canvas');
    const ctx = c.getContext('2d');
    const y0 = Math.floor(c.height * 0.1), h = Math.floor(c.height * 0.5);
    const d = ctx.getImageData(0, y0, c.width, h).data;
    const bg = [d[0], d[1], d[2]];  // the gutter's top-left corner
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] !== bg[0] || d[i + 1] !== bg[1] || d[i + 2] !== bg[2]) n++;
    }
    return n;
  });
}

test(`a ${EVENTS.toLocaleString('en')}-event page becomes interactive and draws`, { timeout: 170000 }, async () => {
  const { page, context, errors, requests, ready, loadMs } = await H.open(H.fixture('large.html'));
  // big_trace() may end one cycle past the count (an acquisition and its release).
  assert.ok(ready.events >= EVENTS && ready.events < EVENTS + 8, 'events: ' + ready.events);
  assert.strictEqual(ready.threads, 8);
  const s = await page.evaluate(() => window.weft.state());
  assert.strictEqual(s.lanes, 8);
  assert.ok(s.arrows > EVENTS / 100, 'arrows: ' + s.arrows);
  assert.ok(s.rectsDrawn > 8, 'drew rectangles: ' + s.rectsDrawn);
  assert.ok(s.range[1] > s.range[0]);
  const timings = await page.evaluate(() => window.weft.timings);
  for (const phase of ['base64', 'inflated', 'decoded', 'derived', 'laid-out', 'painted']) {
    assert.ok(timings[phase] > 0, 'phase ' + phase + ' timed: ' + JSON.stringify(timings));
  }
  assert.ok((await paintedPixels(page)) > 1000, 'the lanes are painted');

  // Zoomed in to 0.01% and to 1%: a frame draws, the test hook follows.
  const frames = await page.evaluate(([a, b]) => {
    const out = [];
    const span = b - a;
    for (const f of [0.0001, 0.01]) {
      const t0 = a + span * 0.4;
      window.weft.zoomTo(t0, t0 + span * f);
      out.push({ f, ms: window.weft.paintNow(), state: window.weft.state() });
    }
    return out;
  }, s.range);
  for (const fr of frames) {
    assert.ok(fr.state.rectsDrawn > 8, `zoom ${fr.f}: drew ${fr.state.rectsDrawn} rectangles`);
    assert.ok(fr.state.range[1] - fr.state.range[0] < (s.range[1] - s.range[0]) * fr.f * 1.01);
  }
  assert.ok((await paintedPixels(page)) > 1000, 'the lanes are painted zoomed in');

  // The Locks panel lists the 16 locks, its counts from the derived intervals.
  const locks = await page.evaluate(() => window.weft.locks());
  assert.strictEqual(locks.length, 16);
  const acquisitions = locks.reduce((n, l) => n + l.acquisitions, 0);
  assert.ok(acquisitions > EVENTS / 4 && acquisitions < EVENTS / 2, 'acquisitions: ' + acquisitions);
  assert.ok(locks.every((l) => l.blocks > 0 && l.holdNs > 0));

  assert.deepStrictEqual(errors, []);
  assert.deepStrictEqual(requests, []);
  const ph = ['base64', 'inflated', 'decoded', 'derived', 'laid-out', 'painted']
    .map((p) => `${p} ${Math.round(timings[p])}`).join(', ');
  console.log(`large page: ${EVENTS} events, interactive after ${loadMs} ms (page clock: ${ph} ms); ` +
    `frames: ${frames.map((f) => `${f.f * 100}% ${f.ms.toFixed(1)} ms`).join(', ')} (not asserted)`);
  await context.close();
});
