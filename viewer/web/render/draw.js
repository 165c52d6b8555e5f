// render/draw.js: one frame of the timeline on a Canvas2D. Rectangles are batched per colour
// (one path and one fill per colour per frame); text comes from the trace only through fillText
// (never HTML). Geometry: see interact/view.js for the coordinate spaces.
(function (W) {
  'use strict';
  const C = {
    running: '#a8d5a0', blocked: '#d7263d', waiting: '#f4a62a', holding: '#3b6fd4',
    holdingContended: '#7b3fc4', objHold: '#2e9e4f', objHoldContended: '#e8572a',
    objBlocked: '#f1a1a8', objWait: '#f7cf7f', suspended: '#fbe6bd',
    arrow: ['#222', '#9b30c8', '#9b30c8', '#7a7a7a', '#7a7a7a'],
    finding: '#d7263d', cycle: '#d7263d', waitEdge: '#b06a00', grid: '#eceff3', text: '#1c2733', sub: '#6b7785',
    gutter: '#f7f8fa', header: '#e9edf2', highlight: 'rgba(255, 214, 0, 0.18)',
    selection: 'rgba(59, 111, 212, 0.12)',
  };
  const LEGEND = [
    ['running', C.running, 'running'], ['blocked', C.blocked, 'blocked acquiring a lock'],
    ['waiting', C.waiting, 'waiting (condition, event, join, barrier, queue, sleep)'],
    ['suspended', C.suspended, 'task suspended (awaiting a timer, a thread or another task)'],
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
    // A task lane suspended with no wait of its own open (derive.js: kind task-suspend).
    if (type === T.waiting) return D.I.kind[i] === W.EV.taskSuspend ? 'suspended' : 'waiting';
    return D.contendedHold[i] ? 'holdingContended' : 'holding';
  }

  // Text measurement is slow next to drawing: widths are cached per font and string.
  const widths = new Map();
  function textWidth(ctx, s) {
    const key = ctx.font + '\u0000' + s;
    let w = widths.get(key);
    if (w === undefined) {
      if (widths.size > 20000) widths.clear();
      w = ctx.measureText(s).width;
      widths.set(key, w);
    }
    return w;
  }

  function clipText(ctx, s, w) {
    if (w <= 8) return '';
    if (textWidth(ctx, s) <= w) return s;
    let lo = 0, hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (textWidth(ctx, s.slice(0, mid) + '\u2026') <= w) lo = mid; else hi = mid - 1;
    }
    return lo ? s.slice(0, lo) + '\u2026' : '';
  }

  // What a frame reuses from the previous one, per derived trace: the rectangle batch, the arrow
  // index (built on the first frame) and scratch collections (no garbage per frame).
  const caches = new WeakMap();
  function cacheOf(D) {
    let c = caches.get(D);
    if (!c) {
      caches.set(D, (c = { batch: new W.RectBatch(), arrows: null, texts: [], yTh: new Map(),
        paths: [[], [], [], [], []], seen: new Set() }));
    }
    if (!c.arrows) c.arrows = W.arrowIndex(D.arrows);
    return c;
  }

  // The words on a bar wide enough for them. Thread lanes: what the bar is about ("wants lock b,
  // held by t2", "join t1", "wait cond", or the held lock's name); object lanes: which thread.
  function barLabel(m, D, i, role) {
    const I = D.I, T = W.T;
    if (role === 'object') {
      const who = W.threadLabel(m, I.thread[i]);
      return I.type[i] === T.blocked ? who + ' blocked' : I.type[i] === T.waiting ? who + ' waiting' : who;
    }
    const obj = I.obj[i] >= 0 ? W.objectLabel(m, I.obj[i]) : '?';
    if (I.type[i] === T.blocked) {
      const by = I.by ? I.by[i] : -1;
      const open = I.flags[i] & W.F_OPEN;
      return 'wants ' + obj + (by >= 0 ? (open ? ', held by ' : ', freed by ') + W.threadLabel(m, by) : '');
    }
    if (I.type[i] === T.waiting) {
      // A suspended task awaits an object (another task, a lock...) or a timer / to_thread().
      if (I.kind[i] === W.EV.taskSuspend) return I.obj[i] >= 0 ? 'suspended on ' + obj : 'suspended (timer or thread)';
      if (I.obj[i] >= 0 && m.objects[I.obj[i]].kindName === 'sleep') return 'sleep';
      return (I.kind[i] === W.EV.joinBegin ? 'join ' : 'wait ') + obj;
    }
    return obj;
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
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';

    // Lanes: backgrounds, then interval rectangles batched by colour.
    const cache = cacheOf(D);
    const batch = cache.batch;
    batch.clear();
    const texts = cache.texts;
    texts.length = 0;
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
        const life = row.role === 'life';
        W.visibleRuns(row.idx, D.I.t0, D.I.t1, a, npp, plotW, (i, x0, x1, merged, fill) => {
          // A merged pixel takes its first interval's colour; its height says how much of the
          // pixel's time the merged intervals cover (a density bar, bottom-aligned).
          const key = colourOf(D, i, row.role);
          const cx0 = Math.max(x0, -2), cx1 = Math.min(x1, plotW + 2);
          const w = Math.max(1, cx1 - cx0);
          if (life) batch.add(key, GUTTER + cx0, ry + row.h / 2 - 2, w, 4);
          else if (merged) {
            const h = Math.max(1, Math.round(row.h * fill));
            batch.add(key, GUTTER + cx0, ry + row.h - h, w, h);
          } else batch.add(key, GUTTER + cx0, ry, w, row.h);
          if (w > 46 && !life) texts.push(i, GUTTER + cx0, ry + row.h / 2, w, row.role === 'object' ? 1 : 0);
        });
      }
    }
    counters.rects = batch.count();
    let current = '';
    batch.forEach((key, x, y, w, h) => {
      if (key !== current) { ctx.fillStyle = C[key]; current = key; }
      ctx.fillRect(x, y, w, h);
    });
    ctx.font = '10px system-ui, sans-serif';
    for (let k = 0; k < texts.length; k += 5) {
      const i = texts[k], x = texts[k + 1], y = texts[k + 2], w = texts[k + 3];
      const role = texts[k + 4] ? 'object' : 'hold';
      const key = colourOf(D, i, role);
      ctx.fillStyle = key === 'waiting' || key === 'suspended' || key === 'objWait' || key === 'objBlocked' || key === 'running' ? '#222' : '#fff';
      ctx.fillText(clipText(ctx, barLabel(m, D, i, role), w - 6), x + 3, y);
    }

    // Flight-recorder mode: before the window start some threads' events were overwritten, so
    // what is drawn there is partial. Greyed, and the start marked.
    if (m.windowStart > 0) {
      const xw = Math.min(xOf(m.windowStart), width);
      if (xw > GUTTER) {
        ctx.fillStyle = 'rgba(107, 119, 133, 0.16)';
        ctx.fillRect(GUTTER, RULER, xw - GUTTER, height - RULER);
        ctx.strokeStyle = '#6b7785';
        ctx.lineWidth = 1;
        ctx.setLineDash([5, 4]);
        ctx.beginPath();
        ctx.moveTo(xw + 0.5, RULER);
        ctx.lineTo(xw + 0.5, height);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.font = '11px system-ui, sans-serif';
        ctx.fillStyle = '#4a5561';
        const label = 'older events overwritten \u2190 | \u2192 complete';
        const lw = ctx.measureText(label).width;
        ctx.fillText(label, Math.max(GUTTER + 4, Math.min(xw - lw / 2, width - lw - 4)), RULER + 10);
        counters.windowStart = xw;
      }
    }

    // Arrows between thread lanes (both ends' lanes shown, the arrow crossing the view).
    counters.arrows = 0;
    if (s.showArrows !== false) {
      const Ar = D.arrows;
      const tEnd = a + plotW * npp;
      const yTh = cache.yTh;
      yTh.clear();
      for (const l of layout.lanes) if (l.kind === 'thread') yTh.set(l.thread, yOf(l.y + W.G.pad + W.G.stateH / 2));
      const paths = cache.paths;
      for (const p of paths) p.length = 0;
      // Level of detail: one arrow per (4-pixel column, from, to, kind); when more than
      // MAX_ARROWS remain in view they would only hide the lanes: none is drawn, a note says so.
      const MAX_ARROWS = 800;
      const seen = cache.seen;
      seen.clear();
      let visible = 0;
      W.visibleArrows(cache.arrows, Ar, a, tEnd, (k) => {
        const y0 = yTh.get(Ar.from[k]), y1 = yTh.get(Ar.to[k]);
        if (y0 === undefined || y1 === undefined) return true;
        if ((y0 < RULER && y1 < RULER) || (y0 > height && y1 > height)) return true;  // off screen
        const x1 = xOf(Ar.t1[k]);
        const key = ((Math.floor(x1 / 4) * 4096 + Ar.from[k]) * 4096 + Ar.to[k]) * 8 + Ar.kind[k];
        if (seen.has(key)) return true;
        seen.add(key);
        if (++visible > MAX_ARROWS) return false;
        paths[Ar.kind[k]].push(xOf(Ar.t0[k]), y0, x1, y1);
        return true;
      });
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

    // The selected finding's wait-for edges, drawn at the finding's time: from the waiter's red
    // (blocked) or amber (waiting) bar to the bar of the hold that blocks it on the holder's lane
    // (for a join, to the joined thread's lane). Edges on the cycle are solid red, others dashed.
    // Each edge bulges right by its own amount, so a cycle reads as nested loops; its label says
    // it in words next to it.
    if (hl.edges && hl.edges.length) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(GUTTER, RULER, plotW, height - RULER);
      ctx.clip();
      const x = Math.min(Math.max(GUTTER + 4, xOf(hl.time)), width - 260);
      const labels = [];
      let k = 0;
      for (const e of hl.edges) {
        if (e.to < 0) continue;
        const y0 = W.threadY(layout, e.from);
        const target = e.join ? W.threadY(layout, e.to) : holdRowY(D, layout, e.to, e.obj, hl.time);
        if (y0 < 0 || target < 0) continue;
        const Y0 = yOf(y0), Y1 = yOf(target);
        const bend = Math.min(150, 22 + Math.abs(Y1 - Y0) * 0.22) + 10 * k++;
        const colour = e.cycle ? C.cycle : C.waitEdge;
        ctx.strokeStyle = colour;
        ctx.fillStyle = colour;
        ctx.lineWidth = e.cycle ? 2.5 : 1.8;
        ctx.setLineDash(e.cycle ? [] : [5, 3]);
        ctx.beginPath();
        ctx.arc(x, Y0, 3.5, 0, Math.PI * 2);
        ctx.fill();
        ctx.beginPath();
        ctx.moveTo(x, Y0);
        ctx.bezierCurveTo(x + bend, Y0, x + bend, Y1, x + 4, Y1);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.beginPath();
        arrowHead(ctx, x + 14, Y1, x + 2, Y1, 10);
        ctx.fill();
        // The label sits on the waiter's lane (between its state and hold rows), right of the curve.
        labels.push([x + bend * 0.75 + 8, Y0 + 9, W.edgeText(m, e), colour]);
      }
      ctx.font = 'bold 11px system-ui, sans-serif';
      const placed = [];
      for (const [lx0, y0, text, colour] of labels) {
        // A label too long for the room right of its curve moves left (over the curves, never
        // over the bars before the finding), and is clipped only if that is not enough.
        const full = textWidth(ctx, text);
        const lx = Math.max(x + 14, Math.min(lx0, width - 8 - full));
        const t = clipText(ctx, text, Math.max(60, width - lx - 8));
        const w = textWidth(ctx, t);
        let y = y0;  // stack labels that would cover each other
        while (placed.some((p) => lx < p[0] + p[2] + 6 && p[0] < lx + w + 6 && Math.abs(p[1] - y) < 17)) y += 18;
        placed.push([lx, y, w]);
        ctx.fillStyle = 'rgba(255, 255, 255, 0.94)';
        ctx.fillRect(lx - 3, y - 8, w + 6, 16);
        ctx.strokeStyle = colour;
        ctx.lineWidth = 1;
        ctx.strokeRect(lx - 3, y - 8, w + 6, 16);
        ctx.fillStyle = colour;
        ctx.fillText(t, lx, y);
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
      // A task lane is indented under the thread running its loop, a rule marking the group.
      const ind = lane.indent ? 14 : 0;
      if (ind) { ctx.fillStyle = '#c9d0d9'; ctx.fillRect(8, top, 2, lane.h); }
      ctx.font = (lane.kind === 'thread' && !ind ? 'bold ' : lane.kind === 'thread' ? '' : 'italic ') +
        '12px system-ui, sans-serif';
      ctx.fillStyle = C.text;
      ctx.fillText(clipText(ctx, lane.label, GUTTER - 16 - ind), 8 + ind, top + 11);
      if (lane.h > 26) {
        ctx.font = '10px system-ui, sans-serif';
        ctx.fillStyle = C.sub;
        ctx.fillText(clipText(ctx, lane.sub, GUTTER - 16 - ind), 8 + ind, top + 24);
      }
      ctx.fillStyle = C.grid;
      ctx.fillRect(0, top + lane.h - 1, GUTTER - 1, 1);
    }

    // Data races: a diamond on each accessing thread's lane (filled: the access TSan caught;
    // hollow: the earlier one, at the latest time it can have been), joined by a line, each
    // labelled read/write and size. Bold when the finding is selected.
    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER, RULER, plotW, height - RULER);
    ctx.clip();
    (m.findings || []).forEach((f, k) => {
      const acc = W.raceAccesses(D, f);
      if (acc.length !== 2) return;
      const pts = acc.map((x) => [xOf(x.time), W.threadY(layout, x.thread), x]);
      if (pts.some((p) => p[1] < 0)) return;
      const sel = hl.finding === k;
      ctx.strokeStyle = C.finding;
      ctx.fillStyle = C.finding;
      ctx.lineWidth = sel ? 2 : 1;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(pts[0][0], yOf(pts[0][1]));
      ctx.lineTo(pts[1][0], yOf(pts[1][1]));
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = (sel ? 'bold ' : '') + '11px system-ui, sans-serif';
      for (const [x, y0, a] of pts) {
        const y = yOf(y0);
        const r = sel ? 7 : 5;
        ctx.beginPath();
        ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y);
        ctx.closePath();
        ctx.fillStyle = a.exact ? C.finding : '#fff';
        ctx.fill();
        ctx.stroke();
        counters.raceMarkers = (counters.raceMarkers || 0) + 1;
        if (sel || npp * 200 < D.tMax - D.tMin) {
          const t = a.text + (a.exact ? '' : ' (at or before)');
          ctx.fillStyle = 'rgba(255, 255, 255, 0.9)';
          ctx.fillRect(x + r + 2, y - 7, textWidth(ctx, t) + 4, 14);
          ctx.fillStyle = C.finding;
          ctx.fillText(t, x + r + 4, y);
        }
      }
    });
    ctx.restore();

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

  Object.assign(W, { COLORS: C, LEGEND, GUTTER, RULER, drawFrame, colourOf, barLabel });
})(globalThis.WeftViewer = globalThis.WeftViewer || {});
