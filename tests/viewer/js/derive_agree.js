// node derive_agree.js OUT...: for each OUT written by derive_dump (tests/viewer/derive_dump.cpp),
// derives OUT.payload (version 3: the events) with the page's layout/derive.js and compares its
// intervals with the C++ derivation in OUT.cxx.json: the same set of (thread, object, type, start, end, open), the
// same life (first and last activity) per thread and the same arrows (from, to, object, kind,
// start, end); and checks that OUT.derived.payload (the current payload version: the intervals and arrows `weft view` derives for
// the page, viewer/emit/payload.cpp) decodes to the very model the page derived. Exits 1 on the
// first trace that differs, with
// the differences. Run by tests/viewer/derive_agree.sh on recordings of corpus programs.
'use strict';
const fs = require('node:fs');
const assert = require('node:assert');
const { loadViewer, sameDerivation } = require('./load.js');
const W = loadViewer();

const TYPE = { [W.T.blocked]: 'blocked', [W.T.waiting]: 'waiting', [W.T.holding]: 'holding' };
const key = (r) => JSON.stringify(r);

function jsSide(m, D) {
  const intervals = [], life = [];
  for (let i = 0; i < D.I.n; i++) {
    const obj = D.I.obj[i] >= 0 ? m.objects[D.I.obj[i]].id : 0;
    if (D.I.type[i] === W.T.running) {
      life.push([D.I.thread[i], D.I.t0[i], D.I.t1[i]]);
      continue;
    }
    intervals.push([D.I.thread[i], obj, TYPE[D.I.type[i]], D.I.t0[i], D.I.t1[i],
      (D.I.flags[i] & W.F_OPEN) !== 0]);
  }
  const arrows = [];
  const A = D.arrows;
  for (let k = 0; k < A.n; k++) {
    const obj = A.obj[k] >= 0 ? m.objects[A.obj[k]].id : 0;
    arrows.push([A.from[k], A.to[k], obj, A.kind[k], A.t0[k], A.t1[k]]);
  }
  return { intervals, life, arrows };
}

// The rows of a that b lacks, as many times as they are missing (a multiset difference).
function missing(a, b) {
  const count = new Map();
  for (const r of b) count.set(key(r), (count.get(key(r)) || 0) + 1);
  const out = [];
  for (const r of a) {
    const c = count.get(key(r)) || 0;
    if (c > 0) count.set(key(r), c - 1); else out.push(r);
  }
  return out;
}

async function compare(out) {
  const cxx = JSON.parse(fs.readFileSync(out + '.cxx.json', 'utf8'));
  const m = await W.loadPayload(fs.readFileSync(out + '.payload', 'utf8'));
  const D = W.derive(m);
  const js = jsSide(m, D);
  const problems = [];
  const sides = [['intervals', cxx.intervals, js.intervals], ['thread life', cxx.threads, js.life],
    ['arrows', cxx.arrows, js.arrows]];
  for (const [what, a, b] of sides) {
    const onlyCxx = missing(a, b), onlyJs = missing(b, a);
    if (onlyCxx.length || onlyJs.length) {
      problems.push(`${what}: ${onlyCxx.length} only in C++, ${onlyJs.length} only in JS (of ${a.length} / ${b.length})`);
      for (const r of onlyCxx.slice(0, 10)) problems.push('  C++ only: ' + key(r));
      for (const r of onlyJs.slice(0, 10)) problems.push('  JS only:  ' + key(r));
    }
  }
  // The page's model from the current payload (derived by `weft view`, as pages carry it)
  // must be the one the page derives from the events.
  const m4 = await W.loadPayload(fs.readFileSync(out + '.derived.payload', 'utf8'));
  try {
    sameDerivation(W.derive(m4), D);
    assert.deepStrictEqual(W.lockStats(m4, W.derive(m4)), W.lockStats(m, D));
  } catch (e) {
    problems.push('the derived payload differs from the page\'s derivation: ' + e.message.split('\n').slice(0, 12).join('\n'));
  }
  const byType = {};
  for (const r of cxx.intervals) byType[r[2]] = (byType[r[2]] || 0) + 1;
  console.log(`${out}: ${m.ev.n} events, ${cxx.intervals.length} intervals ${JSON.stringify(byType)}, ` +
    `${cxx.arrows.length} arrows, ${cxx.threads.length} threads: ${problems.length ? 'DIFFER' : 'agree'}`);
  for (const p of problems) console.log(p);
  return problems.length === 0 && cxx.intervals.length > 0;
}

(async () => {
  const outs = process.argv.slice(2);
  if (!outs.length) { console.error('usage: node derive_agree.js OUT...'); process.exit(2); }
  let ok = true;
  for (const out of outs) if (!(await compare(out))) ok = false;
  process.exit(ok ? 0 : 1);
})().catch((e) => { console.error(e); process.exit(1); });
