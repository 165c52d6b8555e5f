// The trace reader: decodes the format of trace_format.hpp into the model of trace_model.hpp.
//
// Two passes. parse_file() walks segments and blocks, checking every size against the bytes that
// are really there, and decodes each block's records into per-segment raw tables. assemble()
// then converts clock ticks to nanoseconds, makes object ids unique across processes, dedupes
// sites and findings, and sorts events by time. Every length read from the file is bounded by
// the file's size or a format limit before anything is allocated for it.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "weft/runtime/trace_format.hpp"
#include "weft/runtime/trace_reader.hpp"
#include "weft/runtime/labels.hpp"
#include "part_files.hpp"

static_assert(std::endian::native == std::endian::little, "the trace format is little-endian");

namespace weft::trace {

namespace fmt = format;

const Object* Trace::object(rt::ObjId id) const {
  for (const auto& o : objects)
    if (o.id == id) return &o;
  return nullptr;
}

namespace {

std::string hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

[[noreturn]] void corrupt(const std::string& what, std::uint64_t offset) {
  throw TraceError("corrupted trace at byte " + std::to_string(offset) + " (" + hex(offset) +
                       "): " + what,
                   offset);
}

struct RawSite {
  std::uint32_t line = 0, column = 0;
  std::string file, function;
  std::string module;  // code sites (kCodeSite)
  std::uint64_t offset = 0;
};
struct RawObject {
  std::uint64_t id;
  rt::ObjKind kind;
  std::uint32_t site;
  std::string name;
  std::uint64_t tick;
  std::uint32_t thread;
};
struct RawEvent {
  std::uint64_t tick;
  std::uint32_t thread;
  rt::Ev kind;
  std::uint64_t obj, arg;
  std::uint32_t site;
  bool undated = false;  // kAcquiredUndated: `tick` is its thread's previous record (see date_undated)
};
struct RawFinding {
  std::uint64_t tick;
  std::uint32_t thread;
  bool fatal;
  std::string kind, message;
  std::vector<std::uint64_t> threads, objects, sites;
};
struct RawThread {
  std::uint64_t os_tid = 0;
  std::string name;
  rt::ObjId object = 0;
};
struct BlockView {
  std::uint64_t offset;  // of the block header
  std::uint32_t valid;   // bytes of complete records
};
struct Segment {
  std::uint64_t offset = 0;
  fmt::SegmentHeader h{};
  std::vector<BlockView> blocks;
  std::map<std::uint32_t, RawSite> sites;
  std::vector<RawObject> objects;  // in record order (also the Create events)
  std::vector<RawEvent> events;
  std::vector<RawFinding> findings;
  std::vector<std::pair<std::string, std::uint64_t>> modules;  // kModule: path, bias
  std::map<std::uint32_t, RawThread> threads;
  std::uint64_t max_anchor_tick = 0, max_anchor_mono = 0;
  // Counted whether or not the events are kept (ReadOptions::events).
  std::uint64_t n_events = 0, n_undated = 0;
  std::set<std::uint32_t> event_threads;  // threads with at least one event record
  // assemble():
  double ns_per_tick = 1;
  std::int64_t mono(std::uint64_t tick) const {
    double d = static_cast<double>(static_cast<std::int64_t>(tick - h.tick0)) * ns_per_tick;
    // Saturating: a hostile tick or calibration must not overflow the conversion or the sum.
    d = std::clamp(d, -4e18, 4e18);
    std::int64_t r;
    if (__builtin_add_overflow(static_cast<std::int64_t>(h.mono0_ns), static_cast<std::int64_t>(d),
                               &r))
      r = d < 0 ? INT64_MIN : INT64_MAX;
    return r;
  }
};

// Bounded reader over [p, end) of a buffer that starts at file offset `base`.
class Cursor {
 public:
  Cursor(const std::uint8_t* data, std::uint64_t pos, std::uint64_t end)
      : d_(data), pos_(pos), end_(end) {}
  bool at_end() const { return pos_ >= end_; }
  std::uint64_t pos() const { return pos_; }
  // Each getter returns false when the bytes run out (a cut record); throws on bad values.
  bool u8(std::uint8_t& v) {
    if (pos_ >= end_) return false;
    v = d_[pos_++];
    return true;
  }
  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos_ >= end_) return false;
      std::uint8_t b = d_[pos_++];
      if (shift == 63 && b > 1) corrupt("varint overflows 64 bits", pos_ - 1);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    corrupt("varint longer than 10 bytes", pos_ - 1);
  }
  bool str(std::string& s) {
    std::uint64_t at = pos_, n;
    if (!varint(n)) return false;
    if (n > fmt::kMaxString) corrupt("string length " + std::to_string(n) + " exceeds the limit", at);
    if (end_ - pos_ < n) return false;
    s.assign(reinterpret_cast<const char*>(d_ + pos_), n);
    pos_ += n;
    return true;
  }
  bool list(std::vector<std::uint64_t>& out) {
    std::uint64_t at = pos_, n;
    if (!varint(n)) return false;
    if (n > fmt::kMaxListItems) corrupt("list of " + std::to_string(n) + " items exceeds the limit", at);
    out.clear();
    for (std::uint64_t i = 0; i < n; ++i) {
      std::uint64_t v;
      if (!varint(v)) return false;
      out.push_back(v);
    }
    return true;
  }

 private:
  const std::uint8_t* d_;
  std::uint64_t pos_, end_;
};

// Decodes the records of one block; returns the bytes of complete records. A record cut by
// `limit` is an error unless `cut` says the file itself ends there. Without `keep_events` the
// event records are checked and skipped, not kept (consolidation needs only the valid length).
std::uint32_t decode_block(const std::uint8_t* d, std::uint64_t payload, std::uint64_t limit,
                           bool cut, const fmt::BlockHeader& bh, Segment& seg, bool keep_events) {
  Cursor c(d, payload, limit);
  std::uint64_t tick = bh.base_tick;
  std::uint32_t thread = bh.thread;
  std::uint64_t last_good = payload;
  auto cut_record = [&](std::uint64_t at) -> std::uint32_t {
    if (!cut) corrupt("record runs past the end of its block", at);
    return static_cast<std::uint32_t>(last_good - payload);
  };
  while (!c.at_end()) {
    std::uint64_t at = c.pos();
    std::uint8_t type;
    c.u8(type);
    std::uint64_t dt = 0;
    if (type >= 1 && type < static_cast<std::uint8_t>(rt::Ev::kCount)) {
      std::uint64_t obj, arg, site;
      if (!c.varint(dt) || !c.varint(obj) || !c.varint(arg) || !c.varint(site)) return cut_record(at);
      tick += dt;
      ++seg.n_events;
      if (keep_events)
        seg.events.push_back({tick, thread, static_cast<rt::Ev>(type), obj, arg,
                              static_cast<std::uint32_t>(std::min<std::uint64_t>(site, UINT32_MAX))});
      if (static_cast<rt::Ev>(type) == rt::Ev::ThreadStart) seg.threads[thread].object = obj;
    } else if (type == fmt::kAcquiredUndated) {
      std::uint64_t obj, arg, site;
      if (!c.varint(obj) || !c.varint(arg) || !c.varint(site)) return cut_record(at);
      ++seg.n_events;
      ++seg.n_undated;
      if (keep_events)
        seg.events.push_back({tick, thread, rt::Ev::Acquired, obj, arg,
                              static_cast<std::uint32_t>(std::min<std::uint64_t>(site, UINT32_MAX)),
                              true});
    } else if (type == fmt::kObject) {
      std::uint64_t id, site;
      std::uint8_t kind;
      std::string name;
      if (!c.varint(dt) || !c.varint(id) || !c.u8(kind) || !c.varint(site) || !c.str(name))
        return cut_record(at);
      if (kind >= static_cast<std::uint8_t>(rt::ObjKind::kCount))
        corrupt("unknown object kind " + std::to_string(kind), at);
      tick += dt;
      seg.objects.push_back({id, static_cast<rt::ObjKind>(kind),
                             static_cast<std::uint32_t>(std::min<std::uint64_t>(site, UINT32_MAX)),
                             std::move(name), tick, thread});
    } else if (type == fmt::kSite) {
      std::uint64_t id, line, column;
      RawSite s;
      if (!c.varint(id) || !c.varint(line) || !c.varint(column) || !c.str(s.file) ||
          !c.str(s.function))
        return cut_record(at);
      s.line = static_cast<std::uint32_t>(std::min<std::uint64_t>(line, UINT32_MAX));
      s.column = static_cast<std::uint32_t>(std::min<std::uint64_t>(column, UINT32_MAX));
      if (id != 0 && id <= UINT32_MAX) seg.sites[static_cast<std::uint32_t>(id)] = std::move(s);
    } else if (type == fmt::kCodeSite) {
      std::uint64_t id;
      RawSite s;
      if (!c.varint(id) || !c.varint(s.offset) || !c.str(s.module) || !c.str(s.function))
        return cut_record(at);
      std::string base = s.module.substr(s.module.rfind('/') == std::string::npos ? 0 : s.module.rfind('/') + 1);
      s.file = (base.empty() ? std::string("?") : base) + "+" + hex(s.offset);
      if (s.module.empty()) s.module = "?";
      if (id != 0 && id <= UINT32_MAX) seg.sites[static_cast<std::uint32_t>(id)] = std::move(s);
    } else if (type == fmt::kModule) {
      std::uint64_t bias;
      std::string module;
      if (!c.varint(bias) || !c.str(module)) return cut_record(at);
      seg.modules.emplace_back(std::move(module), bias);
    } else if (type == fmt::kThreadName) {
      std::string name;
      if (!c.varint(dt) || !c.str(name)) return cut_record(at);
      tick += dt;
      seg.threads[thread].name = std::move(name);
    } else if (type == fmt::kFinding) {
      RawFinding f;
      std::uint8_t flags;
      if (!c.varint(dt) || !c.u8(flags) || !c.str(f.kind) || !c.str(f.message) ||
          !c.list(f.threads) || !c.list(f.objects) || !c.list(f.sites))
        return cut_record(at);
      tick += dt;
      f.tick = tick;
      f.thread = thread;
      f.fatal = flags & 1;
      seg.findings.push_back(std::move(f));
    } else {
      corrupt("unknown record type " + std::to_string(type), at);
    }
    last_good = c.pos();
  }
  return static_cast<std::uint32_t>(last_good - payload);
}

// Dates the undated Acquired events of `seg` (records of type kAcquiredUndated, whose `tick` is
// their thread's previous record). Such an acquisition did not block, so it happened after the
// thread's previous record, after the previous Release of the same object (it found the object
// free) and before the thread's next dated event. It is placed at the later of the first two,
// just after that Release: the order of the merged timeline then keeps mutual exclusion, and
// the time is exact whenever the thread had just done something else that was recorded.
void date_undated(Segment& seg) {
  if (std::none_of(seg.events.begin(), seg.events.end(), [](const RawEvent& e) { return e.undated; }))
    return;
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> releases;  // obj -> sorted ticks
  for (const auto& e : seg.events)
    if (e.kind == rt::Ev::Release) releases[e.obj].push_back(e.tick);
  for (auto& [obj, ticks] : releases) std::sort(ticks.begin(), ticks.end());
  // A few ticks so that "just after" stays after once converted to nanoseconds.
  double npt = seg.h.ns_per_tick > 0 ? seg.h.ns_per_tick : 1.0;
  // (Clamped: a hostile header's tiny ns_per_tick must not overflow the conversion.)
  std::uint64_t after =
      npt >= 1.0 ? 1 : static_cast<std::uint64_t>(std::min(1.0 / npt, 1e9)) + 1;
  std::unordered_map<std::uint32_t, std::uint64_t> next;  // thread -> its next dated event
  for (std::size_t i = seg.events.size(); i-- > 0;) {
    RawEvent& e = seg.events[i];
    if (!e.undated) {
      next[e.thread] = e.tick;
      continue;
    }
    auto rel = releases.find(e.obj);
    if (rel == releases.end()) continue;
    auto n = next.find(e.thread);
    std::uint64_t hi = n == next.end() ? UINT64_MAX : n->second;
    auto pos = std::lower_bound(rel->second.begin(), rel->second.end(), hi);
    if (pos == rel->second.begin()) continue;
    std::uint64_t r = *(pos - 1);
    if (r < e.tick) continue;
    std::uint64_t t = hi - r > after ? r + after : hi;
    e.tick = std::max(e.tick, t);
  }
}

// Walks the segments of one file's bytes. `truncated` is set when the bytes end early.
void parse_file(const std::uint8_t* d, std::uint64_t n, std::vector<Segment>& out, bool& truncated,
                std::vector<std::string>& warnings, const std::string& label,
                bool keep_events = true) {
  if (n == 0) throw TraceError(label + "is empty: not a weft trace", 0);
  std::uint64_t off = 0;
  while (off < n) {
    std::uint64_t have = n - off;
    if (std::memcmp(d + off, fmt::kMagic, std::min<std::uint64_t>(have, 8)) != 0) {
      if (off == 0) throw TraceError(label + "is not a weft trace (bad magic at byte 0)", 0);
      corrupt("expected a segment header (bad magic)", off);
    }
    if (have < fmt::kSegmentHeaderBytes) {
      if (off == 0)
        throw TraceError(label + "ends at byte " + std::to_string(n) +
                             " inside the trace header (the recording process died at start?)",
                         n);
      truncated = true;
      warnings.push_back(label + "ends inside the segment header at byte " + std::to_string(off));
      return;
    }
    Segment seg;
    seg.offset = off;
    std::memcpy(&seg.h, d + off, sizeof seg.h);
    const fmt::SegmentHeader& h = seg.h;
    if (h.version != fmt::kVersion)
      corrupt("unsupported format version " + std::to_string(h.version) + " (this reader: " +
                  std::to_string(fmt::kVersion) + ")",
              off + 8);
    if (h.header_bytes != fmt::kSegmentHeaderBytes) corrupt("bad header size", off + 12);
    if (h.clock > fmt::kClockMonotonic) corrupt("unknown clock " + std::to_string(h.clock), off + 40);
    if (h.block_bytes == 0 || h.block_bytes > fmt::kMaxBlockBytes) corrupt("bad block size", off + 44);
    if (!std::isfinite(h.ns_per_tick) || h.ns_per_tick < 1e-3 || h.ns_per_tick > 1e6)
      corrupt("bad clock calibration", off + 64);
    if (h.state > fmt::kExited) corrupt("bad segment state", off + 96);
    if (h.command_bytes > fmt::kMaxCommand) corrupt("bad command length", off + 100);
    if (h.packed > 1) corrupt("bad packed flag", off + 120);
    std::uint64_t area = off + fmt::kSegmentHeaderBytes;
    std::uint64_t end = area + h.blocks_bytes;
    bool cut = false;
    if (h.blocks_bytes > n - area) {
      end = n;
      cut = true;
    }
    std::uint64_t b = area;
    while (b < end) {
      if (end - b < fmt::kBlockHeaderBytes) {
        if (!cut) corrupt("block header runs past the end of its segment", b);
        break;
      }
      fmt::BlockHeader bh;
      std::memcpy(&bh, d + b, sizeof bh);
      if (bh.magic != fmt::kBlockMagic) corrupt("bad block magic", b);
      if (bh.capacity > fmt::kMaxBlockBytes) corrupt("bad block capacity", b + 4);
      if (bh.used > bh.capacity) corrupt("block holds more than its capacity", b + 8);
      std::uint64_t payload = b + fmt::kBlockHeaderBytes;
      if (bh.thread == 0 && bh.used == 0) {  // a free block: an ended thread's unused rest
        if (end - payload < bh.capacity) break;
        b = payload + bh.capacity;
        continue;
      }
      bool block_cut = end - payload < bh.used;
      if (block_cut && !cut) corrupt("block runs past the end of its segment", b + 8);
      std::uint64_t limit = payload + std::min<std::uint64_t>(bh.used, end - payload);
      std::uint64_t before = seg.n_events;
      std::uint32_t valid = decode_block(d, payload, limit, block_cut, bh, seg, keep_events);
      if (seg.n_events != before) seg.event_threads.insert(bh.thread);
      auto& t = seg.threads[bh.thread];
      if (t.os_tid == 0) t.os_tid = bh.os_tid;
      if (bh.anchor_tick > seg.max_anchor_tick) {
        seg.max_anchor_tick = bh.anchor_tick;
        seg.max_anchor_mono = bh.anchor_mono_ns;
      }
      seg.blocks.push_back({b, valid});
      if (block_cut) break;
      // A capacity past the end with every used byte inside: the last block, whose unused rest
      // its thread gave back as it ended (the recorder shrinks blocks_bytes before the
      // capacity, and the process may have died in between).
      if (end - payload < bh.capacity) break;
      b = payload + bh.capacity;
    }
    if (cut) {
      truncated = true;
      warnings.push_back(label + "is truncated: process " + std::to_string(h.pid) +
                         " declares " + std::to_string(h.blocks_bytes) + " bytes of events at byte " +
                         std::to_string(area) + ", the file holds " + std::to_string(n - area) +
                         "; events before the cut are kept");
    }
    if (keep_events) date_undated(seg);
    out.push_back(std::move(seg));
    if (cut) return;
    // A segment not packed by consolidate_trace() is the last of its file: the rest is the
    // recorder's preallocated, unused space.
    off = h.packed ? end : n;
  }
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw TraceError(path + ": cannot open: " + std::strerror(errno) +
                         " (record one with 'weft run -o " + path + " -- PROG')",
                     0);
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw TraceError(path + ": not a regular file", 0);
  }
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t r = ::read(fd, buf.data() + got, buf.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  ::close(fd);
  buf.resize(got);
  return buf;
}

Trace assemble(std::vector<Segment>& segs, bool truncated, std::vector<std::string> warnings,
               bool keep_events = true) {
  Trace t;
  t.format_version = fmt::kVersion;
  t.truncated = truncated;
  t.warnings = std::move(warnings);
  if (segs.empty()) return t;

  // Clock: refine each segment's calibration with its widest anchor pair (at least 10 ms apart
  // and within 2x of the start-up calibration, else the start-up value stands).
  std::int64_t base = INT64_MAX;
  for (auto& s : segs) {
    s.ns_per_tick = s.h.clock == fmt::kClockMonotonic ? 1.0 : s.h.ns_per_tick;
    std::uint64_t at = s.max_anchor_tick, am = s.max_anchor_mono;
    if (s.h.end_tick > at) {
      at = s.h.end_tick;
      am = s.h.end_mono_ns;
    }
    if (s.h.clock == fmt::kClockTsc && at > s.h.tick0 && am > s.h.mono0_ns + 10000000) {
      double r = static_cast<double>(am - s.h.mono0_ns) / static_cast<double>(at - s.h.tick0);
      if (r > s.h.ns_per_tick / 2 && r < s.h.ns_per_tick * 2) s.ns_per_tick = r;
    }
    base = std::min<std::int64_t>(base, static_cast<std::int64_t>(s.h.mono0_ns));
  }
  auto ts = [&](const Segment& s, std::uint64_t tick) -> std::uint64_t {
    std::int64_t m = s.mono(tick) - base;
    return m < 0 ? 0 : static_cast<std::uint64_t>(m);
  };

  // Sites, deduplicated by content.
  std::map<std::tuple<std::string, std::uint32_t, std::uint32_t, std::string, std::string>,
           std::int32_t>
      site_index;
  std::vector<std::unordered_map<std::uint32_t, std::int32_t>> site_map(segs.size());
  for (std::size_t si = 0; si < segs.size(); ++si) {
    for (auto& [id, rs] : segs[si].sites) {
      auto key = std::make_tuple(rs.file, rs.line, rs.column, rs.function, rs.module);
      auto [it, fresh] = site_index.emplace(key, static_cast<std::int32_t>(t.sites.size()));
      if (fresh) {
        t.sites.push_back({rs.file, rs.line, rs.column, rs.function});
        if (!rs.module.empty())
          t.code_sites.push_back({static_cast<std::int32_t>(t.sites.size() - 1), rs.module, rs.offset});
      }
      site_map[si][id] = it->second;
    }
  }
  auto site_of = [&](std::size_t si, std::uint64_t id) -> std::int32_t {
    auto it = site_map[si].find(static_cast<std::uint32_t>(id));
    return (id == 0 || id > UINT32_MAX || it == site_map[si].end()) ? -1 : it->second;
  };

  // Objects: ids of the first segment stay; others get the segment number in bits 48+. An id a
  // fork child uses without defining it is the parent's object, inherited through fork.
  std::vector<std::unordered_map<std::uint64_t, rt::ObjId>> obj_map(segs.size());
  std::vector<int> parent(segs.size(), -1);
  for (std::size_t si = 0; si < segs.size(); ++si) {
    for (std::size_t pj = 0; pj < segs.size(); ++pj) {
      if (pj != si && segs[pj].h.pid == segs[si].h.ppid && segs[pj].h.mono0_ns <= segs[si].h.mono0_ns &&
          (parent[si] < 0 || segs[pj].h.mono0_ns > segs[parent[si]].h.mono0_ns))
        parent[si] = static_cast<int>(pj);
    }
  }
  auto fresh_id = [](std::size_t si, std::uint64_t id) -> rt::ObjId {
    return si == 0 ? id : ((static_cast<rt::ObjId>(si) << 48) | (id & ((1ull << 48) - 1)));
  };
  for (std::size_t si = 0; si < segs.size(); ++si) {
    for (const auto& o : segs[si].objects) obj_map[si].emplace(o.id, fresh_id(si, o.id));
  }
  auto obj_of = [&](std::size_t si, std::uint64_t id) -> rt::ObjId {
    if (id == 0) return 0;
    for (int s = static_cast<int>(si), hops = 0; s >= 0 && hops < 64; s = parent[s], ++hops) {
      auto it = obj_map[s].find(id);
      if (it != obj_map[s].end()) return it->second;
    }
    return fresh_id(si, id);
  };

  // Processes (one per pid; an exec'd image continues its pid) and threads.
  std::map<std::uint32_t, std::size_t> proc_of_pid;
  std::vector<std::map<std::uint32_t, std::uint32_t>> thread_map(segs.size());
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::pair<std::uint32_t, std::size_t>> by_tid;
  for (std::size_t si = 0; si < segs.size(); ++si) {
    const Segment& s = segs[si];
    auto [it, fresh] = proc_of_pid.emplace(s.h.pid, t.processes.size());
    if (fresh) {
      Process p;
      p.pid = s.h.pid;
      p.parent_pid = s.h.ppid;
      p.start_ns = ts(s, s.h.tick0);
      p.wall_start_ns = s.h.wall0_ns;
      t.processes.push_back(p);
    }
    Process& p = t.processes[it->second];
    p.command.assign(s.h.command, std::min<std::uint32_t>(s.h.command_bytes, fmt::kMaxCommand));
    p.exited = s.h.state == fmt::kExited;
    if (s.h.exit_kind == fmt::kExitCode) p.exit_code = s.h.exit_value;
    if (s.h.exit_kind == fmt::kExitSignal) p.term_signal = s.h.exit_value;
    p.dropped += s.h.dropped;
    t.dropped += s.h.dropped;
    t.undated_acquisitions += s.n_undated;
    t.event_count += s.n_events + s.objects.size();  // the objects' Create events too
    // A thread that wrote nothing but findings and is named by none of them is weft's own
    // deadlock watchdog reporting: not a thread of the program, so not listed.
    std::set<std::uint64_t> active(s.event_threads.begin(), s.event_threads.end());
    for (const auto& o : s.objects) active.insert(o.thread);
    for (const auto& f : s.findings) active.insert(f.threads.begin(), f.threads.end());
    for (const auto& [local, rt_] : s.threads) {
      if (!active.count(local) && rt_.name.empty() && rt_.object == 0 &&
          std::any_of(s.findings.begin(), s.findings.end(),
                      [&](const RawFinding& f) { return f.thread == local; }))
        continue;
      // The same OS thread seen by two runtimes of one process image (a program linked with
      // weft::runtime that also got the interposer) or across an exec: one lane.
      auto key = std::make_pair(s.h.pid, rt_.os_tid);
      if (auto seen = by_tid.find(key); rt_.os_tid != 0 && seen != by_tid.end() && seen->second.second != si) {
        Thread& same = t.threads[seen->second.first];
        if (!rt_.name.empty()) same.name = rt_.name;
        if (same.object == 0) same.object = obj_of(si, rt_.object);
        thread_map[si][local] = same.index;
        continue;
      }
      Thread th;
      th.index = static_cast<std::uint32_t>(t.threads.size());
      th.pid = s.h.pid;
      th.os_tid = rt_.os_tid;
      th.name = rt_.name;
      th.object = obj_of(si, rt_.object);
      thread_map[si][local] = th.index;
      by_tid[key] = {th.index, si};
      t.threads.push_back(std::move(th));
    }
  }
  for (auto& p : t.processes) {
    if (!proc_of_pid.count(p.parent_pid)) p.parent_pid = 0;  // the process `weft run` started
  }

  // Objects and events.
  for (std::size_t si = 0; si < segs.size(); ++si) {
    const Segment& s = segs[si];
    for (const auto& [path, bias] : s.modules) t.modules.push_back({path, bias, s.h.pid});
    for (const auto& o : s.objects) {
      Object ob;
      ob.id = obj_of(si, o.id);
      ob.kind = o.kind;
      ob.name = o.name;
      ob.site = site_of(si, o.site);
      ob.pid = s.h.pid;
      t.objects.push_back(ob);
      if (keep_events)
        t.events.push_back({ts(s, o.tick), thread_map[si][o.thread], rt::Ev::Create, ob.id,
                            static_cast<std::uint64_t>(o.kind), ob.site});
    }
    for (const auto& e : s.events) {
      std::uint64_t arg = rt::arg_is_object(e.kind) ? obj_of(si, e.arg) : e.arg;
      t.events.push_back({ts(s, e.tick), thread_map[si][e.thread], e.kind, obj_of(si, e.obj), arg,
                          site_of(si, e.site)});
      if (e.kind == rt::Ev::ThreadStart && t.events.back().site >= 0 &&
          t.events.back().thread < t.threads.size())
        t.threads[t.events.back().thread].start_site = t.events.back().site;
    }
  }
  std::stable_sort(t.events.begin(), t.events.end(),
                   [](const Event& a, const Event& b) { return a.ts_ns < b.ts_ns; });

  // Findings, merged when the same bug is reported again.
  std::map<std::tuple<std::string, std::string, std::vector<rt::ObjId>, std::vector<std::int32_t>>,
           std::size_t>
      seen;
  for (std::size_t si = 0; si < segs.size(); ++si) {
    const Segment& s = segs[si];
    for (const auto& rf : s.findings) {
      Finding f;
      f.kind = rf.kind;
      // The detector's references name this segment's threads and objects: the trace's now.
      f.message_template = remap_refs(
          rf.message,
          [&](std::uint32_t th) {
            auto it = thread_map[si].find(th);
            return it != thread_map[si].end() ? it->second : th;
          },
          [&](rt::ObjId o) { return obj_of(si, o); });
      for (auto th : rf.threads) {
        auto it = thread_map[si].find(static_cast<std::uint32_t>(std::min<std::uint64_t>(th, UINT32_MAX)));
        if (it != thread_map[si].end()) f.threads.push_back(it->second);
      }
      for (auto o : rf.objects) f.objects.push_back(obj_of(si, o));
      for (auto st : rf.sites) f.sites.push_back(site_of(si, st));
      f.time_ns = ts(s, rf.tick);
      // Deduplicated by structure: kind, the template over the trace's ids, objects and sites. A
      // data race (ThreadSanitizer's) by the pair of access sites alone, either way round, as
      // TSan's own deduplication does: its wording names addresses and TSan's thread numbers,
      // which differ from report to report of one racing pair of lines.
      auto key = std::make_tuple(f.kind, f.message_template, f.objects, f.sites);
      if (f.kind == rt::bug_kind::kDataRace && !f.sites.empty()) {
        std::get<1>(key).clear();
        std::sort(std::get<3>(key).begin(), std::get<3>(key).end());
      }
      // A re-lock of a default mutex while other threads live is reported at once as one that
      // another thread might still unlock; when the watchdog later finds it stuck for good, it
      // records the same re-lock again, fatal. One bug: the fatal record's wording replaces the
      // first's, and it is not counted as a repeat.
      bool lock_reentry = f.kind == rt::bug_kind::kLockReentry;
      if (lock_reentry) std::get<1>(key).clear();
      auto it = seen.find(key);
      if (it != seen.end()) {
        Finding& g = t.findings[it->second];
        if (lock_reentry && f.message_template != g.message_template) {
          if (rf.fatal) g.message_template = std::move(f.message_template);
          continue;
        }
        ++g.count;
        g.time_ns = std::min(g.time_ns, f.time_ns);
        continue;
      }
      seen.emplace(std::move(key), t.findings.size());
      t.findings.push_back(std::move(f));
    }
  }
  std::stable_sort(t.findings.begin(), t.findings.end(),
                   [](const Finding& a, const Finding& b) { return a.time_ns < b.time_ns; });
  render_messages(t);
  if (t.dropped > 0)
    t.warnings.push_back(std::to_string(t.dropped) +
                         " events were dropped: the recorder's space ran out (raise "
                         "WEFT_TRACE_LIMIT_MB, or check free disk space)");
  if (t.undated_acquisitions > 0)
    t.warnings.push_back(std::to_string(t.undated_acquisitions) +
                         " uncontended acquisitions were recorded without a clock reading "
                         "(WEFT_EXACT_TIMES=0): their hold times are upper bounds (record "
                         "without WEFT_EXACT_TIMES=0 for exact ones)");
  return t;
}

}  // namespace

std::vector<std::string> trace_part_files(const std::string& path) { return rt::parts::list(path); }

Trace read_trace_bytes(const void* data, std::size_t size) {
  std::vector<Segment> segs;
  bool truncated = false;
  std::vector<std::string> warnings;
  parse_file(static_cast<const std::uint8_t*>(data), size, segs, truncated, warnings, "trace ");
  return assemble(segs, truncated, std::move(warnings));
}

Trace read_trace(const std::string& path) { return read_trace(path, ReadOptions{}); }

Trace read_trace(const std::string& path, const ReadOptions& options) {
  std::vector<Segment> segs;
  bool truncated = false;
  std::vector<std::string> warnings;
  std::vector<std::string> parts = trace_part_files(path);
  if (parts.empty() || ::access(path.c_str(), F_OK) == 0) {
    std::vector<std::uint8_t> bytes = read_file(path);
    parse_file(bytes.data(), bytes.size(), segs, truncated, warnings, path + " ", options.events);
  }  // else: the process `weft run` started did not record (a shell), its children did
  for (const auto& part : parts) {
    try {
      std::vector<std::uint8_t> pb = read_file(part);
      std::vector<Segment> ps;
      bool pt = false;
      parse_file(pb.data(), pb.size(), ps, pt, warnings, part + " ", options.events);
      for (auto& s : ps) segs.push_back(std::move(s));
    } catch (const TraceError& e) {
      // A child that died while creating its part: the rest of the trace is still good.
      warnings.push_back(std::string("skipped ") + e.what());
    }
  }
  return assemble(segs, truncated, std::move(warnings), options.events);
}

void consolidate_trace(const std::string& path, std::uint32_t exit_kind, int exit_value) {
  std::vector<std::uint8_t> bytes;
  std::vector<Segment> segs;
  bool truncated = false;
  std::vector<std::string> warnings;
  if (::access(path.c_str(), F_OK) == 0 || trace_part_files(path).empty()) {
    bytes = read_file(path);
    parse_file(bytes.data(), bytes.size(), segs, truncated, warnings, path + " ",
               /*keep_events=*/false);
  }

  std::vector<std::uint8_t> out;
  auto pack = [&out](const std::uint8_t* d, Segment& s, bool first, std::uint32_t ek, int ev) {
    fmt::SegmentHeader h = s.h;
    std::uint64_t blocks = 0;
    for (const auto& b : s.blocks) blocks += fmt::kBlockHeaderBytes + b.valid;
    h.blocks_bytes = blocks;
    h.packed = 1;
    if (first && ek != 0) {
      h.exit_kind = ek;
      h.exit_value = ev;
    }
    std::size_t at = out.size();
    out.resize(at + fmt::kSegmentHeaderBytes);
    std::memcpy(out.data() + at, d + s.offset, fmt::kSegmentHeaderBytes);  // keeps the command
    std::memcpy(out.data() + at, &h, sizeof h);
    for (const auto& b : s.blocks) {
      fmt::BlockHeader bh;
      std::memcpy(&bh, d + b.offset, sizeof bh);
      bh.capacity = bh.used = b.valid;
      std::size_t p = out.size();
      out.resize(p + fmt::kBlockHeaderBytes + b.valid);
      std::memcpy(out.data() + p, &bh, sizeof bh);
      std::memcpy(out.data() + p + fmt::kBlockHeaderBytes, d + b.offset + fmt::kBlockHeaderBytes,
                  b.valid);
    }
  };
  for (std::size_t i = 0; i < segs.size(); ++i) pack(bytes.data(), segs[i], i == 0, exit_kind, exit_value);

  std::vector<std::string> merged;
  for (const auto& part : trace_part_files(path)) {
    try {
      std::vector<std::uint8_t> pb = read_file(part);
      std::vector<Segment> ps;
      bool pt = false;
      parse_file(pb.data(), pb.size(), ps, pt, warnings, part + " ", /*keep_events=*/false);
      bool running = false;
      for (const auto& s : ps)
        running |= s.h.state == fmt::kLive && ::kill(static_cast<pid_t>(s.h.pid), 0) == 0;
      if (running) continue;  // still being written: leave it as a part
      for (auto& s : ps) pack(pb.data(), s, false, 0, 0);
      merged.push_back(part);
    } catch (const TraceError&) {
      continue;  // left in place; read_trace() reports it
    }
  }
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw TraceError(tmp + ": cannot create: " + std::strerror(errno), 0);
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t w = ::write(fd, out.data() + done, out.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      throw TraceError(tmp + ": cannot write: " + std::strerror(errno), done);
    }
    done += static_cast<std::size_t>(w);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw TraceError(path + ": cannot replace: " + std::strerror(errno), 0);
  }
  for (const auto& p : merged) ::unlink(p.c_str());
}

}  // namespace weft::trace
