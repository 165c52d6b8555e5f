// interact/panels.js: the side panels (findings, details, selection statistics, objects) and
// the legend. Every string from the trace goes into the DOM as a text node, never as HTML.
(function (W) {
  'use strict';

  // el('div', {class: 'x'}, 'text', child, ...): builds DOM with text nodes only.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') node.className = v;
      else if (k === 'onclick') node.addEventListener('click', v);
      else if (k === 'title') node.title = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return node;
  }

  const TYPE_NAMES = { 1: 'running', 2: 'blocked acquiring', 3: 'waiting', 4: 'holding' };

  function renderLegend(app) {
    const box = document.getElementById('legend');
    box.replaceChildren();
    for (const [key, colour, text] of W.LEGEND) {
      const sw = el('span', { class: 'swatch', 'data-key': key });
      sw.style.background = colour;
      box.appendChild(el('span', { class: 'legend-item' }, sw, text));
    }
    const arrows = [['release \u2192 acquire it unblocked', W.COLORS.arrow[0]],
      ['notify / set \u2192 wake-up', W.COLORS.arrow[1]], ['thread start / join', W.COLORS.arrow[3]],
      ['selected finding: waits for (lock held by) \u2014 the deadlock cycle', W.COLORS.cycle]];
    for (const [text, colour] of arrows) {
      const sw = el('span', { class: 'swatch arrow' });
      sw.style.borderColor = colour;
      box.appendChild(el('span', { class: 'legend-item' }, sw, text));
    }
  }

  function renderSummary(app) {
    const m = app.m;
    const parts = [m.threads.length + ' threads', m.objects.length + ' objects',
      m.nEvents.toLocaleString('en') + ' events', W.formatDuration(app.D.tMax - app.D.tMin),
      m.findings.length + ' findings'];
    if (m.dropped) parts.push(m.dropped + ' events dropped by the recorder');
    if (m.overwritten) {
      parts.push(m.overwritten.toLocaleString('en') + ' older events overwritten (flight recorder; complete from ' +
        W.formatNs(m.windowStart - app.D.tMin) + ')');
    }
    if (m.truncated) parts.push('truncated trace');
    document.getElementById('summary').textContent = parts.join(' \u00b7 ');
  }

  function renderFindings(app) {
    const list = document.getElementById('finding-list');
    list.replaceChildren();
    if (!app.m.findings.length) list.appendChild(el('li', { class: 'empty' }, 'No findings in this trace.'));
    app.m.findings.forEach((f, k) => {
      const item = el('li', { class: 'finding' + (app.selectedFinding === k ? ' selected' : ''),
        'data-index': String(k), onclick: () => app.selectFinding(k) },
      el('span', { class: 'badge' }, f.kind), ' ',
      el('span', { class: 'when' }, W.formatNs(f.time - app.D.tMin)), f.count > 1 ? ' \u00d7' + f.count : '',
      el('div', { class: 'message', title: f.message }, headline(f.message)));
      list.appendChild(item);
    });
  }

  function threadLink(app, th) {
    return el('a', { href: '#', class: 'thread-link', onclick: (e) => { e.preventDefault(); app.scrollToThread(th); } },
      W.threadLabel(app.m, th));
  }
  function objectLink(app, o) {
    return el('a', { href: '#', class: 'object-link', onclick: (e) => { e.preventDefault(); app.toggleObjectLane(o, true); } },
      o >= 0 ? W.objectLabel(app.m, o) + ' (' + app.m.objects[o].kindName + ')' : 'unknown object');
  }

  // The finding's message up to its first colon: the detectors write "what: the details". A
  // ThreadSanitizer report reads "ThreadSanitizer: data-race; write of 4 bytes at 0x... by thread
  // 7 (TSan's T2): f() a.cpp:8; ...": up to its first access's stack.
  function headline(message) {
    const from = message.startsWith('ThreadSanitizer: ') ? 'ThreadSanitizer: '.length : 0;
    const i = message.indexOf(': ', from);
    return i > 0 && i < 160 ? message.slice(0, i) : message;
  }

  function renderFindingDetails(app, k) {
    const m = app.m, f = m.findings[k];
    const body = document.getElementById('details-body');
    body.replaceChildren();
    const edges = W.findingEdges(m, app.D, f);
    body.appendChild(el('div', { class: 'detail-title' }, el('span', { class: 'badge' }, f.kind), ' ', headline(f.message)));
    body.appendChild(el('div', {}, 'at ' + W.formatNs(f.time - app.D.tMin) + (f.count > 1 ? ', seen ' + f.count + ' times' : '')));
    // The cycle in one line (A → B → C → A), then each wait-for edge in words.
    const cyc = edges.filter((e) => e.cycle);
    if (cyc.length) {
      const next = new Map(cyc.map((e) => [e.from, e.to]));
      const order = [cyc[0].from];
      for (let at = next.get(cyc[0].from); at !== undefined && at !== cyc[0].from && order.length <= cyc.length; at = next.get(at)) order.push(at);
      order.push(cyc[0].from);
      const line = el('div', { class: 'cycle' }, 'wait-for cycle: ');
      order.forEach((th, i) => {
        if (i) line.appendChild(el('span', { class: 'cycle-arrow' }, ' \u2192 '));
        line.appendChild(threadLink(app, th));
      });
      body.appendChild(line);
    }
    if (edges.length) {
      const ul = el('ul', { class: 'edges' });
      for (const e of edges) {
        ul.appendChild(el('li', { class: e.cycle ? 'on-cycle' : '' }, W.edgeText(m, e),
          ' (since ' + W.formatNs(e.since - app.D.tMin) + ')'));
      }
      body.appendChild(el('div', { class: 'sub' }, 'who waits for whom at that moment (red on the timeline):'));
      body.appendChild(ul);
    }
    if (f.threads.length) {
      const p = el('div', {}, 'threads: ');
      f.threads.forEach((th, i) => { if (i) p.appendChild(document.createTextNode(', ')); p.appendChild(threadLink(app, th)); });
      body.appendChild(p);
    }
    if (f.objects.length) {
      const p = el('div', {}, 'objects: ');
      f.objects.forEach((o, i) => { if (i) p.appendChild(document.createTextNode(', ')); p.appendChild(objectLink(app, o)); });
      body.appendChild(p);
    }
    const siteIdx = [];
    const seenSite = new Set();
    for (const x of f.sites) {
      if (x < 0) continue;
      const label = W.siteLabel(m, x);
      if (!seenSite.has(label)) { seenSite.add(label); siteIdx.push(x); }
    }
    if (siteIdx.length) {
      const ul = el('ul', { class: 'sites' });
      for (const x of siteIdx) ul.appendChild(el('li', {}, siteText(m, x), snippetBox(m, x)));
      body.appendChild(el('div', { class: 'sub' }, 'source sites:'));
      body.appendChild(ul);
    }
    body.appendChild(el('details', { class: 'message' }, el('summary', {}, 'the detector\'s full message'),
      el('div', {}, f.message)));
    body.appendChild(el('div', { class: 'sub' }, 'about this kind of bug: docs/checks/' + f.kind + '.md'));
  }

  function renderIntervalDetails(app, hit) {
    const m = app.m, D = app.D, I = D.I, i = hit.interval;
    const body = document.getElementById('details-body');
    body.replaceChildren();
    if (i < 0) {
      if (hit.lane.kind === 'thread') {
        const t = m.threads[hit.lane.thread];
        body.appendChild(el('div', { class: 'detail-title' }, 'thread ', W.threadLabel(m, hit.lane.thread)));
        body.appendChild(el('div', {}, 'pid ' + t.pid + ', tid ' + t.osTid + ', index ' + t.index));
      } else if (hit.lane.kind === 'object') {
        const o = m.objects[hit.lane.obj];
        body.appendChild(el('div', { class: 'detail-title' }, o.kindName + ' ', W.objectLabel(m, hit.lane.obj)));
        if (o.site >= 0) body.appendChild(el('div', {}, 'created at ' + W.siteLabel(m, o.site)));
        const st = (app.lockStats || []).find((x) => x.obj === hit.lane.obj);
        if (st) {
          body.appendChild(el('div', { class: 'lock-summary' }, 'acquired ' + st.acquisitions + ' times, ' + st.contended +
            ' after blocking; threads blocked on it ' + st.blocks + ' times for ' + W.formatDuration(st.blockedNs) +
            ' (longest ' + W.formatDuration(st.maxWaitNs) + '); held ' + W.formatDuration(st.holdNs) +
            ' (longest ' + W.formatDuration(st.maxHoldNs) + ')'));
        }
        if (o.site >= 0) { const box = snippetBox(m, o.site); if (box) body.appendChild(box); }
        body.appendChild(el('button', { onclick: () => app.toggleObjectLane(hit.lane.obj, false) }, 'hide this lane'));
      }
      return;
    }
    const type = I.type[i], th = I.thread[i], o = I.obj[i];
    const dur = I.t1[i] - I.t0[i];
    // A weft::aio task lane between a suspension and its next resume (derive.js: kind task-suspend).
    const suspended = type === W.T.waiting && I.kind[i] === W.EV.taskSuspend;
    if (suspended) {
      body.appendChild(el('div', { class: 'detail-title' },
        o >= 0 ? 'suspended on ' : 'suspended (awaiting a timer or a thread)', o >= 0 ? W.objectLabel(m, o) : ''));
    } else {
      body.appendChild(el('div', { class: 'detail-title' }, TYPE_NAMES[type] || 'interval', ' ',
        o >= 0 ? W.objectLabel(m, o) : ''));
    }
    const p = el('div', {}, 'thread: ');
    p.appendChild(threadLink(app, th));
    body.appendChild(p);
    if (o >= 0) { const q = el('div', {}, 'object: '); q.appendChild(objectLink(app, o)); body.appendChild(q); }
    body.appendChild(el('div', {}, 'from ' + W.formatNs(I.t0[i] - D.tMin) + ' for ' + W.formatDuration(dur) +
      (I.flags[i] & W.F_OPEN ? ' (still going when the trace ends)' : '')));
    if (type === W.T.blocked || type === W.T.waiting) {
      const t = I.flags[i] & W.F_OPEN ? I.t1[i] : (I.t0[i] + I.t1[i]) / 2;
      const holders = o >= 0 ? W.holdersAt(D, o, t).filter((h) => h !== th) : [];
      if (holders.length) {
        const q = el('div', {}, 'held by: ');
        holders.forEach((h, k) => { if (k) q.appendChild(document.createTextNode(', ')); q.appendChild(threadLink(app, h)); });
        body.appendChild(q);
      }
    }
    if (suspended) body.appendChild(el('div', {}, 'the task is not running: its event loop runs other tasks meanwhile'));
    if (type === W.T.holding && D.contendedHold[i]) body.appendChild(el('div', {}, 'other threads were blocked on it meanwhile'));
    if (I.site[i] >= 0) {
      body.appendChild(el('div', { class: 'site' }, 'at ', siteText(m, I.site[i])));
      const box = snippetBox(m, I.site[i]);
      if (box) body.appendChild(box);
    }
  }

  // A site as its label (W.siteLabel), the directory greyed and the file:line in bold.
  function siteText(m, x) {
    const label = W.siteLabel(m, x), file = m.sites[x].file;
    const cut = file.lastIndexOf('/') + 1;
    if (cut <= 0 || !label.startsWith(file)) return el('b', {}, label);
    return el('span', {}, el('span', { class: 'dir' }, label.slice(0, cut)), el('wbr', {}), el('b', {}, label.slice(cut)));
  }

  // The source lines around site x (embedded by `weft view`), the site's own line marked; null
  // when the page carries none for it (file missing when the page was written, --no-source).
  function snippetBox(m, x) {
    const sn = W.snippetFor(m, x);
    if (!sn) return null;
    const pre = el('pre', { class: 'snippet', 'data-site': String(x) });
    for (const { no, text } of sn.lines) {
      pre.appendChild(el('span', { class: 'src-line' + (no === sn.line ? ' at' : '') },
        el('span', { class: 'no' }, String(no).padStart(4)), ' ', text.replace(/\t/g, '    ')));
    }
    return pre;
  }

  // The "Locks" panel: every lock by the time threads spent blocked on it (W.lockStats), the
  // first LOCKS_SHOWN rows unless "show all"; a click on a row shows and selects its lane.
  const LOCKS_SHOWN = 10;
  // Durations in three significant digits ("500 ms", "55.7 µs"): the table's columns are narrow.
  function shortDuration(ns) {
    const units = [[1e9, ' s'], [1e6, ' ms'], [1e3, ' \u00b5s']];
    for (const [d, u] of units) {
      if (ns >= d) { const x = ns / d; return (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + u; }
    }
    return Math.round(ns) + ' ns';
  }
  // Counts in at most four characters ("9999", "36.8k", "368k", "1.2M"): the exact count is the
  // cell's title.
  function shortCount(n) {
    if (n < 10000) return String(n);
    const [d, u] = n < 1e6 ? [1e3, 'k'] : n < 1e9 ? [1e6, 'M'] : [1e9, 'G'];
    const x = n / d;
    return (x >= 100 ? x.toFixed(0) : x.toFixed(1)) + u;
  }
  function lockRow(app, s) {
    const m = app.m;
    const label = W.objectLabel(m, s.obj);
    const tr = el('tr', { class: 'lock-row' + (app.selectedLock === s.obj ? ' selected' : ''),
      'data-obj': String(s.obj), onclick: () => app.selectLock(s.obj) },
    el('td', { class: 'name', title: label + ' (' + m.objects[s.obj].kindName + ')' }, label),
    el('td', { class: 'num', title: s.acquisitions + ' acquisitions' }, shortCount(s.acquisitions)),
    el('td', { class: 'num cont', title: s.contended + ' hold(s) entered after blocking; threads blocked on it ' + s.blocks + ' time(s)' },
      shortCount(s.contended), s.blocks > s.contended ? el('span', { class: 'more', title: (s.blocks - s.contended) +
        ' more blocked without getting it (still blocked at the end, or gave up)' }, ' +' + shortCount(s.blocks - s.contended)) : null),
    el('td', { class: 'num', title: W.formatDuration(s.blockedNs) }, shortDuration(s.blockedNs)),
    el('td', { class: 'num', title: W.formatDuration(s.maxWaitNs) }, shortDuration(s.maxWaitNs)),
    el('td', { class: 'num', title: W.formatDuration(s.maxHoldNs) }, shortDuration(s.maxHoldNs)),
    el('td', { class: 'num', title: W.formatDuration(s.holdNs) }, shortDuration(s.holdNs)));
    return tr;
  }
  function renderLocks(app) {
    const body = document.getElementById('locks-body');
    body.replaceChildren();
    if (!app.lockStats) app.lockStats = W.lockStats(app.m, app.D);
    const stats = app.lockStats;
    if (!stats.length) { body.appendChild(el('div', { class: 'empty' }, 'No lock was acquired in this trace.')); return; }
    const head = (text, title) => el('th', { title }, text);
    const table = el('table', { class: 'stats locks' }, el('tr', {},
      head('lock', 'the lock, named as everywhere on the page'),
      head('acq.', 'acquisitions'),
      head('cont.', 'contended acquisitions: holds entered after blocking (+ blocked without getting it)'),
      head('blocked', 'total time threads spent blocked acquiring it'),
      head('max wait', 'the longest a thread was blocked on it'),
      head('max hold', 'the longest it was held at once'),
      head('held', 'total time it was held')));
    const n = app.showAllLocks ? stats.length : Math.min(stats.length, LOCKS_SHOWN);
    for (let k = 0; k < n; k++) table.appendChild(lockRow(app, stats[k]));
    body.appendChild(table);
    if (stats.length > LOCKS_SHOWN) {
      body.appendChild(el('button', { class: 'show-all', onclick: () => { app.showAllLocks = !app.showAllLocks; renderLocks(app); } },
        app.showAllLocks ? 'show the top ' + LOCKS_SHOWN : 'show all ' + stats.length + ' locks'));
    }
  }

  function renderSelection(app) {
    const body = document.getElementById('selection-body');
    body.replaceChildren();
    if (!app.selection) { body.appendChild(el('div', { class: 'empty' }, 'Shift-drag (or drag on the ruler) to select a range.')); return; }
    const [a, b] = app.selection;
    body.appendChild(el('div', {}, W.formatNs(a - app.D.tMin) + ' \u2013 ' + W.formatNs(b - app.D.tMin) +
      ' (' + W.formatDuration(b - a) + ')'));
    const stats = W.rangeStats(app.m, app.D, a, b).slice(0, 50);
    if (!stats.length) { body.appendChild(el('div', { class: 'empty' }, 'No lock activity in this range.')); return; }
    const table = el('table', { class: 'stats' }, el('tr', {}, el('th', {}, 'object'), el('th', {}, 'acq.'),
      el('th', {}, 'contended'), el('th', {}, 'blocked'), el('th', {}, 'held')));
    for (const s of stats) {
      table.appendChild(el('tr', {}, el('td', {}, W.objectLabel(app.m, s.obj)), el('td', {}, String(s.acquisitions)),
        el('td', {}, String(s.contended)), el('td', {}, W.formatDuration(s.waitNs)), el('td', {}, W.formatDuration(s.holdNs))));
    }
    body.appendChild(table);
  }

  function renderObjects(app) {
    const list = document.getElementById('object-list');
    list.replaceChildren();
    const q = app.filter.trim().toLowerCase();
    let shown = 0;
    app.m.objects.forEach((o, i) => {
      if (!app.D.byObject.has(i)) return;  // never acquired or waited on
      const label = W.objectLabel(app.m, i);
      if (q && !label.toLowerCase().includes(q)) return;
      if (shown++ > 500) return;
      const box = el('input', { type: 'checkbox' });
      box.checked = app.objectLanes.has(i);
      box.addEventListener('change', () => app.toggleObjectLane(i, box.checked));
      list.appendChild(el('li', {}, el('label', {}, box, ' ', label, el('span', { class: 'sub' }, ' ' + o.kindName))));
    });
    if (!shown) list.appendChild(el('li', { class: 'empty' }, 'No objects.'));
  }

  Object.assign(W, { el, renderLegend, renderSummary, renderFindings, renderFindingDetails,
    renderIntervalDetails, renderSelection, renderObjects, renderLocks, snippetBox, shortDuration,
    shortCount });
})(globalThis.WeftViewer = globalThis.WeftViewer || {});
