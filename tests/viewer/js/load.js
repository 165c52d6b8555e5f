// Loads the page's scripts (viewer/web) into this Node process, in the page's order, and returns
// their shared namespace. The scripts are plain browser scripts; they only need globalThis.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const assert = require('node:assert');

const web = process.env.WEFT_WEB || path.join(__dirname, '../../../viewer/web');
// vocab.js is generated into the build tree (viewer/CMakeLists.txt) from runtime/vocabulary.json.
const vocab = path.resolve(process.env.WEFT_VOCAB_JS ||
  path.join(__dirname, '../../../build/viewer/web/vocab.js'));
const order = ['model/decode.js', 'layout/derive.js', 'layout/lanes.js', 'layout/lod.js',
  'render/draw.js'];

function loadViewer() {
  if (!fs.existsSync(vocab)) {
    throw new Error(`${vocab} is missing: build the viewer (it is generated from runtime/vocabulary.json) or set WEFT_VOCAB_JS`);
  }
  require(vocab);
  for (const f of order) require(path.join(web, f));
  return globalThis.WeftViewer;
}

function fixture(name) {
  const dir = process.env.WEFT_FIXTURES;
  if (!dir) throw new Error('WEFT_FIXTURES is not set (run through ctest: it writes the fixtures first)');
  return fs.readFileSync(path.join(dir, name), 'utf8');
}

// The model of a version 4 payload (intervals and arrows derived by `weft view`) against the
// page's own derivation of the same trace's version 3 payload (the events): the same columns,
// rows, object lists and contention, value for value and in the same order.
// (Throws an AssertionError at the first difference.)
function sameDerivation(D4, D3) {
  assert.strictEqual(D4.tMin, D3.tMin);
  assert.strictEqual(D4.tMax, D3.tMax);
  assert.strictEqual(D4.lifeStart, D3.lifeStart);
  const cols = (x, names) => Object.fromEntries(names.map((c) => [c, Array.from(x[c])]));
  const IC = ['t0', 't1', 'type', 'thread', 'obj', 'flags', 'by', 'site', 'kind'];
  assert.strictEqual(D4.I.n, D3.I.n);
  assert.deepStrictEqual(cols(D4.I, IC), cols(D3.I, IC));
  const AC = ['t0', 't1', 'from', 'to', 'obj', 'kind'];
  assert.strictEqual(D4.arrows.n, D3.arrows.n);
  assert.deepStrictEqual(cols(D4.arrows, AC), cols(D3.arrows, AC));
  assert.deepStrictEqual(cols(D4.reacq, ['ts', 'obj']), cols(D3.reacq, ['ts', 'obj']));
  assert.deepStrictEqual(Array.from(D4.contendedHold), Array.from(D3.contendedHold));
  const rows = (D) => D.threads.map((t) => ({ begin: t.begin, end: t.end, life: Array.from(t.life),
    state: t.state.map((r) => Array.from(r)), holds: t.holds.map((r) => Array.from(r)) }));
  assert.deepStrictEqual(rows(D4), rows(D3));
  const byObj = (D) => Array.from(D.byObject.entries()).map(([o, l]) => [o, Array.from(l)]);
  assert.deepStrictEqual(byObj(D4), byObj(D3));
}

module.exports = { loadViewer, fixture, sameDerivation };
