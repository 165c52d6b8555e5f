// A ThreadSanitizer data race on the lanes (layout/derive.js raceAccesses): the two accesses, on
// the accessing threads, at the report's time and at the latest time the earlier one can have
// been, labelled as runtime/tsan/frames.cpp words them.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { loadViewer } = require('./load.js');
const W = loadViewer();

// Thread 1 runs 0-5000, thread 2 runs 0-3000 (it ended before the report at 4000).
const D = { tMin: 0, tMax: 5000, threads: [{ begin: 0, end: 5000 }, { begin: 0, end: 5000 }, { begin: 0, end: 3000 }] };
const race = (message, threads) => ({ kind: 'data-race', message, time: 4000, threads, objects: [], sites: [] });

test('the caught access at the report, the earlier one at its thread\'s end', () => {
  const f = race('ThreadSanitizer: data-race; write of 4 bytes at 0x10 by thread 7 (TSan\'s T2): f a.cpp:8; ' +
    'previous atomic read of 8 bytes at 0x10 by thread 6 (TSan\'s T1): g a.cpp:9; mutexes: mutex \'m\'', [1, 2]);
  assert.deepStrictEqual(W.raceAccesses(D, f), [
    { thread: 1, time: 4000, exact: true, text: 'write 4 B' },
    { thread: 2, time: 3000, exact: false, text: 'previous atomic read 8 B' },
  ]);
});

test('an earlier access by a thread still running is drawn at the report\'s time', () => {
  const f = race('ThreadSanitizer: data-race; read of 1 bytes at 0x10 by a; previous write of 1 bytes at 0x10 by b', [2, 1]);
  const a = W.raceAccesses(D, { ...f, time: 2000 });
  assert.deepStrictEqual(a.map((x) => [x.thread, x.time, x.exact]), [[2, 2000, true], [1, 2000, false]]);
});

test('no markers for other findings, or a race with one known thread', () => {
  assert.deepStrictEqual(W.raceAccesses(D, { ...race('x; write of 4 bytes; previous write of 4 bytes', [1, 2]), kind: 'deadlock' }), []);
  assert.deepStrictEqual(W.raceAccesses(D, race('ThreadSanitizer: data-race; write of 4 bytes at 0x1 by TSan thread T2', [1])), []);
});
