#!/usr/bin/env node
// Takes a screenshot of a weft page in Debian's Chromium, optionally with a finding selected,
// for docs/screenshots/ (not a test: ctest runs only *.test.js here).
//
//   node tests/viewer/browser/screenshot.js PAGE.html OUT.png [--finding=deadlock] [--width=1400] [--height=800]
'use strict';
const H = require('./harness.js');

async function main() {
  const args = process.argv.slice(2);
  const opt = (name, def) => {
    const a = args.find((x) => x.startsWith('--' + name + '='));
    return a ? a.slice(name.length + 3) : def;
  };
  const [file, out] = args.filter((x) => !x.startsWith('--'));
  if (!file || !out) {
    console.error('usage: node tests/viewer/browser/screenshot.js PAGE.html OUT.png [--finding=KIND] [--width=W] [--height=H]');
    process.exit(2);
  }
  const { page, errors } = await H.open(file, { width: Number(opt('width', 1400)), height: Number(opt('height', 800)) });
  const kind = opt('finding', '');
  if (kind) {
    const k = await page.evaluate((kind) => window.weft.findings().findIndex((f) => f.kind === kind), kind);
    if (k < 0) { console.error(`no ${kind} finding in ${file}`); process.exit(1); }
    await page.click(`#finding-list li[data-index="${k}"]`);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  await page.screenshot({ path: out });
  if (errors.length) { console.error('page errors: ' + errors.join(' | ')); process.exit(1); }
  console.log('wrote ' + out);
  await H.close();
}
main().catch((e) => { console.error(e); process.exit(1); });
