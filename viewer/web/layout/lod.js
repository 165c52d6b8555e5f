// layout/lod.js: level of detail. Which intervals of a row to draw at a given zoom, and how.
//
// A row's intervals do not overlap and are sorted by start, so their ends are sorted too. At any
// zoom, visibleRuns() finds the first visible interval by binary search on the ends; wide
// intervals are drawn as they are; an interval narrower than a pixel is drawn as one pixel and
// every other interval ending inside that same pixel column is skipped by another binary search.
// So a frame costs O(width x log n) per row, whatever the number of events: at most about two
// rectangles per pixel per row. The search for the end of a pixel column gallops from where the
// previous column ended (O(log of the intervals skipped), on memory next to the last access).
// RectBatch then merges neighbouring rectangles of one colour and height into one, so a dense
// row costs a few rectangles, not one per pixel. Arrows are found by time the same way
// (arrowIndex / visibleArrows), never by scanning them all.
(function (W) {
  'use strict';

  // First k in [from, idx.length) with t1[idx[k]] > t (idx sorted by end).
  function firstEndingAfter(idx, t1, t, from) {
    let lo = from, hi = idx.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (t1[idx[mid]] <= t) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  // First k in [from, idx.length) with t1[idx[k]] > t, searching forward from `from` by doubling
  // steps, then by bisection: O(log(k - from)), and it reads memory near idx[from] first.
  function nextEndingAfter(idx, t1, t, from) {
    const n = idx.length;
    if (from >= n || t1[idx[from]] > t) return from;
    let lo = from + 1, step = 1, hi = from + 1;
    while (hi < n && t1[idx[hi]] <= t) {
      lo = hi + 1;
      step *= 2;
      hi = from + step;
    }
    if (hi > n) hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (t1[idx[mid]] <= t) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  // Prefix sums of the row's durations (cached on the row): cum[k] = total length of the
  // intervals before position k. Lets a merged pixel say how full it is in O(1).
  function cumulative(idx, t0, t1) {
    if (idx.cum && idx.cum.length === idx.length + 1) return idx.cum;
    const cum = new Float64Array(idx.length + 1);
    for (let k = 0; k < idx.length; k++) cum[k + 1] = cum[k] + (t1[idx[k]] - t0[idx[k]]);
    idx.cum = cum;
    return cum;
  }

  // Calls emit(i, x0, x1, merged, fill) for what to draw of row `idx` in the view [a, a + width *
  // nsPerPx]: x in pixels from a; merged = true when the pixel stands for several intervals; fill
  // in (0, 1] is the fraction of the pixel's time they cover (1 for unmerged intervals).
  // Returns the number of emitted rectangles.
  function visibleRuns(idx, t0, t1, a, nsPerPx, width, emit) {
    const b = a + width * nsPerPx;
    let k = firstEndingAfter(idx, t1, a, 0);
    if (k > 0 && t1[idx[k - 1]] === a && t0[idx[k - 1]] === a) k--;  // zero-length at the edge
    let count = 0;
    let cum = null;
    while (k < idx.length) {
      const i = idx[k];
      const s = t0[i];
      if (s > b) break;
      const x0 = (s - a) / nsPerPx, x1 = (t1[i] - a) / nsPerPx;
      if (x1 - x0 >= 1) {
        emit(i, x0, x1, false, 1);
        count++;
        k++;
        continue;
      }
      const px = Math.floor(x0);
      const next = nextEndingAfter(idx, t1, a + (px + 1) * nsPerPx, k + 1);
      if (!cum) cum = cumulative(idx, t0, t1);
      const fill = Math.min(1, Math.max(0.15, (cum[next] - cum[k]) / nsPerPx));
      emit(i, px, px + 1, next - k > 1, fill);
      count++;
      k = Math.max(next, k + 1);
    }
    return count;
  }

  // Rectangles of one frame, grouped by colour key, in typed arrays reused from frame to frame
  // (no allocation per rectangle or per frame). add() snaps to whole pixels and merges a
  // rectangle into the previous one of the same colour when it continues it (same y and height,
  // starting where that one ends): a run of equally full merged pixels becomes one rectangle.
  class RectBatch {
    constructor() { this.keys = []; this.lists = new Map(); }
    clear() { for (const l of this.lists.values()) l.n = 0; }
    list(key) {
      let l = this.lists.get(key);
      if (!l) {
        l = { n: 0, a: new Float32Array(4096) };
        this.lists.set(key, l);
        this.keys.push(key);
      }
      return l;
    }
    // x, y, w, h in pixels; returns true if it extended the previous rectangle of `key`.
    add(key, x, y, w, h) {
      const l = this.list(key);
      const x0 = Math.round(x), x1 = Math.max(x0 + 1, Math.round(x + w));
      const y0 = Math.round(y), y1 = Math.max(y0 + 1, Math.round(y + h));
      const a = l.a, n = l.n;
      if (n > 0) {
        const p = (n - 1) * 4;
        if (a[p + 1] === y0 && a[p + 3] === y1 - y0 && a[p] + a[p + 2] >= x0 && a[p] <= x0) {
          a[p + 2] = Math.max(a[p] + a[p + 2], x1) - a[p];
          return true;
        }
      }
      if ((n + 1) * 4 > a.length) {
        const b = new Float32Array(a.length * 2);
        b.set(a);
        l.a = b;
      }
      const q = n * 4;
      l.a[q] = x0; l.a[q + 1] = y0; l.a[q + 2] = x1 - x0; l.a[q + 3] = y1 - y0;
      l.n = n + 1;
      return false;
    }
    // Total rectangles held.
    count() { let c = 0; for (const l of this.lists.values()) c += l.n; return c; }
    // Calls fill(key, x, y, w, h) for each rectangle, colour by colour.
    forEach(fill) {
      for (const key of this.keys) {
        const l = this.lists.get(key);
        for (let k = 0; k < l.n * 4; k += 4) fill(key, l.a[k], l.a[k + 1], l.a[k + 2], l.a[k + 3]);
      }
    }
  }

  // An index of arrows (columns t0, t1 of a derive() arrows table) by end time. Arrows are found
  // by a search on their ends: those ending in [a, b + maxShort] for the short ones, plus the few
  // long ones (longer than the 99th percentile), which are checked one by one. Returns
  // {order: Int32Array (arrow indexes by t1), ends: Float64Array, maxShort, long: Int32Array}.
  function arrowIndex(Ar) {
    const n = Ar.n;
    let order = Int32Array.from({ length: n }, (_, k) => k);
    let sorted = true;
    for (let k = 1; k < n; k++) if (Ar.t1[k] < Ar.t1[k - 1]) { sorted = false; break; }
    if (!sorted) order = Int32Array.from(Array.from(order).sort((x, y) => Ar.t1[x] - Ar.t1[y]));
    const durs = new Float64Array(n);
    for (let k = 0; k < n; k++) durs[k] = Ar.t1[k] - Ar.t0[k];
    const sortedDurs = durs.slice().sort();
    const maxShort = n ? sortedDurs[Math.min(n - 1, Math.floor(n * 0.99))] : 0;
    const longs = [];
    const ends = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      ends[k] = Ar.t1[order[k]];
      if (durs[order[k]] > maxShort) longs.push(order[k]);
    }
    return { order, ends, maxShort, long: Int32Array.from(longs) };
  }

  // Calls visit(k) for each arrow k that may cross the time range [a, b] (t0 <= b and t1 >= a),
  // short ones in order of their ends, then the long ones. visit returns false to stop.
  function visibleArrows(index, Ar, a, b, visit) {
    const { order, ends, maxShort } = index;
    let lo = 0, hi = ends.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (ends[mid] < a) lo = mid + 1; else hi = mid; }
    const limit = b + maxShort;
    for (let j = lo; j < ends.length && ends[j] <= limit; j++) {
      const k = order[j];
      if (Ar.t1[k] - Ar.t0[k] > maxShort || Ar.t0[k] > b) continue;
      if (visit(k) === false) return;
    }
    for (const k of index.long) {
      if (Ar.t1[k] < a || Ar.t0[k] > b) continue;
      if (visit(k) === false) return;
    }
  }

  // Tick spacing for the ruler: the smallest 1/2/5 x 10^k ns step at least minPx pixels apart.
  function tickStep(nsPerPx, minPx) {
    const raw = nsPerPx * minPx;
    let p = 1;
    while (p * 10 <= raw) p *= 10;
    for (const m of [1, 2, 5, 10]) if (p * m >= raw) return p * m;
    return p * 10;
  }

  // A time for the ruler: the unit follows the tick step (so neighbouring labels share it), the
  // decimals are those the step needs.
  function formatNs(ns, step) {
    if (!step) return formatDuration(ns);
    const ref = step * 100;
    const unit = ref >= 1e10 ? [1e9, 's'] : ref >= 1e7 ? [1e6, 'ms'] : ref >= 1e4 ? [1e3, '\u00b5s'] : [1, 'ns'];
    const v = ns / unit[0];
    const digits = step ? Math.max(0, Math.min(6, Math.ceil(-Math.log10(step / unit[0]) - 1e-9))) : 2;
    return v.toFixed(digits) + ' ' + unit[1];
  }

  function formatDuration(ns) {
    if (ns < 0) return '-' + formatDuration(-ns);
    if (ns < 1e3) return Math.round(ns) + ' ns';
    if (ns < 1e6) return (ns / 1e3).toFixed(1) + ' \u00b5s';
    if (ns < 1e9) return (ns / 1e6).toFixed(2) + ' ms';
    return (ns / 1e9).toFixed(3) + ' s';
  }

  Object.assign(W, { visibleRuns, firstEndingAfter, nextEndingAfter, RectBatch, arrowIndex,
    visibleArrows, tickStep, formatNs, formatDuration });
})(globalThis.WeftViewer = globalThis.WeftViewer || {});
