#!/usr/bin/env node
// Opens a weft page in Debian's Chromium (playwright-core from viewer/web/node_modules) and
// prints how long it takes until it is interactive (window.weft.ready: decoded, laid out, first
// frame painted) and how long zoom and pan frames take. A measurement, not a test.
//
//   build/bin/viewer_page_bench --write-page=/tmp/1m.html --events=1000000
//   node bench/viewer_load.js /tmp/1m.html
'use strict';
const path = require('node:path');
const { chromium } = require(path.join(__dirname, '../viewer/web/node_modules/playwright-core'));

async function main() {
  const file = process.argv[2];
  if (!file) { console.error('usage: node bench/viewer_load.js PAGE.html'); process.exit(2); }
  const browser = await chromium.launch({ executablePath: process.env.WEFT_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const t0 = Date.now();
  await page.goto('file://' + path.resolve(file));
  const ready = await page.evaluate(() => window.weft.ready);
  const loadMs = Date.now() - t0;
  const frames = await page.evaluate(async () => {
    const out = [];
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const s = window.weft.state();
    const span = s.range[1] - s.range[0];
    for (const f of [1, 0.5, 0.1, 0.01, 0.001]) {
      const a = s.range[0] + span * 0.3;
      const t = performance.now();
      window.weft.zoomTo(a, a + span * f);
      await frame();
      out.push([f, performance.now() - t, window.weft.state().rectsDrawn]);
    }
    return out;
  });
  console.log(`${file}: ${ready.events} events, ${ready.threads} threads: interactive after ${loadMs} ms`);
  for (const [f, ms, rects] of frames) {
    console.log(`  zoom to ${(f * 100).toFixed(1)}% of the trace: frame ${ms.toFixed(1)} ms (${rects} rectangles)`);
  }
  await browser.close();
}
main().catch((e) => { console.error(e); process.exit(1); });
