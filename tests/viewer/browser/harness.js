// Browser test harness: Debian's Chromium driven by playwright-core (never a downloaded browser).
// Exits 77 (ctest SKIP_RETURN_CODE) with a message when node_modules or chromium is missing.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const web = process.env.WEFT_WEB || path.join(__dirname, '../../../viewer/web');
const pw = path.join(web, 'node_modules', 'playwright-core');
const chromiumPath = process.env.WEFT_CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(pw)) {
  console.log(`SKIP: ${pw} is missing; run \`npm ci\` in viewer/web (scripts/test.sh does it)`);
  process.exit(77);
}
if (!fs.existsSync(chromiumPath)) {
  console.log(`SKIP: ${chromiumPath} is missing; install Debian's chromium (scripts/install-deps.sh --browser)`);
  process.exit(77);
}
const { chromium } = require(pw);

let browser = null;
async function launch() {
  if (!browser) {
    browser = await chromium.launch({ executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'] });
  }
  return browser;
}
async function close() { if (browser) await browser.close(); browser = null; }

// Opens a page file; returns {page, errors, requests, dialogs}. Every request other than the
// page's own file:// URL is recorded and aborted; console errors and page errors are recorded.
async function open(file, opts = {}) {
  const b = await launch();
  const context = await b.newContext({ viewport: { width: opts.width || 1400, height: opts.height || 900 } });
  const page = await context.newPage();
  const url = 'file://' + path.resolve(file);
  const errors = [], requests = [], dialogs = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url) return route.continue();
    requests.push(u);
    return route.abort();
  });
  page.on('request', (r) => { if (r.url() !== url && !requests.includes(r.url())) requests.push(r.url()); });
  const t0 = Date.now();
  await page.goto(url);
  const ready = await page.evaluate(() => window.weft.ready);
  const loadMs = Date.now() - t0;
  return { page, context, errors, requests, dialogs, ready, loadMs };
}

function fixture(name) {
  const dir = process.env.WEFT_FIXTURES;
  if (!dir) throw new Error('WEFT_FIXTURES is not set (run through ctest)');
  return path.join(dir, name);
}

async function screenshot(page, name) {
  const dir = process.env.WEFT_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name) });
}

module.exports = { open, close, fixture, screenshot };
