// layout/lanes.js: which lanes are shown and where (y in CSS pixels of the lane area). Pure.
//
// A thread lane is: a state row (running as a thin bar; blocked and waiting as full blocks) and
// below it one row per level of simultaneously held locks. Threads are grouped by process when
// the trace holds several; threads without events get no lane. Object lanes (on demand) follow under an "objects" header: who held
// the object when, who was blocked on it, who waited on it.
(function (W) {
  'use strict';
  const G = { header: 20, pad: 5, stateH: 16, holdH: 10, gap: 2, objRowH: 12 };

  function matches(label, q) { return q === '' || label.toLowerCase().includes(q); }

  // opts: {filter: string, objectLanes: iterable of object indexes}
  // -> [{kind: 'process'|'thread'|'objects'|'object', label, sub, y, h, thread?, obj?, rows}]
  // rows: [{y, h, idx: Int32Array, role: 'life'|'state'|'hold'|'object'}]
  function layoutLanes(m, D, opts) {
    const q = (opts.filter || '').trim().toLowerCase();
    const lanes = [];
    let y = 0;
    const pids = [];
    const byPid = new Map();
    m.threads.forEach((t, i) => {
      if (!byPid.has(t.pid)) { byPid.set(t.pid, []); pids.push(t.pid); }
      byPid.get(t.pid).push(i);
    });
    const multi = pids.length > 1;
    const procName = (pid) => {
      const p = m.processes.find((x) => x.pid === pid);
      return 'process ' + pid + (p && p.command ? ' \u2014 ' + p.command : '');
    };
    for (const pid of pids) {
      // Threads with no event at all (a helper the recorder knows of) would be empty lanes.
      const visible = byPid.get(pid).filter((th) => D.threads[th].begin !== Infinity &&
        matches(W.threadLabel(m, th), q));
      // A weft::aio task lane (payload version 5: parent and task) goes right under the thread
      // running its loop, after that thread's earlier tasks; one whose parent is hidden stays
      // where it is.
      const isTask = (th) => m.threads[th].task >= 0 && m.threads[th].parent >= 0;
      const vis = new Set(visible);
      const shown = [];
      for (const th of visible) {
        if (isTask(th) && vis.has(m.threads[th].parent)) continue;
        shown.push(th);
        for (const c of visible) if (isTask(c) && m.threads[c].parent === th) shown.push(c);
      }
      if (!shown.length) continue;
      if (multi) {
        lanes.push({ kind: 'process', label: procName(pid), sub: '', y, h: G.header, rows: [] });
        y += G.header;
      }
      for (const th of shown) {
        const T = D.threads[th];
        const rows = [];
        const y0 = y + G.pad;
        rows.push({ y: y0, h: G.stateH, idx: T.life, role: 'life' });
        for (const r of T.state) rows.push({ y: y0, h: G.stateH, idx: r, role: 'state' });
        let yy = y0 + G.stateH + 2;
        for (const r of T.holds) {
          rows.push({ y: yy, h: G.holdH, idx: r, role: 'hold' });
          yy += G.holdH + G.gap;
        }
        const h = Math.max(yy - y, G.pad + G.stateH + 2 + G.holdH) + G.pad;
        const t = m.threads[th];
        const levels = T.holds.length > 1 ? ' \u00b7 ' + T.holds.length + ' lock levels' : '';
        if (isTask(th)) {
          lanes.push({ kind: 'thread', thread: th, task: true, indent: vis.has(t.parent) ? 1 : 0,
            label: '\u21b3 ' + W.threadLabel(m, th) + ' (task)',
            sub: 'task on ' + W.threadLabel(m, t.parent) + levels, y, h, rows });
        } else {
          lanes.push({ kind: 'thread', thread: th, label: W.threadLabel(m, th),
            sub: 'tid ' + (t.osTid || th) + levels, y, h, rows });
        }
        y += h;
      }
    }
    const objs = [];
    const wanted = new Set(opts.objectLanes || []);
    if (q !== '') {
      m.objects.forEach((o, i) => { if (D.byObject.has(i) && matches(W.objectLabel(m, i), q)) wanted.add(i); });
    }
    for (const o of wanted) if (o >= 0 && o < m.objects.length) objs.push(o);
    objs.sort((a, b) => a - b);
    if (objs.length) {
      lanes.push({ kind: 'objects', label: 'objects', sub: '', y, h: G.header, rows: [] });
      y += G.header;
      for (const o of objs) {
        const packed = W.objectRows(D, o);
        const rows = [];
        let yy = y + G.pad;
        for (const r of packed) { rows.push({ y: yy, h: G.objRowH, idx: r, role: 'object' }); yy += G.objRowH + G.gap; }
        const h = Math.max(yy - y, G.pad + G.objRowH) + G.pad;
        lanes.push({ kind: 'object', obj: o, label: W.objectLabel(m, o), sub: m.objects[o].kindName,
          y, h, rows });
        y += h;
      }
    }
    return { lanes, height: y };
  }

  // The lane at y (lane-area pixels), or null.
  function laneAt(layout, y) {
    const L = layout.lanes;
    let lo = 0, hi = L.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (y < L[mid].y) hi = mid - 1;
      else if (y >= L[mid].y + L[mid].h) lo = mid + 1;
      else return L[mid];
    }
    return null;
  }

  // The y (lane-area pixels) of a thread's state row centre, or -1 if the thread is not shown.
  function threadY(layout, th) {
    for (const l of layout.lanes) if (l.kind === 'thread' && l.thread === th) return l.y + G.pad + G.stateH / 2;
    return -1;
  }

  Object.assign(W, { G, layoutLanes, laneAt, threadY });
})(globalThis.WeftViewer = globalThis.WeftViewer || {});
