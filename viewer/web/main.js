// main.js: boots the page. Decodes the embedded trace (the intervals and arrows `weft view`
// derived; an older page's events are derived here), lays out the lanes, paints, and exposes the
// stable test hook:
//   window.weft.ready    Promise resolved after the first complete paint (rejected on a bad trace)
//   window.weft.state()  {threads, objects, events, findings, range: [t0_ns, t1_ns], ...}
(function (W) {
  'use strict';
  if (typeof document === 'undefined') return;  // loaded by Node for unit tests

  let resolveReady, rejectReady;
  const hook = {
    ready: new Promise((res, rej) => { resolveReady = res; rejectReady = rej; }),
    state: () => ({ threads: 0, objects: 0, events: 0, findings: 0, range: [0, 0] }),
  };
  window.weft = hook;

  const app = {
    m: null, D: null, layout: null, canvas: null, ctx: null, width: 0, height: 0,
    view: { t0: 0, nsPerPx: 1, scrollY: 0 }, selection: null, filter: '',
    objectLanes: new Set(), selectedFinding: -1, selectedLock: -1, highlight: null, counters: {}, frames: 0,
    pending: false,
  };

  app.relayout = () => {
    app.layout = W.layoutLanes(app.m, app.D, { filter: app.filter, objectLanes: app.objectLanes });
    W.clampView(app);
  };
  app.paint = () => {
    app.pending = false;
    const dpr = window.devicePixelRatio || 1;
    app.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    app.counters = W.drawFrame({ ctx: app.ctx, m: app.m, D: app.D, layout: app.layout, view: app.view,
      width: app.width, height: app.height, selection: app.selection, highlight: app.highlight });
    app.frames++;
  };
  app.redraw = () => {
    if (app.pending) return;
    app.pending = true;
    requestAnimationFrame(app.paint);
  };
  app.resize = () => {
    const box = document.getElementById('timeline');
    const dpr = window.devicePixelRatio || 1;
    app.width = Math.max(200, box.clientWidth);
    app.height = Math.max(120, box.clientHeight);
    app.canvas.width = Math.round(app.width * dpr);
    app.canvas.height = Math.round(app.height * dpr);
    app.canvas.style.width = app.width + 'px';
    app.canvas.style.height = app.height + 'px';
  };
  app.selectFinding = (k) => {
    app.selectedFinding = k;
    if (app.selectedLock >= 0) { app.selectedLock = -1; W.renderLocks(app); }
    if (k < 0 || k >= app.m.findings.length) {
      app.selectedFinding = -1;
      app.highlight = null;
      W.renderFindings(app);
      app.redraw();
      return;
    }
    const f = app.m.findings[k];
    const edges = W.findingEdges(app.m, app.D, f);
    const objects = new Set(f.objects.filter((o) => o >= 0));
    for (const e of edges) if (e.obj >= 0) objects.add(e.obj);
    for (const o of objects) if (app.D.byObject.has(o)) app.objectLanes.add(o);
    app.highlight = { threads: new Set(f.threads), objects, edges, finding: k, time: W.findingTime(app.D, f) };
    app.relayout();
    const [a, b] = W.findingRange(app.m, app.D, f);
    W.zoomTo(app, a, b);
    const ys = f.threads.map((th) => W.threadY(app.layout, th)).filter((y) => y >= 0);
    if (ys.length) {
      app.view.scrollY = Math.min(...ys) - 40;
      W.clampView(app);
    }
    W.renderFindings(app);
    W.renderObjects(app);
    W.renderFindingDetails(app, k);
    app.redraw();
  };
  app.toggleObjectLane = (o, on) => {
    if (on) app.objectLanes.add(o); else app.objectLanes.delete(o);
    app.relayout();
    W.renderObjects(app);
    if (on) {
      const lane = app.layout.lanes.find((l) => l.kind === 'object' && l.obj === o);
      if (lane && (lane.y < app.view.scrollY || lane.y + lane.h > app.view.scrollY + app.height - W.RULER)) {
        app.view.scrollY = lane.y - 60;
        W.clampView(app);
      }
    }
    app.redraw();
  };
  // A row of the Locks panel: the lock's lane shown, scrolled to and highlighted, its details.
  app.selectLock = (o) => {
    if (app.selectedFinding >= 0) { app.selectedFinding = -1; W.renderFindings(app); }
    app.selectedLock = o;
    app.highlight = { threads: new Set(), objects: new Set([o]), edges: [], finding: -1, time: 0 };
    app.toggleObjectLane(o, true);
    const lane = app.layout.lanes.find((l) => l.kind === 'object' && l.obj === o);
    if (lane) W.renderIntervalDetails(app, { lane, interval: -1, row: null });
    W.renderLocks(app);
  };
  app.scrollToThread = (th) => {
    const y = W.threadY(app.layout, th);
    if (y >= 0) { app.view.scrollY = y - 60; W.clampView(app); app.redraw(); }
  };
  app.clickAt = (x, y) => {
    if (y < W.RULER) {  // a finding marker?
      let best = -1, bestDx = 8;
      app.m.findings.forEach((f, k) => {
        const dx = Math.abs(W.GUTTER + (W.findingTime(app.D, f) - app.view.t0) / app.view.nsPerPx - x);
        if (dx < bestDx) { bestDx = dx; best = k; }
      });
      if (best >= 0) app.selectFinding(best);
      return;
    }
    const hit = W.pick(app, x, y);
    if (hit) W.renderIntervalDetails(app, hit);
  };
  app.showSelection = () => { W.renderSelection(app); app.redraw(); };

  function fail(err) {
    const box = document.getElementById('error');
    box.hidden = false;
    box.textContent = 'This page could not show its trace: ' + (err && err.message ? err.message : String(err));
    rejectReady(err);
  }

  async function boot() {
    // Milliseconds since navigation start at the end of each loading phase (bench/viewer_load.js).
    const timings = {};
    const mark = (name) => { timings[name] = performance.now(); };
    const text = document.getElementById('weft-trace').textContent;
    app.m = await W.loadPayload(text, mark);
    mark('decoded');
    app.D = W.derive(app.m);
    mark('derived');
    app.canvas = document.getElementById('canvas');
    app.ctx = app.canvas.getContext('2d', { alpha: false });
    app.resize();
    app.relayout();
    W.fitAll(app);
    mark('laid-out');
    W.renderLegend(app);
    W.renderSummary(app);
    W.renderFindings(app);
    W.renderObjects(app);
    W.renderSelection(app);
    W.renderLocks(app);
    W.attachInput(app);
    const search = document.getElementById('search');
    search.addEventListener('input', () => {
      app.filter = search.value;
      app.relayout();
      W.renderObjects(app);
      app.redraw();
    });
    window.addEventListener('resize', () => { app.resize(); W.clampView(app); app.redraw(); });
    const arrowsByKind = [0, 0, 0, 0, 0];
    for (let k = 0; k < app.D.arrows.n; k++) arrowsByKind[app.D.arrows.kind[k]]++;
    hook.state = () => ({
      threads: app.m.threads.length, objects: app.m.objects.length, events: app.m.nEvents,
      findings: app.m.findings.length,
      range: [app.view.t0, app.view.t0 + (app.width - W.GUTTER) * app.view.nsPerPx],
      // Beyond the stable fields: what the last frame drew, for tests.
      lanes: app.layout.lanes.filter((l) => l.kind === 'thread' || l.kind === 'object').length,
      objectLanes: app.layout.lanes.filter((l) => l.kind === 'object').length,
      arrows: app.D.arrows.n, arrowsByKind: arrowsByKind.slice(),
      arrowsDrawn: app.counters.arrows, markers: app.counters.markers,
      rectsDrawn: app.counters.rects, selectedFinding: app.selectedFinding,
      edges: app.highlight ? app.highlight.edges.map((e) => ({ from: e.from, to: e.to, obj: e.obj, cycle: e.cycle, join: e.join })) : [],
      frames: app.frames,
    });
    hook.lanes = () => app.layout.lanes.map((l) => ({ kind: l.kind, label: l.label, y: l.y, h: l.h,
      thread: l.thread, obj: l.obj }));
    hook.selectFinding = (k) => app.selectFinding(k);
    // The Locks panel's rows, all of them: {obj, label, acquisitions, contended, blocks,
    // blockedNs, maxWaitNs, holdNs, maxHoldNs}.
    hook.locks = () => app.lockStats.map((s) => Object.assign({ label: W.objectLabel(app.m, s.obj) }, s));
    hook.selectedLock = () => app.selectedLock;
    hook.findings = () => app.m.findings.map((f) => ({ kind: f.kind, time: W.findingTime(app.D, f),
      threads: f.threads.slice() }));
    hook.zoomTo = (a, b) => { W.zoomTo(app, a, b); app.redraw(); };
    hook.toCanvas = (t, y) => ({ x: W.GUTTER + (t - app.view.t0) / app.view.nsPerPx, y: W.RULER + y - app.view.scrollY });
    // Paints one frame now and makes the canvas rasterise it (reading a pixel forces that);
    // returns the milliseconds both took. For benchmarks: the time of a zoom or pan frame.
    hook.paintNow = () => {
      const t = performance.now();
      app.paint();
      app.ctx.getImageData(0, 0, 1, 1);
      return performance.now() - t;
    };
    hook.timings = timings;
    app.paint();
    mark('painted');
    requestAnimationFrame(() => resolveReady(hook.state()));
  }

  const start = () => boot().catch((e) => { console.error(e); fail(e); });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})(globalThis.WeftViewer = globalThis.WeftViewer || {});
