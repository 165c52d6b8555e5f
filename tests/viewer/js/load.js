// Loads the page's scripts (viewer/web) into this Node process, in the page's order, and returns
// their shared namespace. The scripts are plain browser scripts; they only need globalThis.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

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

module.exports = { loadViewer, fixture };
