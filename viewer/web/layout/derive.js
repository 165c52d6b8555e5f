// layout/derive.js: events -> intervals (what each thread was doing) and arrows (who unblocked or
// woke whom). Pure functions of the model; no DOM. Mirrors viewer/emit/derive.cpp.
//
// Conventions (weft/runtime/event.hpp): acquire-begin .. acquired|acquire-failed is a blocked
// acquisition; acquired .. release a hold (RLock: release's arg is the depth after); wait-begin ..
// wait-end and join-begin .. join-end are waits. A Condition wait appears as wait-begin(cond),
// release(lock) .. wait-end(cond), acquired(lock), so the lock shows free while the thread waits.
(function (W) {
  'use strict';
  const EV = W.EV, OBJ = W.OBJ, WAIT = W.WAIT;
  // Interval types (also the colour keys of render/draw.js).
  const T = { running: 1, blocked: 2, waiting: 3, holding: 4 };
  // Arrow kinds.
  const A = { unblock: 0, notify: 1, set: 2, start: 3, join: 4 };
  const A_NAMES = ['release \u2192 acquire', 'notify \u2192 wake-up', 'set \u2192 wait ended',
    'thread start', 'thread end \u2192 join'];
  const F_OPEN = 1, F_CONTENDED = 2;  // interval flags: never ended; hold entered after blocking

  // Object kinds whose release says the depth after (RLock, recursive mutex), and Events (whose
  // wake-ups are drawn as set -> wait ended): from runtime/vocabulary.json (vocab.js).
  const RECURSIVE = W.REENTRANT_KINDS;
  const EVENT_KINDS = new Set([OBJ.event, OBJ.aioEvent]);

  // Growable typed columns: {name: TypedArrayConstructor}; finish() trims them to length n.
  class Table {
    constructor(types, capacity) {
      this.types = types;
      this.cap = Math.max(1024, capacity | 0);
      this.n = 0;
      for (const [c, T] of Object.entries(types)) this[c] = new T(this.cap);
    }
    grow() {
      this.cap *= 2;
      for (const [c, T] of Object.entries(this.types)) {
        const a = new T(this.cap);
        a.set(this[c]);
        this[c] = a;
      }
    }
    finish() {
      const out = { n: this.n };
      for (const c of Object.keys(this.types)) out[c] = this[c].slice(0, this.n);
      return out;
    }
  }

  // Packs intervals (indexes, any order) into rows so that no two in a row overlap; greedy by
  // start time. Returns an array of Int32Array rows, each sorted by start (and so by end).
  function packRows(idx, t0, t1) {
    let sorted = idx instanceof Int32Array ? idx.slice() : Int32Array.from(idx);
    let inOrder = true;
    for (let k = 1; k < sorted.length; k++) {
      if (t0[sorted[k]] < t0[sorted[k - 1]]) { inOrder = false; break; }
    }
    if (inOrder && sorted.length > 0) {  // one row when none overlaps the one before (usual): no copies
      let e = -Infinity, one = true;
      for (let k = 0; k < sorted.length; k++) {
        const i = sorted[k];
        if (e > t0[i]) { one = false; break; }
        e = Math.max(t1[i], t0[i]);
      }
      if (one) return [sorted];
    }
    if (!inOrder) sorted = Int32Array.from(Array.from(sorted).sort((a, b) => t0[a] - t0[b] || t1[b] - t1[a]));
    const rows = [], ends = [];
    for (let k = 0; k < sorted.length; k++) {
      const i = sorted[k];
      let r = 0;
      while (r < rows.length && ends[r] > t0[i]) r++;
      if (r === rows.length) { rows.push([]); ends.push(-Infinity); }
      rows[r].push(i);
      ends[r] = Math.max(t1[i], t0[i]);
    }
    if (rows.length === 1 && inOrder) return [sorted];
    return rows.map((r) => new Int32Array(r));
  }

  // The end of the time axis: the last event, or a later finding's time (a deadlock reported
  // after the last event: what was blocked then stayed blocked until it). Times implausibly far
  // away (more than 10 x the span and 10 s past the end) are ignored. Mirrors extended_end() in
  // viewer/emit/derive.cpp.
  function extendedEnd(m, tMin, tLast) {
    const reach = Math.max((tLast - tMin) * 10, 1e10);
    let end = tLast;
    for (const f of m.findings || []) if (f.time > end && f.time - tLast <= reach) end = f.time;
    return end;
  }

  // model -> {tMin, tMax, I (intervals), threads: [{begin, end, life, state, holds}], arrows,
  //           byObject: Map(objIndex -> interval indexes), contendedHold, lifeStart, reacq}
  // I's columns: t0, t1, type, thread, obj, flags, by, site and kind (site and kind of the event
  // that began the interval: -1 / 255 for a thread's life). reacq: the re-entrant acquisitions
  // (acquired while already held: no interval of their own), {n, ts, obj}.
  // A payload of version 4 carries intervals, arrows and reacq as `weft view` derived them
  // (m.derived, the same as deriveEvents gives: viewer/emit/payload.cpp); older ones carry the
  // events, derived here.
  function derive(m) {
    return m.derived ? fromPayload(m) : deriveEvents(m);
  }

  function fromPayload(m) {
    const d = m.derived, Iv = d.I, nt = m.threads.length, no = m.objects.length + 1;
    const begin = new Float64Array(nt).fill(Infinity), end = new Float64Array(nt).fill(-Infinity);
    for (let i = d.lifeStart; i < Iv.n; i++) {  // a task lane has several (its running stretches)
      const th = Iv.thread[i];
      if (Iv.t0[i] < begin[th]) begin[th] = Iv.t0[i];
      if (Iv.t1[i] > end[th]) end[th] = Iv.t1[i];
    }
    const { threads, byObject } = rowsOf(Iv, nt, no, begin, end);
    const contendedHold = d.contendedHold;  // computed by `weft view`
    return { tMin: d.tMin, tMax: d.tMax, I: Iv, threads, arrows: d.arrows, byObject, contendedHold,
      lifeStart: d.lifeStart, reacq: d.reacq };
  }

  function deriveEvents(m) {
    const ev = m.ev, n = ev.n, nt = m.threads.length;
    const I = new Table({ t0: Float64Array, t1: Float64Array, type: Uint8Array, thread: Uint32Array,
      obj: Int32Array, ev: Int32Array, flags: Uint8Array, by: Int32Array, site: Int32Array, kind: Uint8Array },
    n / 2 + nt * 4);
    const Re = new Table({ ts: Float64Array, obj: Int32Array }, 0);
    const Ar = new Table({ t0: Float64Array, t1: Float64Array, from: Uint32Array, to: Uint32Array,
      obj: Int32Array, kind: Uint8Array }, n / 8);
    // by: for a blocked interval, the thread that held the lock when it ended (whose release
    // let it through, or, still blocked at the end, the holder then); -1 otherwise or unknown.
    const add = (t0, t1, type, th, obj, e, flags, by = -1) => {
      if (I.n === I.cap) I.grow();
      const k = I.n++;
      I.t0[k] = t0; I.t1[k] = t1 > t0 ? t1 : t0; I.type[k] = type; I.thread[k] = th;
      I.obj[k] = obj; I.ev[k] = e; I.flags[k] = flags; I.by[k] = by;
      I.site[k] = e >= 0 ? ev.site[e] : -1; I.kind[k] = e >= 0 ? ev.kind[e] : 255;
      return k;
    };
    const arrow = (t0, t1, from, to, obj, kind) => {
      if (Ar.n === Ar.cap) Ar.grow();
      const k = Ar.n++;
      Ar.t0[k] = t0; Ar.t1[k] = t1; Ar.from[k] = from; Ar.to[k] = to; Ar.obj[k] = obj; Ar.kind[k] = kind;
    };
    const tMin = n ? ev.ts[0] : 0, tMax = n ? extendedEnd(m, tMin, ev.ts[n - 1]) : 0;
    const begin = new Float64Array(nt).fill(Infinity), end = new Float64Array(nt).fill(-Infinity);
    const ended = new Uint8Array(nt);
    const blocked = new Int32Array(nt).fill(-1);   // event index of the open acquire-begin
    const waiting = new Int32Array(nt).fill(-1);   // open wait-begin
    const joining = new Int32Array(nt).fill(-1);   // open join-begin
    // Open holds per thread, innermost last: [{o, t0, e, depth, contended}].
    const holds = Array.from({ length: nt }, () => []);
    const pool = [];
    const findHold = (th, o) => {
      const list = holds[th];
      for (let k = list.length - 1; k >= 0; k--) if (list[k].o === o) return k;
      return -1;
    };
    const no = m.objects.length + 1;  // slot 0 stands for "no object" (-1)
    const recursive = new Uint8Array(no);
    m.objects.forEach((ob, k) => { if (RECURSIVE.has(ob.kind)) recursive[k + 1] = 1; });
    const lastRelease = new Int32Array(no).fill(-1), lastSignal = new Int32Array(no).fill(-1);
    const threadEnded = new Int32Array(no).fill(-1), created = new Int32Array(no).fill(-1);
    const threadOfObject = new Map();
    m.threads.forEach((t, i) => { if (t.object >= 0) threadOfObject.set(t.object, i); });
    // Task lanes (weft::aio, the threads with task-resume events): running only from each
    // task-resume to the task-suspend or task-end after it, suspended (a waiting interval of kind
    // task-suspend) between a suspend and the next resume unless a wait, acquisition or join of
    // the lane is open then. Mirrors viewer/emit/derive.cpp and payload.cpp (PageDeriver).
    const taskObj = new Int32Array(nt).fill(-2);   // the lane's task (object index), -2 not a task lane
    const running = new Float64Array(nt).fill(-1);  // start of the open running stretch, -1 none
    const suspended = new Int32Array(nt).fill(-1);  // event index of the open task-suspend
    const runs = [];                                // closed stretches: [thread, t0, t1]
    const awaited = (e) => ev.argLo[e] | 0;  // task-suspend's arg: an object index (-1 none)

    for (let i = 0; i < n; i++) {
      const th = ev.thread[i], k = ev.kind[i], o = ev.obj[i], ts = ev.ts[i];
      if (!ended[th]) { if (ts < begin[th]) begin[th] = ts; if (ts > end[th]) end[th] = ts; }
      // Case labels are weft::rt::Ev's values from vocab.js (as fast as literals: 3M events
      // derived in the same time either way, node 20).
      switch (k) {
        case EV.create: created[o + 1] = i; break;
        case EV.acquireBegin: blocked[th] = i; break;
        case EV.acquireFailed:
          if (blocked[th] >= 0 && ev.obj[blocked[th]] === o) {
            add(ev.ts[blocked[th]], ts, T.blocked, th, o, blocked[th], 0);
            blocked[th] = -1;
          }
          break;
        case EV.acquired: {
          let contended = false;
          const b = blocked[th];
          if (b >= 0 && ev.obj[b] === o) {
            const r = lastRelease[o + 1];
            const unblocked = r >= 0 && ev.thread[r] !== th && ev.ts[r] >= ev.ts[b];
            add(ev.ts[b], ts, T.blocked, th, o, b, 0, unblocked ? ev.thread[r] : -1);
            blocked[th] = -1;
            contended = true;
            if (unblocked) arrow(ev.ts[r], ts, ev.thread[r], th, o, A.unblock);
          }
          const k = findHold(th, o);
          if (k < 0) {
            // Hold records are recycled (no allocation per acquisition: 10M events, 3M holds).
            const h = pool.length ? pool.pop() : { o: 0, t0: 0, e: 0, depth: 0, contended: false };
            h.o = o; h.t0 = ts; h.e = i; h.depth = 1; h.contended = contended;
            holds[th].push(h);
          }
          else {
            holds[th][k].depth++;
            if (Re.n === Re.cap) Re.grow();
            Re.ts[Re.n] = ts; Re.obj[Re.n++] = o;
          }
          break;
        }
        case EV.release: {
          lastRelease[o + 1] = i;
          const k = findHold(th, o);
          if (k < 0) break;  // unowned release: nothing to close
          const h = holds[th][k];
          const counted = recursive[o + 1] === 1;
          const arg = ev.argLo[i] + ev.argHi[i] * 4294967296;
          if (counted && arg > 0) { h.depth = arg; break; }
          if (--h.depth > 0 && !counted) break;
          add(h.t0, ts, T.holding, th, o, h.e, h.contended ? F_CONTENDED : 0);
          if (k === holds[th].length - 1) holds[th].pop(); else holds[th].splice(k, 1);
          pool.push(h);
          break;
        }
        case EV.waitBegin: waiting[th] = i; break;
        case EV.waitEnd: {
          const w = waiting[th];
          if (w >= 0 && ev.obj[w] === o) {
            add(ev.ts[w], ts, T.waiting, th, o, w, 0);
            waiting[th] = -1;
            const s = lastSignal[o + 1];
            if (ev.argLo[i] === WAIT.notified && s >= 0 && ev.thread[s] !== th && ev.ts[s] >= ev.ts[w]) {
              const isEvent = o >= 0 && EVENT_KINDS.has(m.objects[o].kind);
              arrow(ev.ts[s], ts, ev.thread[s], th, o, isEvent ? A.set : A.notify);
            }
          }
          break;
        }
        case EV.notify: case EV.set: lastSignal[o + 1] = i; break;
        case EV.joinBegin: joining[th] = i; break;
        case EV.joinEnd: {
          const j = joining[th];
          if (j >= 0 && ev.obj[j] === o) {
            add(ev.ts[j], ts, T.waiting, th, o, j, 0);
            joining[th] = -1;
          }
          const e2 = threadEnded[o + 1];
          if (ev.argLo[i] === 0 && e2 >= 0) arrow(ev.ts[e2], ts, ev.thread[e2], th, o, A.join);
          break;
        }
        case EV.threadStart: {
          const c = created[o + 1];
          if (c >= 0 && ev.thread[c] !== th) {
            arrow(ev.ts[c], ts, ev.thread[c], th, o, A.start);
          } else if (threadOfObject.has(ev.argLo[i])) {
            arrow(ts, ts, threadOfObject.get(ev.argLo[i]), th, o, A.start);
          }
          break;
        }
        case EV.threadEnd:
          threadEnded[o + 1] = i;
          end[th] = ts;
          ended[th] = 1;
          break;
        case EV.taskResume: {
          if (ended[th]) break;
          taskObj[th] = o;
          const su = suspended[th];
          if (su >= 0) {
            add(ev.ts[su], ts, T.waiting, th, awaited(su), su, 0);
            suspended[th] = -1;
          }
          if (running[th] < 0) running[th] = ts;
          break;
        }
        case EV.taskSuspend:
          if (taskObj[th] === -2 || ended[th]) break;
          if (running[th] >= 0) { runs.push([th, running[th], ts]); running[th] = -1; }
          if (blocked[th] < 0 && waiting[th] < 0 && joining[th] < 0 && suspended[th] < 0) suspended[th] = i;
          break;
        case EV.taskEnd:
          if (taskObj[th] === -2 || taskObj[th] !== o || ended[th]) break;
          if (running[th] >= 0) { runs.push([th, running[th], ts]); running[th] = -1; }
          if (suspended[th] >= 0) {
            const su = suspended[th];
            add(ev.ts[su], ts, T.waiting, th, awaited(su), su, 0);
            suspended[th] = -1;
          }
          end[th] = ts;
          ended[th] = 1;
          break;
        default: break;
      }
    }
    // Whatever is still open lasted until the end of the trace (a deadlock looks like this).
    const holderAtEnd = new Map();  // object -> a thread holding it at the end
    for (let th = 0; th < nt; th++) for (const h of holds[th]) if (!ended[th]) holderAtEnd.set(h.o, th);
    for (let th = 0; th < nt; th++) {
      if (begin[th] === Infinity) continue;
      if (!ended[th]) end[th] = tMax;
      for (const open of [blocked[th], waiting[th], joining[th], suspended[th]]) {
        if (open < 0) continue;
        const type = ev.kind[open] === EV.acquireBegin ? T.blocked : T.waiting;
        const by = type === T.blocked && holderAtEnd.has(ev.obj[open]) ? holderAtEnd.get(ev.obj[open]) : -1;
        const obj = ev.kind[open] === EV.taskSuspend ? awaited(open) : ev.obj[open];
        add(ev.ts[open], end[th], type, th, obj, open, F_OPEN, by);
      }
      if (running[th] >= 0) runs.push([th, running[th], end[th]]);
    }
    for (let th = 0; th < nt; th++) {
      for (const h of holds[th]) {
        add(h.t0, ended[th] ? end[th] : tMax, T.holding, th, h.o, h.e, F_OPEN | (h.contended ? F_CONTENDED : 0));
      }
    }
    const lifeStart = I.n;
    // A task lane's life is its running stretches; it begins with the first resume and ends with
    // its end (or the end of the trace, or of its last stretch if neither is later).
    runs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let r = 0;
    for (let th = 0; th < nt; th++) {
      if (taskObj[th] !== -2) {
        const first = r;
        for (; r < runs.length && runs[r][0] === th; r++) add(runs[r][1], runs[r][2], T.running, th, -1, -1, 0);
        if (r > first) { begin[th] = runs[first][1]; end[th] = runs[r - 1][2]; }
        continue;
      }
      if (begin[th] !== Infinity) add(begin[th], end[th], T.running, th, -1, -1, 0);
    }
    const Iv = I.finish();

    // Each phase is its own function, so that the engine optimises each loop with its own type
    // feedback (one large function deoptimised on every phase change: 2-3x slower).
    const { threads, byObject } = rowsOf(Iv, nt, no, begin, end);
    const contendedHold = contention(Iv, no);
    const arrows = Ar.finish();
    return { tMin, tMax, I: Iv, threads, arrows, byObject, contendedHold, lifeStart, reacq: Re.finish() };
  }

  // Rows per thread: life (running), state (blocked/waiting), holds (packed); intervals per
  // object (object -> Int32Array of interval indexes, in time order of closing). Both by
  // counting sort into one typed array (no per-interval JavaScript arrays: 10M events give 4M
  // intervals).
  function rowsOf(Iv, nt, no, begin, end) {
    const n = Iv.n, type = Iv.type, thread = Iv.thread, obj = Iv.obj;
    const slots = new Int32Array(nt * 3 + 1);  // thread * 3 + (0 life, 1 state, 2 holds)
    const count = new Int32Array(no + 1);
    for (let i = 0; i < n; i++) {
      const ty = type[i];
      slots[thread[i] * 3 + (ty === T.running ? 0 : ty === T.holding ? 2 : 1) + 1]++;
      count[obj[i] + 2]++;
    }
    for (let k = 1; k <= nt * 3; k++) slots[k] += slots[k - 1];
    const byThread = new Int32Array(n);
    const put = slots.slice();
    for (let i = 0; i < n; i++) {
      const ty = type[i];
      byThread[put[thread[i] * 3 + (ty === T.running ? 0 : ty === T.holding ? 2 : 1)]++] = i;
    }
    for (let k = 1; k <= no; k++) count[k] += count[k - 1];
    const flat = new Int32Array(n);
    const fill = count.slice();
    for (let i = 0; i < n; i++) flat[fill[obj[i] + 1]++] = i;
    const byObject = new Map();
    for (let o = 0; o < no - 1; o++) {
      if (count[o + 2] > count[o + 1]) byObject.set(o, flat.subarray(count[o + 1], count[o + 2]));
    }
    const part = (th, role) => byThread.subarray(slots[th * 3 + role], slots[th * 3 + role + 1]);
    const threads = [];
    for (let th = 0; th < nt; th++) {
      threads.push({ begin: begin[th], end: end[th], life: part(th, 0).slice(),
        state: packRows(part(th, 1), Iv.t0, Iv.t1), holds: packRows(part(th, 2), Iv.t0, Iv.t1) });
    }
    return { threads, byObject };
  }

  // In arr[lo, hi), sorted ascending: the first x with arr[x] >= v (arr[x] > v if strict), or hi.
  // Gallops from `from` (where the answer is expected to be near), then bisects.
  function gallop(arr, lo, hi, from, v, strict) {
    if (lo >= hi) return lo;
    if (from < lo) from = lo;
    if (from > hi - 1) from = hi - 1;
    let a, b;  // the answer is in [a, b]
    if (strict ? arr[from] > v : arr[from] >= v) {
      b = from;
      let x = from - 1, step = 1;
      while (x >= lo && (strict ? arr[x] > v : arr[x] >= v)) { b = x; x -= step; step *= 2; }
      a = x < lo ? lo : x + 1;
    } else {
      a = from + 1;
      let x = from + 1, step = 1;
      while (x < hi && !(strict ? arr[x] > v : arr[x] >= v)) { a = x + 1; x += step; step *= 2; }
      b = x < hi ? x : hi;
    }
    while (a < b) {
      const mid = (a + b) >> 1;
      if (strict ? arr[mid] > v : arr[mid] >= v) b = mid; else a = mid + 1;
    }
    return a;
  }

  // Holds during which another thread was blocked on the same object: contention.
  // Per object: the holds of a lock do not overlap, so in closing order they are sorted by start
  // and by end. Each blocked acquisition marks the run of holds it overlaps in a difference
  // array; a prefix sum then says which holds were contended. Sequential passes over the
  // intervals, each object's holds copied side by side (t0, t1): jumping through the interval
  // columns object by object cost 0.6-1 s at 4M intervals (cache misses).
  function contention(Iv, no) {
    const n = Iv.n, type = Iv.type, obj = Iv.obj, t0 = Iv.t0, t1 = Iv.t1;
    const HOLD = T.holding, BLOCKED = T.blocked;
    const contendedHold = new Uint8Array(n);
    const nh = new Int32Array(no), nb = new Int32Array(no);  // by object index + 1
    for (let i = 0; i < n; i++) {
      const ty = type[i];
      if (ty === HOLD) nh[obj[i] + 1]++; else if (ty === BLOCKED) nb[obj[i] + 1]++;
    }
    const off = new Int32Array(no + 1);  // object s's holds: [off[s], off[s + 1]) (none for -1)
    for (let s = 0; s < no; s++) off[s + 1] = off[s] + (s > 0 && nb[s] > 0 ? nh[s] : 0);
    const H = off[no];
    if (H === 0) return contendedHold;
    const hs = new Int32Array(H), h0 = new Float64Array(H), h1 = new Float64Array(H);
    const put = off.slice(0, no), sorted = new Uint8Array(no).fill(1);
    for (let i = 0; i < n; i++) {
      if (type[i] !== HOLD) continue;
      const s = obj[i] + 1;
      if (off[s + 1] === off[s]) continue;
      const k = put[s]++;
      hs[k] = i; h0[k] = t0[i]; h1[k] = t1[i];
      if (k > off[s] && h0[k] < h1[k - 1]) sorted[s] = 0;  // overlapping holds (semaphore)
    }
    const diff = new Int32Array(H + no);  // object s's at [off[s] + s, off[s + 1] + s]
    const hint = off.slice(0, no);
    const unsorted = new Map();  // object slot -> its blocked acquisitions [b0, b1, ...]
    for (let i = 0; i < n; i++) {
      if (type[i] !== BLOCKED) continue;
      const s = obj[i] + 1, lo = off[s], hi = off[s + 1];
      if (lo === hi) continue;
      const b0 = t0[i], b1 = t1[i];
      if (!sorted[s]) {  // holds may overlap (semaphores, clocks of threads that disagree)
        if (!unsorted.has(s)) unsorted.set(s, []);
        unsorted.get(s).push(b0, b1);
        continue;
      }
      const e = gallop(h0, lo, hi, hint[s], b1, false);  // first hold starting at or after b ends
      const a = gallop(h1, lo, e, e - 1, b0, true);       // first hold ending after b starts
      hint[s] = e;
      if (e > a) { diff[a + s]++; diff[e + s]--; }
    }
    for (let s = 1; s < no; s++) {
      if (!sorted[s]) continue;
      for (let h = off[s], run = 0; h < off[s + 1]; h++) {
        run += diff[h + s];
        if (run > 0) contendedHold[hs[h]] = 1;
      }
    }
    // Holds that overlap: the blocked acquisitions by start, with the running maximum of their
    // ends; those starting before a hold ends are a prefix, one of them ends after the hold
    // starts when the prefix's maximum does (a check of every pair took minutes at 10M events).
    for (const [s, list] of unsorted) {
      const nb = list.length / 2;
      const order = Array.from({ length: nb }, (_, k) => k).sort((x, y) => list[2 * x] - list[2 * y]);
      const b0s = new Float64Array(nb), maxEnd = new Float64Array(nb);
      let mx = -Infinity;
      order.forEach((k, j) => { b0s[j] = list[2 * k]; mx = Math.max(mx, list[2 * k + 1]); maxEnd[j] = mx; });
      for (let h = off[s]; h < off[s + 1]; h++) {
        const c = gallop(b0s, 0, nb, 0, h1[h], false);  // blocked starting before the hold ends
        if (c > 0 && maxEnd[c - 1] > h0[h]) contendedHold[hs[h]] = 1;
      }
    }
    return contendedHold;
  }

  // The rows of one object's lane: its holds, blocked acquisitions and waits by any thread.
  function objectRows(D, obj) {
    const list = D.byObject.get(obj) || [];
    return packRows(list, D.I.t0, D.I.t1);
  }

  // The interval of `type` (or blocked/waiting if type is omitted) on thread `th` that covers
  // time t; -1 if none. Linear in the thread's state intervals.
  function intervalAt(D, th, t, types) {
    const rows = types && types.has(T.holding) ? D.threads[th].holds : D.threads[th].state;
    let best = -1;
    for (const row of rows) {
      for (let k = 0; k < row.length; k++) {
        const i = row[k];
        if (D.I.t0[i] <= t && t <= D.I.t1[i] && (!types || types.has(D.I.type[i]))) best = i;
      }
    }
    return best;
  }

  // Who holds `obj` at time t (thread indexes), from the hold intervals.
  function holdersAt(D, obj, t) {
    const out = [];
    for (const i of D.byObject.get(obj) || []) {
      if (D.I.type[i] === T.holding && D.I.t0[i] <= t && t <= D.I.t1[i]) out.push(D.I.thread[i]);
    }
    return out;
  }

  // The thread whose weft::Thread object is `obj`, or -1.
  function threadOfObject(m, obj) {
    if (!m.threadOfObjectMap) {
      m.threadOfObjectMap = new Map();
      m.threads.forEach((t, k) => { if (t.object >= 0) m.threadOfObjectMap.set(t.object, k); });
    }
    const th = m.threadOfObjectMap.get(obj);
    return th === undefined ? -1 : th;
  }

  // The wait-for edges of a finding at its time: each involved thread that is blocked or waiting
  // then, on which object, held by whom (for a join: the joined thread, which has not ended).
  // -> [{from, to (-1 unknown), obj, since, interval, join, cycle}], cycle = true for the edges
  // on a wait-for cycle (for a deadlock these edges are the cycle), in the finding's order.
  function findingEdges(m, D, f) {
    const edges = [];
    const t = Math.min(Math.max(f.time, D.tMin), D.tMax);
    for (const th of f.threads) {
      if (th >= D.threads.length) continue;
      const i = intervalAt(D, th, t);
      if (i < 0) continue;
      const obj = D.I.obj[i];
      const join = D.I.kind[i] === EV.joinBegin;
      let holders;
      if (join) {
        const joined = obj >= 0 ? threadOfObject(m, obj) : -1;
        holders = joined >= 0 && joined !== th ? [joined] : [];
      } else {
        holders = obj >= 0 ? holdersAt(D, obj, t).filter((h) => h !== th) : [];
      }
      const base = { from: th, obj, since: D.I.t0[i], interval: i, join, cycle: false };
      if (!holders.length) edges.push(Object.assign({ to: -1 }, base));
      for (const h of holders) edges.push(Object.assign({ to: h }, base));
    }
    // An edge is on a cycle if following edges from its target comes back to its source.
    const out = new Map();
    for (const e of edges) if (e.to >= 0) (out.get(e.from) || out.set(e.from, []).get(e.from)).push(e.to);
    const reaches = (a, b) => {
      const seen = new Set([a]);
      const stack = [a];
      while (stack.length) {
        const x = stack.pop();
        if (x === b) return true;
        for (const y of out.get(x) || []) if (!seen.has(y)) { seen.add(y); stack.push(y); }
      }
      return false;
    };
    for (const e of edges) if (e.to >= 0) e.cycle = reaches(e.to, e.from);
    return edges;
  }

  // One line for an edge: "t1 waits for lock b, held by t2" / "main waits for t1 to end (join)".
  function edgeText(m, e) {
    const who = W.threadLabel(m, e.from);
    if (e.join) return who + ' waits for ' + (e.to >= 0 ? W.threadLabel(m, e.to) : W.objectLabel(m, e.obj)) + ' to end (join)';
    return who + ' waits for ' + (e.obj >= 0 ? W.objectLabel(m, e.obj) : 'an object') +
      (e.to >= 0 ? ', held by ' + W.threadLabel(m, e.to) : '');
  }

  // The time range that tells a finding's story: from the earliest wait/hold among its edges (or
  // 5% of the trace before it) to just after it.
  // A finding's time on the trace's time axis: detectors may report after the last recorded
  // event (a watchdog notices a deadlock later); the page shows it at the end of the trace.
  function findingTime(D, f) { return Math.min(Math.max(f.time, D.tMin), D.tMax); }

  // A ThreadSanitizer data race's two accesses, for the lanes: [{thread, time, exact, text}],
  // the current access first. The finding's threads are the accessing threads in access order
  // and its message says each access as runtime/tsan/frames.cpp writes it ("; write of 4 bytes
  // at 0x... by ...", "; previous read of ..."). TSan does not say when the previous access
  // happened: it is drawn at the latest time it can have been, the report's time or the end of
  // its thread if that came first (exact: false). Empty for other findings.
  function raceAccesses(D, f) {
    if (f.kind !== 'data-race' || f.threads.length < 2) return [];
    const re = /; (previous )?(atomic )?(read|write) of (\d+) bytes/g;
    const found = [];
    for (let mm; (mm = re.exec(f.message)) && found.length < 2;) found.push(mm);
    if (found.length < 2) return [];
    const time = findingTime(D, f);
    return found.map((mm, k) => {
      const th = f.threads[k];
      const life = D.threads[th];
      const end = life && life.end !== undefined && isFinite(life.end) ? life.end : time;
      const t = mm[1] ? Math.min(time, end) : time;
      return { thread: th, time: t, exact: !mm[1],
        text: (mm[1] ? 'previous ' : '') + (mm[2] || '') + mm[3] + ' ' + mm[4] + ' B' };
    });
  }

  function findingRange(m, D, f) {
    const span = Math.max(D.tMax - D.tMin, 1);
    const time = findingTime(D, f);
    let a = time - span * 0.05;
    for (const e of findingEdges(m, D, f)) {
      a = Math.min(a, e.since);
      if (e.to >= 0) {
        for (const i of D.byObject.get(e.obj) || []) {
          if (D.I.type[i] === T.holding && D.I.thread[i] === e.to && D.I.t0[i] <= time &&
              time <= D.I.t1[i]) a = Math.min(a, D.I.t0[i]);
        }
      }
    }
    const b = time;
    const pad = Math.max((b - a) * 0.15, 1000);
    // Room on the right for the wait-for edges and their labels, drawn after the finding.
    return [Math.max(D.tMin - pad, a - pad), b + Math.max(pad, (b - a) * 0.95)];
  }

  // Statistics of the range [a, b] per object: acquisitions, contended ones, time spent blocked
  // on it and time it was held (clipped to the range). Sorted by wait time, then holds.
  function rangeStats(m, D, a, b) {
    const stats = new Map();
    const get = (o) => {
      let s = stats.get(o);
      if (!s) stats.set(o, (s = { obj: o, acquisitions: 0, contended: 0, waitNs: 0, holdNs: 0 }));
      return s;
    };
    // Acquisitions: each hold began with one, each re-entrant acquisition is one more.
    const I = D.I;
    for (let i = 0; i < I.n; i++) {
      const o = I.obj[i];
      if (o < 0) continue;
      const ov = Math.min(I.t1[i], b) - Math.max(I.t0[i], a);
      if (I.type[i] === T.blocked) {
        if (I.t1[i] >= a && I.t1[i] <= b && !(I.flags[i] & F_OPEN)) get(o).contended++;
        if (ov > 0) get(o).waitNs += ov;
      } else if (I.type[i] === T.holding) {
        if (I.t0[i] >= a && I.t0[i] <= b) get(o).acquisitions++;
        if (ov > 0) get(o).holdNs += ov;
      }
    }
    const R = D.reacq;
    let lo = 0, hi = R.n;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (R.ts[mid] < a) lo = mid + 1; else hi = mid; }
    for (let k = lo; k < R.n && R.ts[k] <= b; k++) if (R.obj[k] >= 0) get(R.obj[k]).acquisitions++;
    return Array.from(stats.values()).sort((x, y) => y.waitNs - x.waitNs || y.holdNs - x.holdNs ||
      x.obj - y.obj);
  }

  // Lock contention over the whole trace, per object that was acquired or blocked on: the
  // page's "Locks" panel and the terminal's table (viewer/emit/text.cpp, same definitions).
  //   acquisitions  acquired events (each recursive level counts, as in `weft report`)
  //   contended     holds entered after blocking (F_CONTENDED)
  //   blocks        times a thread blocked acquiring it (`weft report`'s "cont"): contended
  //                 holds, plus acquisitions that failed after blocking or never ended
  //   blockedNs / maxWaitNs   blocked intervals, summed / the longest
  //   holdNs / maxHoldNs      hold intervals, summed / the longest
  // Intervals still open at the end count up to the end of the time axis (D.tMax), as drawn.
  // Sorted by time spent blocked, then hold time, then acquisitions.
  function lockStats(m, D) {
    const stats = new Map();
    const get = (o) => {
      let s = stats.get(o);
      if (!s) {
        stats.set(o, (s = { obj: o, acquisitions: 0, contended: 0, blocks: 0, blockedNs: 0, maxWaitNs: 0,
          holdNs: 0, maxHoldNs: 0 }));
      }
      return s;
    };
    // Acquisitions: each hold began with one, each re-entrant acquisition is one more.
    const R = D.reacq;
    for (let k = 0; k < R.n; k++) if (R.obj[k] >= 0) get(R.obj[k]).acquisitions++;
    const I = D.I;
    for (let i = 0; i < I.n; i++) {
      const o = I.obj[i], type = I.type[i];
      if (o < 0 || (type !== T.blocked && type !== T.holding)) continue;
      const s = get(o), d = I.t1[i] - I.t0[i];
      if (type === T.blocked) {
        s.blocks++;
        s.blockedNs += d;
        if (d > s.maxWaitNs) s.maxWaitNs = d;
      } else {
        s.acquisitions++;
        if (I.flags[i] & F_CONTENDED) s.contended++;
        s.holdNs += d;
        if (d > s.maxHoldNs) s.maxHoldNs = d;
      }
    }
    return Array.from(stats.values()).sort((x, y) => y.blockedNs - x.blockedNs || y.holdNs - x.holdNs ||
      y.acquisitions - x.acquisitions || x.obj - y.obj);
  }

  Object.assign(W, { T, A, A_NAMES, F_OPEN, F_CONTENDED, derive, deriveEvents, gallop, extendedEnd, packRows, objectRows, findingTime,
    intervalAt, holdersAt, findingEdges, edgeText, raceAccesses, threadOfObject, findingRange, rangeStats,
    lockStats });
})(globalThis.WeftViewer = globalThis.WeftViewer || {});
