#!/usr/bin/env node
// Opens weft pages in Debian's Chromium (playwright-core from viewer/web/node_modules) and prints,
// per page: its bytes per event; how long until it is interactive (window.weft.ready: decoded,
// derived, laid out, first frame painted) with the time of each loading phase; and the time of
// pan frames at three zoom levels (the whole trace, 1% of it, 0.01% of it). A frame is timed from
// the start of drawing until the canvas has rasterised it (window.weft.paintNow()). The budgets
// (docs/viewer.md): interactive within 3 s for 1M events and 15 s for 10M, frames <= 100 ms,
// <= 8 bytes per event. A measurement, not a test: it prints, it never fails on a figure.
//
//   build/bin/viewer_page_bench --write-page=/tmp/1m.html --events=1000000
//   node bench/viewer_load.js /tmp/1m.html [/tmp/10m.html ...]
//   WEFT_DPR=2 node bench/viewer_load.js ...      # as on a high-density screen
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require(path.join(__dirname, '../viewer/web/node_modules/playwright-core'));

const ZOOMS = [['zoomed out (whole trace)', 1], ['mid (1% of the trace)', 0.01],
  ['zoomed in (0.01% of the trace)', 0.0001]];
const PANS = 12;  // frames per zoom level, each panning by 1/8 of the view

function median(xs) { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; }

async function measure(browser, file) {
  const bytes = fs.statSync(file).size;
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 },
    deviceScaleFactor: Number(process.env.WEFT_DPR || 1) });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const t0 = Date.now();
  await page.goto('file://' + path.resolve(file), { timeout: 120000 });
  const ready = await page.evaluate(() => window.weft.ready);
  const loadMs = Date.now() - t0;
  const timings = await page.evaluate(() => window.weft.timings);
  const frames = await page.evaluate(async ([zooms, pans]) => {
    const s = window.weft.state();
    const span = s.range[1] - s.range[0];
    const out = [];
    for (const [name, f] of zooms) {
      const w = span * f;
      let a = s.range[0] + (span - w) * 0.3;
      window.weft.zoomTo(a, a + w);
      window.weft.paintNow();  // the zoom frame itself (caches warm after it)
      const ms = [];
      let rects = 0, arrows = 0;
      for (let k = 0; k < pans; k++) {
        a += w / 8;
        window.weft.zoomTo(a, a + w);
        ms.push(window.weft.paintNow());
        const st = window.weft.state();
        rects = Math.max(rects, st.rectsDrawn);
        arrows = Math.max(arrows, st.arrowsDrawn);
      }
      out.push({ name, ms, rects, arrows });
      await new Promise((r) => setTimeout(r, 50));
    }
    return out;
  }, [ZOOMS, PANS]);
  const heap = await page.evaluate(() => (performance.memory ? performance.memory.usedJSHeapSize : 0));
  await context.close();
  return { bytes, ready, loadMs, timings, frames, heap, errors };
}

async function main() {
  const files = process.argv.slice(2);
  if (!files.length) {
    console.error('usage: node bench/viewer_load.js PAGE.html... (write one with: build/bin/viewer_page_bench --write-page=/tmp/1m.html --events=1000000)');
    process.exit(2);
  }
  const browser = await chromium.launch({ executablePath: process.env.WEFT_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
      '--enable-precise-memory-info'] });
  for (const file of files) {
    const r = await measure(browser, file);
    const n = r.ready.events;
    console.log(`${file}: ${n} events, ${r.ready.threads} threads, ${(r.bytes / 1e6).toFixed(1)} MB ` +
      `= ${(r.bytes / Math.max(n, 1)).toFixed(2)} bytes/event`);
    const t = r.timings || {};
    const phases = ['base64', 'inflated', 'decoded', 'derived', 'laid-out', 'painted'];
    let prev = 0;
    const parts = phases.filter((p) => t[p] !== undefined).map((p) => {
      const d = t[p] - prev;
      prev = t[p];
      return `${p} +${Math.round(d)}`;
    });
    console.log(`  interactive after ${r.loadMs} ms (page clock, ms: ${parts.join(', ')}); JS heap ${(r.heap / 1e6).toFixed(0)} MB`);
    for (const f of r.frames) {
      console.log(`  ${f.name}: pan frame median ${median(f.ms).toFixed(1)} ms, max ${Math.max(...f.ms).toFixed(1)} ms ` +
        `(${f.ms.length} frames, <= ${f.rects} rectangles, ${f.arrows} arrows)`);
    }
    if (r.errors.length) console.log('  page errors: ' + r.errors.join(' | '));
  }
  await browser.close();
}
main().catch((e) => { console.error(e); process.exit(1); });
