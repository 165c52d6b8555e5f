// layout/derive.js: events -> intervals (what each thread was doing) and arrows (who unblocked or
// woke whom). Pure functions of the model; no DOM. Mirrors viewer/emit/derive.cpp.
//
// Conventions (weft/runtime/event.hpp): acquire-begin .. acquired|acquire-failed is a blocked
// acquisition; acquired .. release a hold (RLock: release's arg is the depth after); wait-begin ..
// wait-end and join-begin .. join-end are waits. A Condition wait appears as wait-begin(cond),
// release(lock) .. wait-end(cond), acquired(lock), so the lock shows free while the thread waits.
(function (W) {
  'use strict';
  const EV = W.EV;
  // Interval types (also the colour keys of render/draw.js).
  const T = { running: 1, blocked: 2, waiting: 3, holding: 4 };
  // Arrow kinds.
  const A = { unblock: 0, notify: 1, set: 2, start: 3, join: 4 };
  const A_NAMES = ['release \u2192 acquire', 'notify \u2192 wake-up', 'set \u2192 wait ended',
    'thread start', 'thread end \u2192 join'];
  const F_OPEN = 1, F_CONTENDED = 2;  // interval flags: never ended; hold entered after blocking

  const RECURSIVE = new Set([2 /* rlock */, 13 /* recursive-mutex */]);
  const EVENT_KINDS = new Set([6 /* event */]);

  class Table {  // growable columns, frozen into typed arrays by finish()
    constructor(cols) { this.cols = cols; for (const c of cols) this[c] = []; this.n = 0; }
    finish(types) {
      const out = { n: this.n };
      for (const c of this.cols) out[c] = types[c].from(this[c]);
      return out;
    }
  }

  // Packs intervals (indexes, any order) into rows so that no two in a row overlap; greedy by
  // start time. Returns an array of Int32Array rows, each sorted by start (and so by end).
  function packRows(idx, t0, t1) {
    const sorted = Array.from(idx).sort((a, b) => t0[a] - t0[b] || t1[b] - t1[a]);
    const rows = [], ends = [];
    for (const i of sorted) {
      let r = 0;
      while (r < rows.length && ends[r] > t0[i]) r++;
      if (r === rows.length) { rows.push([]); ends.push(-Infinity); }
      rows[r].push(i);
      ends[r] = Math.max(t1[i], t0[i]);
    }
    return rows.map((r) => Int32Array.from(r));
  }

  // model -> {tMin, tMax, I (intervals), threads: [{begin, end, life, state, holds}], arrows,
  //           byObject: Map(objIndex -> interval indexes)}
  function derive(m) {
    const ev = m.ev, n = ev.n, nt = m.threads.length;
    const I = new Table(['t0', 't1', 'type', 'thread', 'obj', 'ev', 'flags']);
    const Ar = new Table(['t0', 't1', 'from', 'to', 'obj', 'kind']);
    const add = (t0, t1, type, th, obj, e, flags) => {
      I.t0.push(t0); I.t1.push(Math.max(t0, t1)); I.type.push(type); I.thread.push(th);
      I.obj.push(obj); I.ev.push(e); I.flags.push(flags); return I.n++;
    };
    const arrow = (t0, t1, from, to, obj, kind) => {
      Ar.t0.push(t0); Ar.t1.push(t1); Ar.from.push(from); Ar.to.push(to); Ar.obj.push(obj);
      Ar.kind.push(kind); Ar.n++;
    };
    const tMin = n ? ev.ts[0] : 0, tMax = n ? ev.ts[n - 1] : 0;
    const begin = new Float64Array(nt).fill(Infinity), end = new Float64Array(nt).fill(-Infinity);
    const ended = new Uint8Array(nt);
    const blocked = new Int32Array(nt).fill(-1);   // event index of the open acquire-begin
    const waiting = new Int32Array(nt).fill(-1);   // open wait-begin
    const joining = new Int32Array(nt).fill(-1);   // open join-begin
    const holds = new Map();                       // th * 2^21 + obj -> {t0, e, depth, contended}
    const lastRelease = new Map(), lastSignal = new Map(), threadEnded = new Map(), created = new Map();
    const threadOfObject = new Map();
    m.threads.forEach((t, i) => { if (t.object >= 0) threadOfObject.set(t.object, i); });
    const key = (th, obj) => th * 2097152 + obj;

    for (let i = 0; i < n; i++) {
      const th = ev.thread[i], k = ev.kind[i], o = ev.obj[i], ts = ev.ts[i];
      if (!ended[th]) { if (ts < begin[th]) begin[th] = ts; if (ts > end[th]) end[th] = ts; }
      switch (k) {
        case EV.create: created.set(o, i); break;
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
            add(ev.ts[b], ts, T.blocked, th, o, b, 0);
            blocked[th] = -1;
            contended = true;
            const r = lastRelease.get(o);
            if (r !== undefined && ev.thread[r] !== th && ev.ts[r] >= ev.ts[b]) {
              arrow(ev.ts[r], ts, ev.thread[r], th, o, A.unblock);
            }
          }
          const h = holds.get(key(th, o));
          if (h === undefined || h.depth === 0) {
            holds.set(key(th, o), { t0: ts, e: i, depth: 1, contended, th, o });
          } else {
            h.depth++;
          }
          break;
        }
        case EV.release: {
          lastRelease.set(o, i);
          const h = holds.get(key(th, o));
          if (h === undefined || h.depth === 0) break;  // unowned release: nothing to close
          const counted = o >= 0 && RECURSIVE.has(m.objects[o].kind);
          const arg = ev.argLo[i] + ev.argHi[i] * 4294967296;
          if (counted && arg > 0) { h.depth = arg; break; }
          if (--h.depth > 0 && !counted) break;
          add(h.t0, ts, T.holding, th, o, h.e, h.contended ? F_CONTENDED : 0);
          holds.delete(key(th, o));
          break;
        }
        case EV.waitBegin: waiting[th] = i; break;
        case EV.waitEnd: {
          const w = waiting[th];
          if (w >= 0 && ev.obj[w] === o) {
            add(ev.ts[w], ts, T.waiting, th, o, w, 0);
            waiting[th] = -1;
            const s = lastSignal.get(o);
            if (ev.argLo[i] === 0 && s !== undefined && ev.thread[s] !== th && ev.ts[s] >= ev.ts[w]) {
              const isEvent = o >= 0 && EVENT_KINDS.has(m.objects[o].kind);
              arrow(ev.ts[s], ts, ev.thread[s], th, o, isEvent ? A.set : A.notify);
            }
          }
          break;
        }
        case EV.notify: case EV.set: lastSignal.set(o, i); break;
        case EV.joinBegin: joining[th] = i; break;
        case EV.joinEnd: {
          const j = joining[th];
          if (j >= 0 && ev.obj[j] === o) {
            add(ev.ts[j], ts, T.waiting, th, o, j, 0);
            joining[th] = -1;
          }
          const e2 = threadEnded.get(o);
          if (ev.argLo[i] === 0 && e2 !== undefined) arrow(ev.ts[e2], ts, ev.thread[e2], th, o, A.join);
          break;
        }
        case EV.threadStart: {
          const c = created.get(o);
          if (c !== undefined && ev.thread[c] !== th) {
            arrow(ev.ts[c], ts, ev.thread[c], th, o, A.start);
          } else if (threadOfObject.has(ev.argLo[i])) {
            arrow(ts, ts, threadOfObject.get(ev.argLo[i]), th, o, A.start);
          }
          break;
        }
        case EV.threadEnd:
          threadEnded.set(o, i);
          end[th] = ts;
          ended[th] = 1;
          break;
        default: break;
      }
    }
    // Whatever is still open lasted until the end of the trace (a deadlock looks like this).
    for (let th = 0; th < nt; th++) {
      if (begin[th] === Infinity) continue;
      if (!ended[th]) end[th] = tMax;
      for (const open of [blocked[th], waiting[th], joining[th]]) {
        if (open < 0) continue;
        const type = ev.kind[open] === EV.acquireBegin ? T.blocked : T.waiting;
        add(ev.ts[open], end[th], type, th, ev.obj[open], open, F_OPEN);
      }
    }
    for (const h of holds.values()) {
      add(h.t0, ended[h.th] ? end[h.th] : tMax, T.holding, h.th, h.o, h.e,
        F_OPEN | (h.contended ? F_CONTENDED : 0));
    }
    const lifeStart = I.n;
    for (let th = 0; th < nt; th++) {
      if (begin[th] !== Infinity) add(begin[th], end[th], T.running, th, -1, -1, 0);
    }
    const Iv = I.finish({ t0: Float64Array, t1: Float64Array, type: Uint8Array, thread: Uint32Array,
      obj: Int32Array, ev: Int32Array, flags: Uint8Array });

    // Rows per thread: life (running), state (blocked/waiting), holds (packed).
    const perThread = Array.from({ length: nt }, () => ({ state: [], holds: [], life: [] }));
    const byObject = new Map();
    for (let i = 0; i < Iv.n; i++) {
      const p = perThread[Iv.thread[i]];
      const type = Iv.type[i];
      if (type === T.running) p.life.push(i);
      else if (type === T.holding) p.holds.push(i);
      else p.state.push(i);
      if (Iv.obj[i] >= 0) {
        let list = byObject.get(Iv.obj[i]);
        if (!list) byObject.set(Iv.obj[i], (list = []));
        list.push(i);
      }
    }
    const threads = perThread.map((p, th) => ({
      begin: begin[th], end: end[th],
      life: Int32Array.from(p.life),
      state: packRows(p.state, Iv.t0, Iv.t1),
      holds: packRows(p.holds, Iv.t0, Iv.t1),
    }));
    // Holds during which another thread was blocked on the same object: contention.
    const contendedHold = new Uint8Array(Iv.n);
    for (const list of byObject.values()) {
      const bs = list.filter((i) => Iv.type[i] === T.blocked);
      if (!bs.length) continue;
      // Holds of one lock do not overlap, so their ends are sorted too: binary search each wait.
      const hs = list.filter((i) => Iv.type[i] === T.holding).sort((x, y) => Iv.t0[x] - Iv.t0[y]);
      for (const b of bs) {
        let lo = 0, hi = hs.length;
        while (lo < hi) { const mid = (lo + hi) >> 1; if (Iv.t1[hs[mid]] <= Iv.t0[b]) lo = mid + 1; else hi = mid; }
        for (let k = lo; k < hs.length && Iv.t0[hs[k]] < Iv.t1[b]; k++) {
          if (Iv.thread[hs[k]] !== Iv.thread[b]) contendedHold[hs[k]] = 1;
        }
      }
    }
    const arrows = Ar.finish({ t0: Float64Array, t1: Float64Array, from: Uint32Array,
      to: Uint32Array, obj: Int32Array, kind: Uint8Array });
    return { tMin, tMax, I: Iv, threads, arrows, byObject, contendedHold, lifeStart };
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

  // The wait-for edges of a finding at its time: each involved thread that is blocked or waiting
  // then, on which object, held by whom. For a deadlock these edges form the cycle.
  function findingEdges(m, D, f) {
    const edges = [];
    const t = Math.min(Math.max(f.time, D.tMin), D.tMax);
    for (const th of f.threads) {
      if (th >= D.threads.length) continue;
      const i = intervalAt(D, th, t);
      if (i < 0) continue;
      const obj = D.I.obj[i];
      const holders = obj >= 0 ? holdersAt(D, obj, t).filter((h) => h !== th) : [];
      if (!holders.length) edges.push({ from: th, to: -1, obj, since: D.I.t0[i], interval: i });
      for (const h of holders) edges.push({ from: th, to: h, obj, since: D.I.t0[i], interval: i });
    }
    return edges;
  }

  // The time range that tells a finding's story: from the earliest wait/hold among its edges (or
  // 5% of the trace before it) to just after it.
  function findingRange(m, D, f) {
    const span = Math.max(D.tMax - D.tMin, 1);
    let a = f.time - span * 0.05;
    for (const e of findingEdges(m, D, f)) {
      a = Math.min(a, e.since);
      if (e.to >= 0) {
        for (const i of D.byObject.get(e.obj) || []) {
          if (D.I.type[i] === T.holding && D.I.thread[i] === e.to && D.I.t0[i] <= f.time &&
              f.time <= D.I.t1[i]) a = Math.min(a, D.I.t0[i]);
        }
      }
    }
    let b = f.time;
    const pad = Math.max((b - a) * 0.15, 1000);
    return [Math.max(D.tMin - pad, a - pad), b + pad];
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
    const ev = m.ev;
    let lo = 0, hi = ev.n;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (ev.ts[mid] < a) lo = mid + 1; else hi = mid; }
    for (let i = lo; i < ev.n && ev.ts[i] <= b; i++) {
      if (ev.kind[i] === EV.acquired && ev.obj[i] >= 0) get(ev.obj[i]).acquisitions++;
    }
    const I = D.I;
    for (let i = 0; i < I.n; i++) {
      const o = I.obj[i];
      if (o < 0) continue;
      const ov = Math.min(I.t1[i], b) - Math.max(I.t0[i], a);
      if (I.type[i] === T.blocked) {
        if (I.t1[i] >= a && I.t1[i] <= b && !(I.flags[i] & F_OPEN)) get(o).contended++;
        if (ov > 0) get(o).waitNs += ov;
      } else if (I.type[i] === T.holding && ov > 0) {
        get(o).holdNs += ov;
      }
    }
    return Array.from(stats.values()).sort((x, y) => y.waitNs - x.waitNs || y.holdNs - x.holdNs);
  }

  Object.assign(W, { T, A, A_NAMES, F_OPEN, F_CONTENDED, derive, packRows, objectRows,
    intervalAt, holdersAt, findingEdges, findingRange, rangeStats });
})(globalThis.WeftViewer = globalThis.WeftViewer || {});
