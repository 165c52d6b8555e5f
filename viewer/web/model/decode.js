// model/decode.js: the embedded trace -> the page's model (typed arrays, no DOM).
//
// The payload is base64 of raw-deflate of the binary layout written by viewer/emit/payload.cpp
// (documented in viewer/README.md). decodePayload() is synchronous and pure; loadPayload() adds
// base64 and DecompressionStream('deflate-raw'), which both the browser and Node 20 provide.
(function (W) {
  'use strict';

  // Event kinds and their names, object kinds, kinds whose arg is an object id (sent as an
  // object ref: index + 1, 0 = none): generated from runtime/vocabulary.json (vocab.js).
  const { EV_NAMES, OBJ_KINDS, EV, ARG_IS_OBJ } = W;

  class Reader {
    constructor(bytes) { this.b = bytes; this.p = 0; }
    u8() {
      if (this.p >= this.b.length) throw new Error('trace payload ends early at byte ' + this.p);
      return this.b[this.p++];
    }
    // An unsigned LEB128 varint as a Number (exact up to 2^53).
    v() {
      const b = this.b;
      let p = this.p;
      let x = b[p++];
      if (x < 0x80 && p <= b.length) { this.p = p; return x; }
      let result = 0, mul = 1;
      for (;;) {
        if (p > b.length) throw new Error('trace payload ends early at byte ' + this.p);
        result += (x & 0x7f) * mul;
        if (x < 0x80) break;
        mul *= 128;
        x = b[p++];
      }
      this.p = p;
      return result;
    }
    // A varint split into its low and high 32 bits (for 64-bit event args).
    v64(out, i, hiOut) {
      const b = this.b;
      let lo = 0, hi = 0, shift = 0, x;
      do {
        if (this.p >= b.length) throw new Error('trace payload ends early at byte ' + this.p);
        x = b[this.p++];
        const v = x & 0x7f;
        if (shift < 28) lo |= v << shift;
        else if (shift === 28) { lo |= (v & 0xf) << 28; hi |= v >>> 4; }
        else if (shift < 64) hi |= v << (shift - 32);
        shift += 7;
      } while (x & 0x80);
      out[i] = lo >>> 0;
      hiOut[i] = hi >>> 0;
    }
    str(decoder) {
      const n = this.v();
      if (this.p + n > this.b.length) throw new Error('trace payload: string past the end');
      const s = decoder.decode(this.b.subarray(this.p, this.p + n));
      this.p += n;
      return s;
    }
  }

  // Versions 1-3: the event columns (m.ev). Returns the position after them.
  function readEvents(m, bytes, p, n) {
    if (n > bytes.length) throw new Error('trace payload: event count past the end');
    const r = new Reader(bytes);
    const ev = { n, ts: new Float64Array(n), thread: new Uint32Array(n), kind: new Uint8Array(n),
      obj: new Int32Array(n), argLo: new Uint32Array(n), argHi: new Uint32Array(n),
      site: new Int32Array(n) };
    // The columns (varints(), below: most of the loading time).
    const b = bytes, end = bytes.length;
    p = varints(b, p, ev.ts, n, 0);
    for (let i = 1; i < n; i++) ev.ts[i] += ev.ts[i - 1];  // deltas to times
    p = varints(b, p, ev.thread, n, 0);
    if (p + n > end) throw new Error('trace payload ends early at byte ' + p);
    ev.kind.set(b.subarray(p, p + n));
    p += n;
    p = varints(b, p, ev.obj, n, -1);
    r.p = p;
    for (let i = 0; i < n; i++) r.v64(ev.argLo, i, ev.argHi);
    for (let i = 0; i < n; i++) {
      if (ARG_IS_OBJ.has(ev.kind[i])) ev.argLo[i] = (ev.argLo[i] - 1) >>> 0;
    }
    p = r.p;
    p = varints(b, p, ev.site, n, -1);
    r.p = p;
    m.ev = ev;
    return p;
  }

  // n unsigned LEB128 varints from b at p into out (out[i] = value + bias); returns the position
  // after them. The loop of the page's load: kept small and monomorphic per column type.
  function varints(b, p, out, n, bias) {
    const end = b.length;
    for (let i = 0; i < n; i++) {
      if (p >= end) throw new Error('trace payload ends early at byte ' + p);
      let x = b[p++];
      if (x >= 0x80) {
        let v = x & 0x7f, mul = 128;
        do {
          if (p >= end) throw new Error('trace payload ends early at byte ' + p);
          x = b[p++];
          v += (x & 0x7f) * mul;
          mul *= 128;
        } while (x >= 0x80);
        x = v;
      }
      out[i] = x + bias;
    }
    return p;
  }
  // n zigzag varints (signed) into out; running sums when `sum` (times as deltas).
  function zigzags(b, p, out, n, sum) {
    const end = b.length;
    let t = 0;
    for (let i = 0; i < n; i++) {
      if (p >= end) throw new Error('trace payload ends early at byte ' + p);
      let x = b[p++];
      if (x >= 0x80) {
        let v = x & 0x7f, mul = 128;
        do {
          if (p >= end) throw new Error('trace payload ends early at byte ' + p);
          x = b[p++];
          v += (x & 0x7f) * mul;
          mul *= 128;
        } while (x >= 0x80);
        x = v;
      }
      const d = x % 2 === 1 ? -(x + 1) / 2 : x / 2;
      if (sum) { t += d; out[i] = t; } else out[i] = d;
    }
    return p;
  }
  function byteColumn(b, p, out, n) {
    if (p + n > b.length) throw new Error('trace payload ends early at byte ' + p);
    out.set(b.subarray(p, p + n));
    return p + n;
  }

  // Version 4: what `weft view` derived (viewer/emit/payload.cpp, PageDeriver), as the columns
  // layout/derive.js fills (m.derived = {tMin, tMax, I, lifeStart, arrows, reacq, contendedHold}):
  //   I: intervals {n, t0, t1: Float64Array, type, flags, kind (the event that began it, 255
  //      none): Uint8Array, thread: Uint32Array, obj, by, site: Int32Array (-1 none)}, in the
  //      order derive.js makes them; those from lifeStart on are the threads' lives
  //   arrows: {n, t0, t1: Float64Array, from, to: Uint32Array, obj: Int32Array, kind: Uint8Array}
  //   reacq: re-entrant acquisitions (acquired while already held) {n, ts: Float64Array, obj}
  //   contendedHold: Uint8Array over I, 1 for a hold during which another thread was blocked on
  //      its object (flags bit 4 in the payload)
  // Returns the position after the section.
  function readDerived(m, b, p) {
    const r = new Reader(b);
    r.p = p;
    const tMin = r.v(), tMax = tMin + r.v();
    const ni = r.v(), lifeStart = r.v(), na = r.v(), nr = r.v();
    if (ni * 9 + na * 6 + nr * 2 > b.length - r.p || lifeStart > ni) {
      throw new Error('trace payload: interval count past the end');
    }
    p = r.p;
    const I = { n: ni, t0: new Float64Array(ni), t1: new Float64Array(ni), type: new Uint8Array(ni),
      thread: new Uint32Array(ni), obj: new Int32Array(ni), flags: new Uint8Array(ni),
      by: new Int32Array(ni), site: new Int32Array(ni), kind: new Uint8Array(ni) };
    p = zigzags(b, p, I.t1, ni, true);
    p = varints(b, p, I.t0, ni, 0);  // durations, then t0 = t1 - duration
    for (let i = 0; i < ni; i++) I.t0[i] = I.t1[i] - I.t0[i];
    p = byteColumn(b, p, I.type, ni);
    p = varints(b, p, I.thread, ni, 0);
    p = varints(b, p, I.obj, ni, -1);
    p = byteColumn(b, p, I.flags, ni);
    // Bit 4 of the flags: a hold during which another thread was blocked on its object (what
    // derive.js contention() computes from the events of older payloads).
    const contendedHold = new Uint8Array(ni), flags = I.flags;
    for (let i = 0; i < ni; i++) {
      const f = flags[i];
      if (f & 4) { contendedHold[i] = 1; flags[i] = f & 3; }
    }
    p = varints(b, p, I.by, ni, -1);
    p = varints(b, p, I.site, ni, -1);
    p = byteColumn(b, p, I.kind, ni);
    const arrows = { n: na, t0: new Float64Array(na), t1: new Float64Array(na), from: new Uint32Array(na),
      to: new Uint32Array(na), obj: new Int32Array(na), kind: new Uint8Array(na) };
    p = zigzags(b, p, arrows.t1, na, true);
    p = zigzags(b, p, arrows.t0, na, false);
    for (let i = 0; i < na; i++) arrows.t0[i] = arrows.t1[i] - arrows.t0[i];
    p = varints(b, p, arrows.from, na, 0);
    p = varints(b, p, arrows.to, na, 0);
    p = varints(b, p, arrows.obj, na, -1);
    p = byteColumn(b, p, arrows.kind, na);
    const reacq = { n: nr, ts: new Float64Array(nr), obj: new Int32Array(nr) };
    p = zigzags(b, p, reacq.ts, nr, true);
    p = varints(b, p, reacq.obj, nr, -1);
    m.derived = { tMin, tMax, I, lifeStart, arrows, reacq, contendedHold };
    return p;
  }

  // Decodes the binary layout (already inflated). Returns the model:
  //   {processes, threads, objects, sites, strings, findings, warnings, dropped, truncated,
  //    nEvents, derived (version 4, readDerived; else null),
  //    ev (versions 1-3; else null): {n, ts: Float64Array (ns), thread: Uint32Array, kind: Uint8Array,
  //         obj: Int32Array (object index, -1 none), argLo/argHi: Uint32Array,
  //         site: Int32Array (-1 none)}}
  // Args that are object ids (wait-begin's lock, thread-start's parent) are object indexes in
  // argLo (-1 none is stored as 0xffffffff). Throws Error on a malformed payload.
  function decodePayload(bytes) {
    const r = new Reader(bytes);
    const magic = String.fromCharCode(r.u8(), r.u8(), r.u8(), r.u8());
    if (magic !== 'WEFT') throw new Error('not a weft trace payload');
    const version = r.u8();
    // Version 2 = version 1 + the source snippets section at the end; version 3 = version 2 +
    // the flight recorder's overwritten count and window start; version 4 = version 3 with the
    // intervals, arrows and re-entrant acquisitions derived by `weft view` in place of the
    // events (m.derived; m.ev is null); version 5 = version 4 + each thread's parent and task
    // (weft::aio task lanes, -1 none). A page reads all five.
    if (version < 1 || version > 5) throw new Error('unsupported payload version ' + version);
    const td = new TextDecoder('utf-8');
    const m = { formatVersion: r.v(), dropped: r.v(), truncated: r.u8() === 1 };
    const ns = r.v();
    const strings = new Array(ns);
    for (let i = 0; i < ns; i++) strings[i] = r.str(td);
    const S = () => {
      const k = r.v();
      if (k >= strings.length) throw new Error('trace payload: bad string ref ' + k);
      return strings[k];
    };
    m.strings = strings;
    m.processes = [];
    for (let i = 0, n = r.v(); i < n; i++) {
      m.processes.push({ pid: r.v(), parentPid: r.v(), command: S() });
    }
    m.threads = [];
    for (let i = 0, n = r.v(); i < n; i++) {
      const t = { index: i, pid: r.v(), osTid: r.v(), name: S(), object: r.v() - 1, parent: -1, task: -1 };
      if (version >= 5) { t.parent = r.v() - 1; t.task = r.v() - 1; }  // a weft::aio task lane
      m.threads.push(t);
    }
    m.objects = [];
    for (let i = 0, n = r.v(); i < n; i++) {
      const id = r.v();
      const kind = r.u8();
      m.objects.push({ index: i, id, kind, kindName: OBJ_KINDS[kind] || 'unknown', name: S(),
        site: r.v() - 1, pid: r.v() });
    }
    m.sites = [];
    for (let i = 0, n = r.v(); i < n; i++) {
      m.sites.push({ file: S(), line: r.v(), column: r.v(), fn: S() });
    }
    const n = r.v();
    m.nEvents = n;
    m.ev = null;
    m.derived = null;
    if (version >= 4) r.p = readDerived(m, bytes, r.p);
    else r.p = readEvents(m, bytes, r.p, n);
    // Threads the events mention but the header does not (a damaged trace): name them by index.
    let maxThread = m.threads.length - 1;
    const mentioned = m.ev ? [m.ev.thread] : [m.derived.I.thread, m.derived.arrows.from, m.derived.arrows.to];
    for (const col of mentioned) for (let i = 0; i < col.length; i++) if (col[i] > maxThread) maxThread = col[i];
    while (m.threads.length <= maxThread) {
      m.threads.push({ index: m.threads.length, pid: 0, osTid: 0, name: '', object: -1, parent: -1, task: -1 });
    }
    m.findings = [];
    for (let i = 0, nf = r.v(); i < nf; i++) {
      const f = { index: i, kind: S(), message: S(), time: r.v(), count: r.v(), threads: [],
        objects: [], sites: [] };
      for (let k = 0, c = r.v(); k < c; k++) f.threads.push(r.v());
      for (let k = 0, c = r.v(); k < c; k++) f.objects.push(r.v() - 1);
      for (let k = 0, c = r.v(); k < c; k++) f.sites.push(r.v() - 1);
      m.findings.push(f);
    }
    m.warnings = [];
    for (let i = 0, nw = r.v(); i < nw; i++) m.warnings.push(S());
    // Source snippets (version 2): blocks of consecutive lines of the program's files, read by
    // `weft view` around the sites; none when the files were missing or --no-source was given.
    m.snippets = [];
    if (version >= 2) {
      for (let i = 0, nb = r.v(); i < nb; i++) {
        const blk = { file: S(), first: r.v(), lines: [] };
        for (let k = 0, c = r.v(); k < c; k++) blk.lines.push(S());
        m.snippets.push(blk);
      }
    }
    // Flight-recorder mode (version 3): events overwritten, and the time from which every
    // thread's events are complete (0: nothing was overwritten).
    m.overwritten = 0;
    m.windowStart = 0;
    if (version >= 3) {
      m.overwritten = r.v();
      m.windowStart = r.v();
    }
    return m;
  }

  function base64ToBytes(text) {
    if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text.trim());
    const bin = atob(text.replace(/\s+/g, ''));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  async function inflateRaw(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  // base64 text -> model. Rejects with an Error naming what is wrong. mark(name), if given, is
  // called at the end of each phase (for timings).
  async function loadPayload(text, mark) {
    const packed = base64ToBytes(text);
    if (mark) mark('base64');
    const bytes = await inflateRaw(packed);
    if (mark) mark('inflated');
    return decodePayload(bytes);
  }

  // Display names (viewer/emit/derive.cpp, Labels, follows the same rules): an unnamed thread is
  // "main" if it is its process's main thread (tid == pid), else "thread <tid>"; an unnamed thread
  // object is "thread <that thread's name>"; other unnamed objects "<kind> #<id>". A name that
  // objects of several processes share (a fork child's copies of its parent's objects) is
  // followed by the object's process: "m (pid 4321)".
  function threadLabel(m, i) {
    const th = m.threads[i];
    if (!th) return 'thread #' + i;
    if (th.name !== '') return th.name;
    if (th.osTid !== 0 && th.osTid === th.pid) return 'main';
    return th.osTid !== 0 ? 'thread ' + th.osTid : 'thread #' + i;
  }
  function processSuffix(m, o) {
    if (!m.sharedNames) {
      m.sharedNames = new Set();
      if (m.processes.length > 1) {
        const pidOf = new Map();
        for (const x of m.objects) {
          if (x.name === '') continue;
          const p = pidOf.get(x.name);
          if (p === undefined) pidOf.set(x.name, x.pid);
          else if (p !== x.pid) m.sharedNames.add(x.name);
        }
      }
    }
    return m.sharedNames.has(o.name) ? ' (pid ' + o.pid + ')' : '';
  }
  function objectLabel(m, i) {
    const o = m.objects[i];
    if (!o) return 'object ?';
    if (o.name !== '') return o.name + processSuffix(m, o);
    if (!m.threadOfObject) {
      m.threadOfObject = new Map();
      m.threads.forEach((t, k) => { if (t.object >= 0) m.threadOfObject.set(t.object, k); });
    }
    const th = m.threadOfObject.get(i);
    if (th !== undefined) {
      const name = threadLabel(m, th);
      return name.startsWith('thread ') ? name : 'thread ' + name;
    }
    return o.kindName + ' #' + o.id;
  }
  function siteLabel(m, i) {
    const s = m.sites[i];
    if (!s) return '';
    return s.file + ':' + s.line + (s.fn ? ' (' + s.fn + ')' : '');
  }

  // The source lines around site i: {file, line, lines: [{no, text}]} (up to `context` lines
  // each side, as far as the embedded block goes), or null when the page has none for it.
  function snippetFor(m, i, context = 2) {
    const s = m.sites[i];
    if (!s || !s.line || !m.snippets || !m.snippets.length) return null;
    if (!m.snippetsByFile) {
      m.snippetsByFile = new Map();
      for (const b of m.snippets) {
        if (!m.snippetsByFile.has(b.file)) m.snippetsByFile.set(b.file, []);
        m.snippetsByFile.get(b.file).push(b);
      }
    }
    for (const b of m.snippetsByFile.get(s.file) || []) {
      if (s.line < b.first || s.line >= b.first + b.lines.length) continue;
      const lines = [];
      const lo = Math.max(b.first, s.line - context), hi = Math.min(b.first + b.lines.length - 1, s.line + context);
      for (let no = lo; no <= hi; no++) lines.push({ no, text: b.lines[no - b.first] });
      return { file: s.file, line: s.line, lines };
    }
    return null;
  }

  Object.assign(W, { EV, EV_NAMES, OBJ_KINDS, decodePayload, snippetFor, base64ToBytes, inflateRaw,
    loadPayload, threadLabel, objectLabel, siteLabel });
})(globalThis.WeftViewer = globalThis.WeftViewer || {});
