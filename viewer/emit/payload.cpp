// The page's embedded trace: a small columnar binary encoding (LEB128 varints, interned strings),
// raw-deflate compressed (zlib), then base64. Layout in viewer/README.md; decoded by
// web/model/decode.js.
#include <zlib.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "weft/viewer/writers.hpp"

namespace weft::viewer {
namespace {

// 2: version 1 + the source snippets at the end (the page reads both).
constexpr std::uint8_t kPayloadVersion = 3;

class Writer {
 public:
  void u8(std::uint8_t v) { buf_.push_back(static_cast<char>(v)); }
  void var(std::uint64_t v) {
    while (v >= 0x80) {
      u8(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    u8(static_cast<std::uint8_t>(v));
  }
  void bytes(std::string_view s) { buf_.append(s); }
  std::string& buf() { return buf_; }

 private:
  std::string buf_;
};

class Strings {
 public:
  std::uint32_t ref(const std::string& s) {
    auto [it, fresh] = index_.try_emplace(s, static_cast<std::uint32_t>(list_.size()));
    if (fresh) list_.push_back(s);
    return it->second;
  }
  const std::vector<std::string>& list() const { return list_; }

 private:
  std::unordered_map<std::string, std::uint32_t> index_;
  std::vector<std::string> list_;
};

// One raw deflate stream over the concatenation of `parts`, without concatenating them.
std::string deflate_raw(const std::vector<std::string_view>& parts) {
  z_stream zs{};
  if (deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("zlib: deflateInit2 failed");
  std::size_t total = 0;
  for (auto p : parts) total += p.size();
  std::string out(deflateBound(&zs, static_cast<uLong>(total)), '\0');
  int rc = Z_OK;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(parts[i].data()));
    zs.avail_in = static_cast<uInt>(parts[i].size());
    const int flush = i + 1 == parts.size() ? Z_FINISH : Z_NO_FLUSH;
    do {  // zlib's own loop: call again while it filled the output
      if (zs.total_out == out.size()) out.resize(out.size() * 2 + 4096);
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + zs.total_out);
      zs.avail_out = static_cast<uInt>(out.size() - zs.total_out);
      rc = deflate(&zs, flush);
      if (rc == Z_STREAM_ERROR) break;
    } while (zs.avail_out == 0);
  }
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
  return out;
}

std::string base64(const std::string& in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(in[k]); };
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    std::uint32_t v = byte(i) << 16;
    if (i + 1 < in.size()) v |= byte(i + 1) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace

std::string encode_payload(const trace::Trace& t, const std::vector<SourceSnippet>& snippets) {
  // Events in time order (the reader promises it; a hand-made Trace may not keep it).
  if (std::is_sorted(t.events.begin(), t.events.end(),
                     [](const trace::Event& a, const trace::Event& b) { return a.ts_ns < b.ts_ns; }))
    return encode_payload(t, events_of(t), snippets);
  std::vector<trace::Event> sorted = t.events;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const trace::Event& a, const trace::Event& b) { return a.ts_ns < b.ts_ns; });
  return encode_payload(t,
                        [&sorted](const std::function<void(const trace::Event&)>& visit) {
                          for (const auto& e : sorted) visit(e);
                          return static_cast<std::uint64_t>(sorted.size());
                        },
                        snippets);
}

std::string encode_payload(const trace::Trace& t, const EventPass& events,
                           const std::vector<SourceSnippet>& snippets) {
  Strings strings;
  // Objects: the trace's, then any id that events or findings mention but the trace never
  // declared (shown as "object #id").
  std::vector<trace::Object> objects = t.objects;
  std::unordered_map<rt::ObjId, std::uint32_t> obj_index;
  for (std::uint32_t i = 0; i < objects.size(); ++i) obj_index.emplace(objects[i].id, i);
  auto objref = [&](rt::ObjId id) -> std::uint64_t {
    if (id == 0) return 0;
    auto [it, fresh] = obj_index.try_emplace(id, static_cast<std::uint32_t>(objects.size()));
    if (fresh) {
      trace::Object o;
      o.id = id;
      objects.push_back(o);
    }
    return it->second + 1;
  };
  std::vector<trace::Thread> threads = t.threads;
  auto threadref = [&](std::uint32_t th) {
    while (threads.size() <= th) {
      trace::Thread x;
      x.index = static_cast<std::uint32_t>(threads.size());
      threads.push_back(x);
    }
    return th;
  };
  auto siteref = [&](std::int32_t s) -> std::uint64_t {
    return s >= 0 && static_cast<std::size_t>(s) < t.sites.size() ? std::uint64_t(s) + 1 : 0;
  };

  // The event columns, written first so that objref/threadref see every id; one pass, each
  // column into its own buffer (events come in time order).
  Writer times, thread_col, kinds, objs, args, sites;
  std::uint64_t prev = 0;
  const std::uint64_t n = events([&](const trace::Event& e) {
    times.var(e.ts_ns - std::min(prev, e.ts_ns));
    prev = e.ts_ns;
    thread_col.var(threadref(e.thread));
    kinds.u8(static_cast<std::uint8_t>(e.kind));
    objs.var(objref(e.obj));
    // ThreadStart's arg and WaitBegin's arg are object ids: send them as object refs.
    if (e.kind == rt::Ev::ThreadStart || e.kind == rt::Ev::WaitBegin ||
        e.kind == rt::Ev::TaskSubmit || e.kind == rt::Ev::TaskStart)
      args.var(objref(e.arg));
    else
      args.var(e.arg);
    sites.var(siteref(e.site));
  });

  Writer fw;  // findings
  fw.var(t.findings.size());
  for (const auto& f : t.findings) {
    fw.var(strings.ref(f.kind));
    fw.var(strings.ref(f.message));
    fw.var(f.time_ns);
    fw.var(f.count);
    fw.var(f.threads.size());
    for (auto th : f.threads) fw.var(threadref(th));
    fw.var(f.objects.size());
    for (auto o : f.objects) fw.var(objref(o));
    fw.var(f.sites.size());
    for (auto s : f.sites) fw.var(siteref(s));
  }
  fw.var(t.warnings.size());
  for (const auto& w : t.warnings) fw.var(strings.ref(w));
  fw.var(snippets.size());  // version 2
  for (const auto& sn : snippets) {
    fw.var(strings.ref(sn.file));
    fw.var(sn.first_line);
    fw.var(sn.lines.size());
    for (const auto& line : sn.lines) fw.var(strings.ref(line));
  }
  fw.var(t.overwritten);  // version 3: flight-recorder mode
  fw.var(t.window_start_ns);

  Writer head;  // processes, threads, objects, sites (refer to strings)
  head.var(t.processes.size());
  for (const auto& p : t.processes) {
    head.var(p.pid);
    head.var(p.parent_pid);
    head.var(strings.ref(p.command));
  }
  // Thread objects may be unknown ids too: resolve them before writing the objects.
  std::vector<std::uint64_t> thread_obj(threads.size());
  for (std::size_t i = 0; i < threads.size(); ++i) thread_obj[i] = objref(threads[i].object);
  head.var(threads.size());
  for (std::size_t i = 0; i < threads.size(); ++i) {
    head.var(threads[i].pid);
    head.var(threads[i].os_tid);
    // An unnamed thread with a known start routine goes by the trace layer's label ("thread
    // 5370 (worker)"), which the page shows as it is; the page's own rules cover the rest.
    const auto& th = threads[i];
    head.var(strings.ref(th.name.empty() && !th.routine.empty()
                             ? trace::thread_label(th.name, th.os_tid, th.pid, th.index, th.routine)
                             : th.name));
    head.var(thread_obj[i]);
  }
  head.var(objects.size());
  for (const auto& o : objects) {
    head.var(o.id);
    head.u8(static_cast<std::uint8_t>(o.kind));
    head.var(strings.ref(o.name));
    head.var(siteref(o.site));
    head.var(o.pid);
  }
  head.var(t.sites.size());
  for (const auto& s : t.sites) {
    head.var(strings.ref(s.file));
    head.var(s.line);
    head.var(s.column);
    head.var(strings.ref(s.function));
  }

  Writer all;  // everything before the events
  all.bytes("WEFT");
  all.u8(kPayloadVersion);
  all.var(t.format_version);
  all.var(t.dropped);
  all.u8(t.truncated ? 1 : 0);
  all.var(strings.list().size());
  for (const auto& s : strings.list()) {
    all.var(s.size());
    all.bytes(s);
  }
  all.bytes(head.buf());
  all.var(n);
  std::string z = deflate_raw({all.buf(), times.buf(), thread_col.buf(), kinds.buf(), objs.buf(),
                               args.buf(), sites.buf(), fw.buf()});
  for (Writer* w : {&times, &thread_col, &kinds, &objs, &args, &sites})
    std::string().swap(w->buf());  // given back before the base64 copy is made
  return base64(z);
}

}  // namespace weft::viewer
