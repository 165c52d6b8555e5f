// render/draw.js: one frame of the timeline on a Canvas2D. Rectangles are batched per colour
// (one path and one fill per colour per frame); text comes from the trace only through fillText
// (never HTML). Geometry: see interact/view.js for the coordinate spaces.
(function (W) {
  'use strict';
  const C = {
    running: '#a8d5a0', blocked: '#d7263d', waiting: '#f4a62a', holding: '#3b6fd4',
    holdingContended: '#7b3fc4', objHold: '#2e9e4f', objHoldContended: '#e8572a',
    objBlocked: '#f1a1a8', objWait: '#f7cf7f',
    arrow: ['#222', '#9b30c8', '#9b30c8', '#7a7a7a', '#7a7a7a'],
    finding: '#d7263d', cycle: '#d7263d', grid: '#eceff3', text: '#1c2733', sub: '#6b7785',
    gutter: '#f7f8fa', header: '#e9edf2', highlight: 'rgba(255, 214, 0, 0.18)',
    selection: 'rgba(59, 111, 212, 0.12)',
  };
  const LEGEND = [
    ['running', C.running, 'running'], ['blocked', C.blocked, 'blocked acquiring a lock'],
    ['waiting', C.waiting, 'waiting (condition, event, join, barrier, queue)'],
    ['holding', C.holding, 'holding a lock'],
    ['holdingContended', C.holdingContended, 'holding while others are blocked on it'],
    ['objHold', C.objHold, 'object lane: held, uncontended'],
    ['objHoldContended', C.objHoldContended, 'object lane: held while others wait'],
    ['objBlocked', C.objBlocked, 'object lane: a thread blocked on it'],
  ];
  const GUTTER = 200, RULER = 30;

  function colourOf(D, i, role) {
    const T = W.T, type = D.I.type[i];
    if (role === 'object') {
      if (type === T.holding) return D.contendedHold[i] ? 'objHoldContended' : 'objHold';
      return type === T.blocked ? 'objBlocked' : 'objWait';
    }
    if (type === T.running) return 'running';
    if (type === T.blocked) return 'blocked';
    if (type === T.waiting) return 'waiting';
    return D.contendedHold[i] ? 'holdingContended' : 'holding';
  }

  function clipText(ctx, s, w) {
    if (w <= 8) return '';
    if (ctx.measureText(s).width <= w) return s;
    let lo = 0, hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ctx.measureText(s.slice(0, mid) + '\u2026').width <= w) lo = mid; else hi = mid - 1;
    }
    return lo ? s.slice(0, lo) + '\u2026' : '';
  }

  // The y (lane area) of the middle of the row showing thread th's hold of obj at time t.
  function holdRowY(D, layout, th, obj, t) {
    const lane = layout.lanes.find((l) => l.kind === 'thread' && l.thread === th);
    if (!lane) return -1;
    for (const row of lane.rows) {
      if (row.role !== 'hold') continue;
      for (let k = 0; k < row.idx.length; k++) {
        const i = row.idx[k];
        if (D.I.obj[i] === obj && D.I.t0[i] <= t && t <= D.I.t1[i]) return row.y + row.h / 2;
      }
    }
    return lane.y + W.G.pad + W.G.stateH / 2;
  }

  function arrowHead(ctx, x0, y0, x1, y1, size) {
    const a = Math.atan2(y1 - y0, x1 - x0);
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - size * Math.cos(a - 0.45), y1 - size * Math.sin(a - 0.45));
    ctx.lineTo(x1 - size * Math.cos(a + 0.45), y1 - size * Math.sin(a + 0.45));
    ctx.closePath();
  }

  // Draws the frame; returns counters for the test hook {rects, arrows, markers}.
  // s: {ctx, m, D, layout, view: {t0, nsPerPx, scrollY}, width, height, selection: [a,b]|null,
  //     highlight: {threads: Set, objects: Set, edges: [], finding: index|-1}, showArrows}
  function drawFrame(s) {
    const { ctx, m, D, layout, view, width, height } = s;
    const plotW = Math.max(1, width - GUTTER);
    const a = view.t0, npp = view.nsPerPx;
    const xOf = (t) => GUTTER + (t - a) / npp;
    const yOf = (y) => RULER + y - view.scrollY;
    const counters = { rects: 0, arrows: 0, markers: 0, lanes: 0, arrowsHidden: false };
    ctx.clearRect(0, 0, width, height);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';

    // Lanes: backgrounds, then interval rectangles batched by colour.
    const batches = new Map();
    const texts = [];
    const hl = s.highlight || { threads: new Set(), objects: new Set(), edges: [] };
    for (const lane of layout.lanes) {
      const top = yOf(lane.y);
      if (top > height || top + lane.h < RULER) continue;
      counters.lanes++;
      if (lane.kind === 'process' || lane.kind === 'objects') {
        ctx.fillStyle = C.header;
        ctx.fillRect(0, top, width, lane.h);
        continue;
      }
      const lit = (lane.kind === 'thread' && hl.threads.has(lane.thread)) ||
        (lane.kind === 'object' && hl.objects.has(lane.obj));
      if (lit) { ctx.fillStyle = C.highlight; ctx.fillRect(GUTTER, top, plotW, lane.h); }
      ctx.fillStyle = C.grid;
      ctx.fillRect(GUTTER, top + lane.h - 1, plotW, 1);
      for (const row of lane.rows) {
        const ry = yOf(row.y);
        counters.rects += W.visibleRuns(row.idx, D.I.t0, D.I.t1, a, npp, plotW, (i, x0, x1, merged, fill) => {
          // A merged pixel takes its first interval's colour; its height says how much of the
          // pixel's time the merged intervals cover (a density bar, bottom-aligned).
          const key = colourOf(D, i, row.role);
          let list = batches.get(key);
          if (!list) batches.set(key, (list = []));
          const cx0 = Math.max(x0, -2), cx1 = Math.min(x1, plotW + 2);
          const w = Math.max(1, cx1 - cx0);
          if (row.role === 'life') list.push(GUTTER + cx0, ry + row.h / 2 - 2, w, 4);
          else if (merged) list.push(GUTTER + cx0, ry + row.h * (1 - fill), w, row.h * fill);
          else list.push(GUTTER + cx0, ry, w, row.h);
          if (w > 46 && row.role !== 'life') texts.push([i, GUTTER + cx0, ry + row.h / 2, w, row.role]);
        });
      }
    }
    for (const [key, list] of batches) {
      ctx.fillStyle = C[key];
      ctx.beginPath();
      for (let k = 0; k < list.length; k += 4) ctx.rect(list[k], list[k + 1], list[k + 2], list[k + 3]);
      ctx.fill();
    }
    ctx.font = '10px system-ui, sans-serif';
    for (const [i, x, y, w, role] of texts) {
      const key = colourOf(D, i, role);
      ctx.fillStyle = key === 'waiting' || key === 'objWait' || key === 'objBlocked' || key === 'running' ? '#222' : '#fff';
      const who = role === 'object' ? W.threadLabel(m, D.I.thread[i]) : W.objectLabel(m, D.I.obj[i]);
      ctx.fillText(clipText(ctx, who, w - 6), x + 3, y);
    }

    // Arrows between thread lanes (both ends' lanes shown, the arrow crossing the view).
    counters.arrows = 0;
    if (s.showArrows !== false) {
      const Ar = D.arrows;
      const tEnd = a + plotW * npp;
      const yTh = new Map();
      for (const l of layout.lanes) if (l.kind === 'thread') yTh.set(l.thread, yOf(l.y + W.G.pad + W.G.stateH / 2));
      const paths = [[], [], [], [], []];
      // Level of detail: one arrow per (4-pixel column, from, to, kind); when more than
      // MAX_ARROWS remain in view they would only hide the lanes: none is drawn, a note says so.
      const MAX_ARROWS = 800;
      const seen = new Set();
      let visible = 0;
      for (let k = 0; k < Ar.n; k++) {
        if (Ar.t1[k] < a || Ar.t0[k] > tEnd) continue;
        const y0 = yTh.get(Ar.from[k]), y1 = yTh.get(Ar.to[k]);
        if (y0 === undefined || y1 === undefined) continue;
        const x1 = xOf(Ar.t1[k]);
        const key = ((Math.floor(x1 / 4) * 4096 + Ar.from[k]) * 4096 + Ar.to[k]) * 8 + Ar.kind[k];
        if (seen.has(key)) continue;
        seen.add(key);
        if (++visible > MAX_ARROWS) break;
        paths[Ar.kind[k]].push(xOf(Ar.t0[k]), y0, x1, y1);
      }
      if (visible > MAX_ARROWS) {
        for (const p of paths) p.length = 0;
        counters.arrowsHidden = true;
      }
      ctx.save();
      ctx.beginPath();
      ctx.rect(GUTTER, RULER, plotW, height - RULER);
      ctx.clip();
      paths.forEach((p, kind) => {
        if (!p.length) return;
        ctx.strokeStyle = C.arrow[kind];
        ctx.fillStyle = C.arrow[kind];
        ctx.lineWidth = 1.2;
        ctx.setLineDash(kind >= 3 ? [4, 3] : []);
        ctx.beginPath();
        for (let k = 0; k < p.length; k += 4) { ctx.moveTo(p[k], p[k + 1]); ctx.lineTo(p[k + 2], p[k + 3]); }
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.beginPath();
        for (let k = 0; k < p.length; k += 4) arrowHead(ctx, p[k], p[k + 1], p[k + 2], p[k + 3], 6);
        ctx.fill();
        counters.arrows += p.length / 4;
      });
      ctx.restore();
    }

    // The selected finding's wait-for edges: from where the waiter started waiting (its red or
    // amber bar) to the bar of the hold that blocks it, on the holder's lane.
    if (hl.edges && hl.edges.length) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(GUTTER, RULER, plotW, height - RULER);
      ctx.clip();
      ctx.strokeStyle = C.cycle;
      ctx.fillStyle = C.cycle;
      ctx.lineWidth = 2.5;
      const labels = [];
      for (const e of hl.edges) {
        if (e.to < 0) continue;
        const y0 = W.threadY(layout, e.from);
        const target = holdRowY(D, layout, e.to, e.obj, hl.time);
        if (y0 < 0 || target < 0) continue;
        const x = Math.max(GUTTER + 4, xOf(e.since));
        const Y0 = yOf(y0), Y1 = yOf(target);
        const bend = 26;
        ctx.beginPath();
        ctx.moveTo(x, Y0);
        ctx.bezierCurveTo(x + bend, Y0 + (Y1 - Y0) * 0.25, x + bend, Y1 - (Y1 - Y0) * 0.25, x + 3, Y1);
        ctx.stroke();
        ctx.beginPath();
        arrowHead(ctx, x + bend * 0.6, Y1 - Math.sign(Y1 - Y0) * 8, x + 2, Y1, 10);
        ctx.fill();
        labels.push([x + bend + 6, (Y0 + Y1) / 2,
          W.threadLabel(m, e.from) + ' waits for ' + W.objectLabel(m, e.obj) + ', held by ' + W.threadLabel(m, e.to)]);
      }
      ctx.font = 'bold 11px system-ui, sans-serif';
      const placed = [];
      for (const [x, y0, text] of labels) {
        const t = clipText(ctx, text, 420);
        const w = ctx.measureText(t).width;
        let y = y0;  // stack labels that would cover each other
        while (placed.some((p) => x < p[0] + p[2] + 6 && p[0] < x + w + 6 && Math.abs(p[1] - y) < 17)) y += 18;
        placed.push([x, y, w]);
        ctx.fillStyle = 'rgba(255, 255, 255, 0.92)';
        ctx.fillRect(x - 3, y - 8, w + 6, 16);
        ctx.strokeStyle = C.cycle;
        ctx.lineWidth = 1;
        ctx.strokeRect(x - 3, y - 8, w + 6, 16);
        ctx.fillStyle = C.cycle;
        ctx.fillText(t, x, y);
      }
      ctx.restore();
    }

    // Range selection.
    if (s.selection) {
      const x0 = Math.max(GUTTER, xOf(s.selection[0])), x1 = Math.min(width, xOf(s.selection[1]));
      if (x1 > x0) {
        ctx.fillStyle = C.selection;
        ctx.fillRect(x0, 0, x1 - x0, height);
        ctx.fillStyle = '#3b6fd4';
        ctx.fillRect(x0, 0, 1, height);
        ctx.fillRect(x1 - 1, 0, 1, height);
      }
    }

    // Gutter with lane labels.
    ctx.fillStyle = C.gutter;
    ctx.fillRect(0, RULER, GUTTER, height - RULER);
    ctx.fillStyle = '#d5dae1';
    ctx.fillRect(GUTTER - 1, RULER, 1, height - RULER);
    for (const lane of layout.lanes) {
      const top = yOf(lane.y);
      if (top > height || top + lane.h < RULER) continue;
      if (lane.kind === 'process' || lane.kind === 'objects') {
        ctx.font = 'bold 11px system-ui, sans-serif';
        ctx.fillStyle = C.sub;
        ctx.fillText(clipText(ctx, lane.label, width - 16), 8, top + lane.h / 2);
        continue;
      }
      const lit = (lane.kind === 'thread' && hl.threads.has(lane.thread)) ||
        (lane.kind === 'object' && hl.objects.has(lane.obj));
      if (lit) { ctx.fillStyle = C.highlight; ctx.fillRect(0, top, GUTTER - 1, lane.h); }
      ctx.font = (lane.kind === 'thread' ? 'bold ' : 'italic ') + '12px system-ui, sans-serif';
      ctx.fillStyle = C.text;
      ctx.fillText(clipText(ctx, lane.label, GUTTER - 16), 8, top + 11);
      if (lane.h > 26) {
        ctx.font = '10px system-ui, sans-serif';
        ctx.fillStyle = C.sub;
        ctx.fillText(clipText(ctx, lane.sub, GUTTER - 16), 8, top + 24);
      }
      ctx.fillStyle = C.grid;
      ctx.fillRect(0, top + lane.h - 1, GUTTER - 1, 1);
    }

    // Ruler with ticks and finding markers.
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, RULER);
    ctx.fillStyle = '#d5dae1';
    ctx.fillRect(0, RULER - 1, width, 1);
    const step = W.tickStep(npp, 90);
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillStyle = C.sub;
    const first = Math.ceil((a - D.tMin) / step) * step + D.tMin;
    for (let t = first; t <= a + plotW * npp; t += step) {
      const x = xOf(t);
      ctx.fillRect(x, RULER - 8, 1, 7);
      ctx.fillText(W.formatNs(t - D.tMin, step), x + 3, RULER - 18);
    }
    ctx.fillText(W.formatDuration(plotW * npp) + ' visible', 8, 10);
    if (counters.arrowsHidden) {
      ctx.fillStyle = C.text;
      ctx.fillText('arrows hidden at this zoom (too many): zoom in to see who woke whom', GUTTER + 6, height - 10);
    }
    (m.findings || []).forEach((f, k) => {
      const x = xOf(W.findingTime(D, f));
      if (x < GUTTER - 6 || x > width + 6) return;
      counters.markers++;
      const sel = hl.finding === k;
      ctx.fillStyle = C.finding;
      ctx.globalAlpha = sel ? 0.9 : 0.35;
      ctx.fillRect(x - (sel ? 1 : 0.5), RULER, sel ? 2 : 1, height - RULER);
      ctx.globalAlpha = 1;
      ctx.beginPath();
      ctx.moveTo(x - 6, RULER - 14);
      ctx.lineTo(x + 6, RULER - 14);
      ctx.lineTo(x, RULER - 2);
      ctx.closePath();
      ctx.fill();
    });
    return counters;
  }

  Object.assign(W, { COLORS: C, LEGEND, GUTTER, RULER, drawFrame, colourOf });
})(globalThis.WeftViewer = globalThis.WeftViewer || {});
