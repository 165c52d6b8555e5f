// interact/view.js: zoom, pan, selection and picking.
//
// Coordinate spaces (all in CSS pixels unless said otherwise):
//   time t (ns, as recorded)  <->  plot x:  x = GUTTER + (t - view.t0) / view.nsPerPx
//   lane-area y (layout.lanes[].y, 0 = top of the first lane)  <->  canvas y:
//                                           y_canvas = RULER + y_lane - view.scrollY
//   canvas pixels = CSS pixels x devicePixelRatio (applied once, by the canvas transform).
// view = {t0, nsPerPx, scrollY} is the whole viewport state; every input changes only it (or
// the selection) and asks for a redraw.
(function (W) {
  'use strict';

  function clampView(app) {
    const v = app.view, D = app.D;
    const plotW = Math.max(1, app.width - W.GUTTER);
    const span = Math.max(D.tMax - D.tMin, 1);
    v.nsPerPx = Math.min(Math.max(v.nsPerPx, 0.001), (span * 4) / plotW);
    const visible = plotW * v.nsPerPx;
    v.t0 = Math.min(Math.max(v.t0, D.tMin - visible * 0.9), D.tMax - visible * 0.1);
    const maxScroll = Math.max(0, app.layout.height - (app.height - W.RULER) + 20);
    v.scrollY = Math.min(Math.max(v.scrollY, 0), maxScroll);
  }

  function fitAll(app) {
    const D = app.D;
    const plotW = Math.max(1, app.width - W.GUTTER);
    const span = Math.max(D.tMax - D.tMin, 1);
    app.view.nsPerPx = (span * 1.04) / plotW;
    app.view.t0 = D.tMin - span * 0.02;
    clampView(app);
  }

  function zoomTo(app, a, b) {
    const plotW = Math.max(1, app.width - W.GUTTER);
    app.view.nsPerPx = Math.max(b - a, 1) / plotW;
    app.view.t0 = a;
    clampView(app);
  }

  // Zooms by `factor` (< 1 zooms in) keeping the time under plot x `x` fixed.
  function zoomAt(app, x, factor) {
    const v = app.view;
    const t = v.t0 + (x - W.GUTTER) * v.nsPerPx;
    v.nsPerPx *= factor;
    clampView(app);
    v.t0 = t - (x - W.GUTTER) * v.nsPerPx;
    clampView(app);
  }

  function timeAt(app, x) { return app.view.t0 + (x - W.GUTTER) * app.view.nsPerPx; }

  // What is under canvas point (x, y): {lane, interval (index or -1), row} or null.
  function pick(app, x, y) {
    if (y < W.RULER || x < W.GUTTER) {
      const lane = y >= W.RULER ? W.laneAt(app.layout, y - W.RULER + app.view.scrollY) : null;
      return lane ? { lane, interval: -1, row: null } : null;
    }
    const ly = y - W.RULER + app.view.scrollY;
    const lane = W.laneAt(app.layout, ly);
    if (!lane) return null;
    const t = timeAt(app, x), tol = 3 * app.view.nsPerPx;
    const I = app.D.I;
    let best = null;
    for (const row of lane.rows) {
      if (ly < row.y - 1 || ly > row.y + row.h + 1) continue;
      const k = W.firstEndingAfter(row.idx, I.t1, t - tol, 0);
      if (k < row.idx.length && I.t0[row.idx[k]] <= t + tol) {
        const cand = { lane, interval: row.idx[k], row };
        if (!best || best.row.role === 'life') best = cand;
      }
    }
    return best || { lane, interval: -1, row: null };
  }

  function attachInput(app) {
    const cv = app.canvas;
    let drag = null;
    cv.addEventListener('wheel', (e) => {
      e.preventDefault();
      if (e.shiftKey) {
        app.view.scrollY += e.deltaY;
      } else if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        app.view.t0 += e.deltaX * app.view.nsPerPx;
      } else {
        zoomAt(app, e.offsetX, Math.pow(1.0015, e.deltaY));
      }
      clampView(app);
      app.redraw();
    }, { passive: false });
    cv.addEventListener('mousedown', (e) => {
      const range = e.shiftKey || e.offsetY < W.RULER;
      drag = { x: e.offsetX, y: e.offsetY, t0: app.view.t0, s0: app.view.scrollY, range, moved: false };
      if (range) app.selection = null;
    });
    window.addEventListener('mousemove', (e) => {
      if (!drag) return;
      const r = cv.getBoundingClientRect();
      const x = e.clientX - r.left, y = e.clientY - r.top;
      if (Math.abs(x - drag.x) + Math.abs(y - drag.y) > 3) drag.moved = true;
      if (!drag.moved) return;
      if (drag.range) {
        const a = timeAt(app, Math.max(W.GUTTER, Math.min(drag.x, x)));
        const b = timeAt(app, Math.max(W.GUTTER, Math.max(drag.x, x)));
        app.selection = [a, b];
      } else {
        app.view.t0 = drag.t0 - (x - drag.x) * app.view.nsPerPx;
        app.view.scrollY = drag.s0 - (y - drag.y);
        clampView(app);
      }
      app.redraw();
    });
    window.addEventListener('mouseup', (e) => {
      if (!drag) return;
      const d = drag;
      drag = null;
      if (d.range && d.moved) { app.showSelection(); return; }
      if (!d.moved) app.clickAt(d.x, d.y);
    });
    window.addEventListener('keydown', (e) => {
      if (e.target && (e.target.tagName === 'INPUT' || e.target.tagName === 'TEXTAREA')) return;
      const plotW = app.width - W.GUTTER;
      const mid = W.GUTTER + plotW / 2;
      const k = e.key.toLowerCase();
      if (k === 'w') zoomAt(app, mid, 0.8);
      else if (k === 's') zoomAt(app, mid, 1.25);
      else if (k === 'a') app.view.t0 -= plotW * 0.1 * app.view.nsPerPx;
      else if (k === 'd') app.view.t0 += plotW * 0.1 * app.view.nsPerPx;
      else if (k === 'arrowdown') app.view.scrollY += 40;
      else if (k === 'arrowup') app.view.scrollY -= 40;
      else if (k === 'f' || k === '0') fitAll(app);
      else if (k === 'escape') { app.selection = null; app.selectFinding(-1); }
      else return;
      e.preventDefault();
      clampView(app);
      app.redraw();
    });
  }

  Object.assign(W, { clampView, fitAll, zoomTo, zoomAt, timeAt, pick, attachInput });
})(globalThis.WeftViewer = globalThis.WeftViewer || {});
