// layout/lod.js: level of detail. Which intervals of a row to draw at a given zoom, and how.
//
// A row's intervals do not overlap and are sorted by start, so their ends are sorted too. At any
// zoom, visibleRuns() finds the first visible interval by binary search on the ends; wide
// intervals are drawn as they are; an interval narrower than a pixel is drawn as one pixel and
// every other interval ending inside that same pixel column is skipped by another binary search.
// So a frame costs O(width x log n) per row, whatever the number of events: at most about two
// rectangles per pixel per row.
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
      const next = firstEndingAfter(idx, t1, a + (px + 1) * nsPerPx, k + 1);
      if (!cum) cum = cumulative(idx, t0, t1);
      const fill = Math.min(1, Math.max(0.15, (cum[next] - cum[k]) / nsPerPx));
      emit(i, px, px + 1, next - k > 1, fill);
      count++;
      k = Math.max(next, k + 1);
    }
    return count;
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

  Object.assign(W, { visibleRuns, firstEndingAfter, tickStep, formatNs, formatDuration });
})(globalThis.WeftViewer = globalThis.WeftViewer || {});
