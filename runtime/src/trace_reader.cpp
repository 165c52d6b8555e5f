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
#include <deque>
#include <map>
#include <optional>
#include <queue>
#include <tuple>
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
  // The segment whose site table `site` indexes: kOwnSites for the object's own segment; an
  // ancestor's for a fork child's copy of an inherited object (assemble()).
  static constexpr std::uint32_t kOwnSites = UINT32_MAX;
  std::uint32_t site_segment = kOwnSites;
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
struct RawOverwrite {  // record kOverwritten
  std::uint64_t tick;    // when the block was reused
  std::uint32_t thread;  // whose events it held
  std::uint64_t events;
  std::uint64_t last_tick;  // of the last of them
};
struct RawThread {
  std::uint64_t os_tid = 0;
  std::string name;
  rt::ObjId object = 0;
  std::uint32_t start_site = 0;  // of its ThreadStart
  // A weft::aio task's lane (a local number from kLaneBase on): the thread running the task's
  // loop, and the task's object id.
  std::uint32_t parent = 0;
  std::uint64_t task = 0;
};
// Local numbers of task lanes: above any thread index a recorder hands out.
constexpr std::uint32_t kLaneBase = 0x80000000u;
struct BlockView {
  std::uint64_t offset;  // of the block header
  std::uint32_t valid;   // bytes of complete records
  std::uint32_t thread;  // the block header's
  std::uint64_t base_tick;
};
struct Segment {
  std::uint32_t file = 0;  // which of the files read (the trace, then its parts)
  std::uint64_t offset = 0;
  fmt::SegmentHeader h{};
  std::vector<BlockView> blocks;  // in file order
  // Indexes into `blocks` in time order: by base tick, then file order. A thread's blocks are in
  // file order only until the recorder hands it a block an ended thread gave back; events are
  // read in this order (a thread's in its own order), and it breaks ties between equal times.
  std::vector<std::uint32_t> order;
  std::map<std::uint32_t, RawSite> sites;
  std::vector<RawObject> objects;  // in record order (also the Create events)
  std::vector<RawEvent> events;
  std::vector<RawFinding> findings;
  std::vector<RawOverwrite> overwrites;
  std::vector<std::pair<std::string, std::uint64_t>> modules;  // kModule: path, bias
  std::map<std::uint32_t, RawThread> threads;
  std::uint64_t max_anchor_tick = 0, max_anchor_mono = 0;
  // Counted whether or not the events are kept (ReadOptions::events).
  std::uint64_t n_events = 0, n_undated = 0;
  std::set<std::uint32_t> event_threads;  // threads with at least one event record
  // The object ids the segment's events refer to (as their object or their argument): a bit per
  // id below kDenseIds, a set above. A fork child refers to objects its parent created; assemble()
  // gives the child a copy of each, which is what it had after fork.
  static constexpr std::uint64_t kDenseIds = std::uint64_t{1} << 22;  // 512 KiB at most
  std::vector<std::uint64_t> used_ids;
  std::set<std::uint64_t> used_sparse;
  void note_use(std::uint64_t id) {
    if (id == 0) return;
    if (id >= kDenseIds) [[unlikely]] {
      used_sparse.insert(id);
      return;
    }
    std::size_t w = static_cast<std::size_t>(id >> 6);
    if (w >= used_ids.size()) [[unlikely]]
      used_ids.resize(std::max(w + 1, used_ids.size() * 2), 0);
    used_ids[w] |= std::uint64_t{1} << (id & 63);
  }
  template <class F>
  void for_each_used(F&& f) const {
    for (std::size_t w = 0; w < used_ids.size(); ++w)
      for (std::uint64_t bits = used_ids[w]; bits != 0; bits &= bits - 1)
        f((static_cast<std::uint64_t>(w) << 6) | static_cast<std::uint64_t>(__builtin_ctzll(bits)));
    for (std::uint64_t id : used_sparse) f(id);
  }
  // Task lanes: (thread, task object id) -> the lane's local number (a key of `threads`).
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::uint32_t> lanes;
  std::uint32_t lane(std::uint32_t thread, std::uint64_t task) {
    auto [it, fresh] = lanes.emplace(std::make_pair(thread, task), 0);
    if (fresh) {
      it->second = kLaneBase + static_cast<std::uint32_t>(lanes.size() - 1);
      RawThread& th = threads[it->second];
      th.parent = thread;
      th.task = task;
      event_threads.insert(it->second);
    }
    return it->second;
  }
  std::uint32_t lane(std::uint32_t thread, std::uint64_t task) const {
    auto it = lanes.find({thread, task});
    return it == lanes.end() ? thread : it->second;
  }
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

// Whose lane a block's records belong to as the block is read, one record at a time: its
// thread's own, or a weft::aio task's. task-resume moves to the task's lane (itself included),
// task-suspend and task-end of that task move back after themselves, and a block begun inside a
// task starts with record 0x48 naming it (docs/trace-format.md, "Task lanes").
struct LaneCursor {
  explicit LaneCursor(std::uint32_t thread) : thread(thread), lane(thread) {}
  // Before a record (its type, its kind when an event, its obj); lane_of(task) numbers a task's
  // lane (Segment::lane).
  template <class LaneOf>
  void enter(std::uint8_t type, rt::Ev kind, std::uint64_t obj, LaneOf&& lane_of) {
    if (type == fmt::kTaskLane || (kind == rt::Ev::TaskResume && obj != 0)) {
      task = obj;
      lane = obj != 0 ? lane_of(obj) : thread;
    }
  }
  // After it.
  void leave(rt::Ev kind, std::uint64_t obj) {
    if ((kind == rt::Ev::TaskSuspend || kind == rt::Ev::TaskEnd) && task != 0 && obj == task) {
      task = 0;
      lane = thread;
    }
  }
  std::uint32_t thread, lane;
  std::uint64_t task = 0;
};

// Bounded reader over the file bytes [pos, end), held at `d` from file offset `base` on. Positions
// are file offsets, so errors name them.
class Cursor {
 public:
  Cursor(const std::uint8_t* d, std::uint64_t base, std::uint64_t pos, std::uint64_t end)
      : d_(d), base_(base), pos_(pos), end_(end) {}
  bool at_end() const { return pos_ >= end_; }
  std::uint64_t pos() const { return pos_; }
  // Each getter returns false when the bytes run out (a cut record); throws on bad values.
  bool u8(std::uint8_t& v) {
    if (pos_ >= end_) return false;
    v = d_[pos_++ - base_];
    return true;
  }
  // One-byte values (most of a trace's) inline, the rest out of line.
  bool varint(std::uint64_t& v) {
    if (pos_ < end_ && d_[pos_ - base_] < 0x80) [[likely]] {
      v = d_[pos_++ - base_];
      return true;
    }
    return varint_long(v);
  }
  // An event record whose four fields are one byte each (the recorder's common 5-byte record:
  // recorder_hot.hpp) decoded at once: false, with nothing read, for any other.
  bool short_event(std::uint8_t& type, std::uint64_t& dt, std::uint64_t& obj, std::uint64_t& arg,
                   std::uint64_t& site) {
    if (end_ - pos_ < 5 || pos_ >= end_) return false;
    const std::uint8_t* p = d_ + (pos_ - base_);
    if (p[0] < 1 || p[0] >= static_cast<std::uint8_t>(rt::Ev::kCount) ||
        ((p[1] | p[2] | p[3] | p[4]) & 0x80) != 0)
      return false;
    type = p[0];
    dt = p[1];
    obj = p[2];
    arg = p[3];
    site = p[4];
    pos_ += 5;
    return true;
  }
  [[gnu::noinline]] bool varint_long(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos_ >= end_) return false;
      std::uint8_t b = d_[pos_++ - base_];
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
    s.assign(reinterpret_cast<const char*>(d_ + (pos_ - base_)), n);
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
  std::uint64_t base_, pos_, end_;
};

// One record of a block, as read_record() decodes it (the fields its type has).
struct Record {
  std::uint8_t type = 0;
  std::uint64_t dt = 0;                   // tick delta (events, objects, names, findings)
  std::uint64_t obj = 0, arg = 0, site = 0;  // events; obj = id and site for objects
  std::uint8_t kind = 0;                  // object kind; finding flags
  std::uint64_t id = 0, line = 0, column = 0, offset = 0;  // sites; offset = module bias
  std::string text, text2;                // names, files, functions, modules, finding texts
  std::vector<std::uint64_t> threads, objects, sites;
  bool is_event() const {
    return (type >= 1 && type < static_cast<std::uint8_t>(rt::Ev::kCount)) ||
           type == fmt::kAcquiredUndated;
  }
};

// Reads the record at `c`: false when the bytes end inside it; throws TraceError on an unknown
// record type or object kind. The grammar of trace_format.hpp, in one place for every reader.
bool read_record(Cursor& c, Record& r) {
  if (c.short_event(r.type, r.dt, r.obj, r.arg, r.site)) [[likely]]
    return true;
  std::uint64_t at = c.pos();
  if (!c.u8(r.type)) return false;
  r.dt = 0;
  if (r.type >= 1 && r.type < static_cast<std::uint8_t>(rt::Ev::kCount))
    return c.varint(r.dt) && c.varint(r.obj) && c.varint(r.arg) && c.varint(r.site);
  switch (r.type) {
    case fmt::kAcquiredUndated:
      return c.varint(r.obj) && c.varint(r.arg) && c.varint(r.site);
    case fmt::kObject:
      if (!c.varint(r.dt) || !c.varint(r.obj) || !c.u8(r.kind) || !c.varint(r.site) || !c.str(r.text))
        return false;
      if (r.kind >= static_cast<std::uint8_t>(rt::ObjKind::kCount))
        corrupt("unknown object kind " + std::to_string(r.kind), at);
      return true;
    case fmt::kSite:
      return c.varint(r.id) && c.varint(r.line) && c.varint(r.column) && c.str(r.text) &&
             c.str(r.text2);
    case fmt::kCodeSite:
      return c.varint(r.id) && c.varint(r.offset) && c.str(r.text) && c.str(r.text2);
    case fmt::kModule:
      return c.varint(r.offset) && c.str(r.text);
    case fmt::kThreadName:
      return c.varint(r.dt) && c.str(r.text);
    case fmt::kFinding:
      return c.varint(r.dt) && c.u8(r.kind) && c.str(r.text) && c.str(r.text2) &&
             c.list(r.threads) && c.list(r.objects) && c.list(r.sites);
    case fmt::kTaskLane:  // obj = the task
      return c.varint(r.obj);
    case fmt::kOverwritten:  // id = the thread, arg = events, offset = age in ticks, obj = tid
      return c.varint(r.dt) && c.varint(r.id) && c.varint(r.arg) && c.varint(r.offset) &&
             c.varint(r.obj);
    default:
      corrupt("unknown record type " + std::to_string(r.type), at);
  }
}

std::uint32_t clamp32(std::uint64_t v) {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, UINT32_MAX));
}

// Decodes the records of one block, held at `d` (the payload's first byte, file offset
// `payload`); returns the bytes of complete records. A record cut by `limit` is an error unless
// `cut` says the file itself ends there. Without `keep_events` the event records are checked and
// counted, not kept (consolidation and the streaming reader need only the valid length).
std::uint32_t decode_block(const std::uint8_t* d, std::uint64_t payload, std::uint64_t limit,
                           bool cut, const fmt::BlockHeader& bh, Segment& seg, bool keep_events) {
  Cursor c(d, payload, payload, limit);
  std::uint64_t tick = bh.base_tick;
  std::uint32_t thread = bh.thread;
  LaneCursor lane(thread);
  std::uint64_t last_good = payload;
  Record r;
  RawThread* th = nullptr;  // looked up at the block's first event
  auto event = [&](std::uint8_t type, std::uint64_t obj, std::uint64_t arg, std::uint64_t site) {
    bool undated = type == fmt::kAcquiredUndated;
    rt::Ev kind = undated ? rt::Ev::Acquired : static_cast<rt::Ev>(type);
    ++seg.n_events;
    seg.n_undated += undated;
    seg.note_use(obj);
    if (rt::arg_is_object(kind)) seg.note_use(arg);
    if (th == nullptr) th = &seg.threads[thread];
    lane.enter(type, kind, obj, [&](std::uint64_t task) { return seg.lane(thread, task); });
    if (keep_events) seg.events.push_back({tick, lane.lane, kind, obj, arg, clamp32(site), undated});
    if (kind == rt::Ev::ThreadStart) {
      th->object = obj;
      th->start_site = clamp32(site);
    }
    lane.leave(kind, obj);
  };
  while (!c.at_end()) {
    // Most records are 5-byte events (one byte per field): decoded here without read_record.
    std::uint8_t type;
    std::uint64_t dt, obj, arg, site;
    if (c.short_event(type, dt, obj, arg, site)) [[likely]] {
      tick += dt;
      event(type, obj, arg, site);
      last_good = c.pos();
      continue;
    }
    std::uint64_t at = c.pos();
    if (!read_record(c, r)) {
      if (!cut) corrupt("record runs past the end of its block", at);
      break;
    }
    tick += r.dt;
    if (r.is_event()) {
      event(r.type, r.obj, r.arg, r.site);
    } else if (r.type == fmt::kTaskLane) {
      lane.enter(r.type, rt::Ev::Create, r.obj, [&](std::uint64_t task) { return seg.lane(thread, task); });
    } else if (r.type == fmt::kObject) {
      seg.objects.push_back({r.obj, static_cast<rt::ObjKind>(r.kind), clamp32(r.site),
                             std::move(r.text), tick, lane.lane});
    } else if (r.type == fmt::kSite || r.type == fmt::kCodeSite) {
      RawSite s;
      if (r.type == fmt::kSite) {
        s.line = clamp32(r.line);
        s.column = clamp32(r.column);
        s.file = std::move(r.text);
        s.function = std::move(r.text2);
      } else {
        s.offset = r.offset;
        s.module = std::move(r.text);
        s.function = std::move(r.text2);
        std::size_t slash = s.module.rfind('/');
        std::string base = s.module.substr(slash == std::string::npos ? 0 : slash + 1);
        s.file = (base.empty() ? std::string("?") : base) + "+" + hex(s.offset);
        if (s.module.empty()) s.module = "?";
      }
      if (r.id != 0 && r.id <= UINT32_MAX) seg.sites[static_cast<std::uint32_t>(r.id)] = std::move(s);
    } else if (r.type == fmt::kModule) {
      seg.modules.emplace_back(std::move(r.text), r.offset);
    } else if (r.type == fmt::kOverwritten) {
      auto victim = clamp32(r.id);
      // A thread all of whose events were overwritten is still listed, with its OS id.
      if (auto& th = seg.threads[victim]; th.os_tid == 0) th.os_tid = r.obj;
      seg.overwrites.push_back({tick, victim, r.arg, r.offset < tick ? tick - r.offset : 0});
    } else if (r.type == fmt::kThreadName) {
      seg.threads[thread].name = std::move(r.text);
    } else if (r.type == fmt::kFinding) {
      RawFinding f;
      f.tick = tick;
      f.thread = thread;
      f.fatal = r.kind & 1;
      f.kind = std::move(r.text);
      f.message = std::move(r.text2);
      f.threads = std::move(r.threads);
      f.objects = std::move(r.objects);
      f.sites = std::move(r.sites);
      seg.findings.push_back(std::move(f));
    }
    last_good = c.pos();
  }
  return static_cast<std::uint32_t>(last_good - payload);
}

// Undated acquisitions (records of type kAcquiredUndated, whose `tick` is their thread's
// previous record). Such an acquisition did not block, so it happened after the thread's
// previous record, after the previous Release of the same object (it found the object free) and
// before the thread's next dated event. It is placed at the later of the first two, just after
// that Release: the order of the merged timeline then keeps mutual exclusion, and the time is
// exact whenever the thread had just done something else that was recorded.
struct UndatedRule {
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> releases;  // obj -> sorted ticks
  std::uint64_t after = 1;  // a few ticks, so that "just after" stays after in nanoseconds

  explicit UndatedRule(const fmt::SegmentHeader& h) {
    double npt = h.ns_per_tick > 0 ? h.ns_per_tick : 1.0;
    // (Clamped: a hostile header's tiny ns_per_tick must not overflow the conversion.)
    after = npt >= 1.0 ? 1 : static_cast<std::uint64_t>(std::min(1.0 / npt, 1e9)) + 1;
  }
  void add_release(std::uint64_t obj, std::uint64_t tick) { releases[obj].push_back(tick); }
  void sort() {
    for (auto& [obj, ticks] : releases) std::sort(ticks.begin(), ticks.end());
  }
  // The tick of an undated acquisition of `obj` recorded at `tick`, whose thread's next dated
  // event is at `hi` (UINT64_MAX: none).
  std::uint64_t date(std::uint64_t obj, std::uint64_t tick, std::uint64_t hi) const {
    auto rel = releases.find(obj);
    if (rel == releases.end()) return tick;
    auto pos = std::lower_bound(rel->second.begin(), rel->second.end(), hi);
    if (pos == rel->second.begin()) return tick;
    std::uint64_t r = *(pos - 1);
    if (r < tick) return tick;
    return std::max(tick, hi - r > after ? r + after : hi);
  }
};

// Dates the undated Acquired events of `seg` (UndatedRule).
void date_undated(Segment& seg) {
  if (std::none_of(seg.events.begin(), seg.events.end(), [](const RawEvent& e) { return e.undated; }))
    return;
  UndatedRule rule(seg.h);
  for (const auto& e : seg.events)
    if (e.kind == rt::Ev::Release) rule.add_release(e.obj, e.tick);
  rule.sort();
  std::unordered_map<std::uint32_t, std::uint64_t> next;  // thread -> its next dated event
  for (std::size_t i = seg.events.size(); i-- > 0;) {
    RawEvent& e = seg.events[i];
    if (!e.undated) {
      next[e.thread] = e.tick;
      continue;
    }
    auto n = next.find(e.thread);
    e.tick = rule.date(e.obj, e.tick, n == next.end() ? UINT64_MAX : n->second);
  }
}

// The bytes of one trace file: in memory, or read from the file through a window of a few MiB, so
// that walking a file of any size holds a bounded part of it.
class Bytes {
 public:
  Bytes(const std::uint8_t* d, std::uint64_t n) : mem_(d), n_(n) {}
  Bytes(int fd, std::uint64_t n, std::string label) : fd_(fd), n_(n), label_(std::move(label)) {}
  std::uint64_t size() const { return n_; }
  // Bytes [off, off + len), len <= size() - off: valid until the next call.
  const std::uint8_t* at(std::uint64_t off, std::uint64_t len) {
    if (mem_ != nullptr) return mem_ + off;
    if (off >= win_off_ && off + len <= win_off_ + win_.size()) return win_.data() + (off - win_off_);
    std::uint64_t want = std::min<std::uint64_t>(std::max<std::uint64_t>(len, kWindow), n_ - off);
    win_.resize(static_cast<std::size_t>(want));
    win_off_ = off;
    std::uint64_t got = 0;
    while (got < want) {
      ssize_t r = ::pread(fd_, win_.data() + got, want - got, static_cast<off_t>(off + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0)
        throw TraceError(label_ + "shrank or could not be read at byte " +
                             std::to_string(off + got) + " while being read" +
                             (r < 0 ? std::string(": ") + std::strerror(errno) : std::string()),
                         off + got);
      got += static_cast<std::uint64_t>(r);
    }
    return win_.data();
  }

 private:
  static constexpr std::uint64_t kWindow = 4u << 20;
  const std::uint8_t* mem_ = nullptr;
  int fd_ = -1;
  std::uint64_t n_;
  std::string label_;
  std::vector<std::uint8_t> win_;
  std::uint64_t win_off_ = 0;
};

// Walks the segments of one file's bytes. `truncated` is set when the bytes end early.
void parse_file(Bytes& d, std::vector<Segment>& out, bool& truncated,
                std::vector<std::string>& warnings, const std::string& label,
                bool keep_events = true, std::uint32_t file = 0) {
  const std::uint64_t n = d.size();
  if (n == 0) throw TraceError(label + "is empty: not a weft trace", 0);
  std::uint64_t off = 0;
  while (off < n) {
    std::uint64_t have = n - off;
    if (std::memcmp(d.at(off, std::min<std::uint64_t>(have, 8)), fmt::kMagic,
                    std::min<std::uint64_t>(have, 8)) != 0) {
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
    std::vector<std::pair<std::size_t, std::size_t>> event_ranges;  // per block, in seg.events
    seg.file = file;
    seg.offset = off;
    std::memcpy(&seg.h, d.at(off, sizeof seg.h), sizeof seg.h);
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
      std::memcpy(&bh, d.at(b, sizeof bh), sizeof bh);
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
      std::size_t events_before = seg.events.size();
      std::uint32_t valid =
          decode_block(d.at(payload, limit - payload), payload, limit, block_cut, bh, seg, keep_events);
      if (seg.n_events != before) seg.event_threads.insert(bh.thread);
      auto& t = seg.threads[bh.thread];
      if (t.os_tid == 0) t.os_tid = bh.os_tid;
      if (bh.anchor_tick > seg.max_anchor_tick) {
        seg.max_anchor_tick = bh.anchor_tick;
        seg.max_anchor_mono = bh.anchor_mono_ns;
      }
      seg.blocks.push_back({b, valid, bh.thread, bh.base_tick});
      if (keep_events) event_ranges.emplace_back(events_before, seg.events.size());
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
    seg.order.resize(seg.blocks.size());
    for (std::uint32_t i = 0; i < seg.order.size(); ++i) seg.order[i] = i;
    std::stable_sort(seg.order.begin(), seg.order.end(), [&seg](std::uint32_t a, std::uint32_t b) {
      return seg.blocks[a].base_tick < seg.blocks[b].base_tick;
    });
    if (keep_events && !std::is_sorted(seg.order.begin(), seg.order.end())) {
      std::vector<RawEvent> in_order;
      in_order.reserve(seg.events.size());
      for (std::uint32_t b : seg.order)
        in_order.insert(in_order.end(), seg.events.begin() + event_ranges[b].first,
                        seg.events.begin() + event_ranges[b].second);
      seg.events = std::move(in_order);
    }
    if (keep_events) date_undated(seg);
    out.push_back(std::move(seg));
    if (cut) return;
    // A segment not packed by consolidate_trace() is the last of its file: the rest is the
    // recorder's preallocated, unused space.
    off = h.packed ? end : n;
  }
}

// An open trace file, closed on destruction.
class File {
 public:
  explicit File(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0)
      throw TraceError(path + ": cannot open: " + std::strerror(errno) +
                           " (record one with 'weft run -o " + path + " -- PROG')",
                       0);
    struct stat st;
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd_);
      throw TraceError(path + ": not a regular file", 0);
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() { ::close(fd_); }
  int fd() const { return fd_; }
  std::uint64_t size() const { return size_; }

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// Walks the trace `path` and the part files of its child processes (Segment::file: 0 for `path`,
// then 1, 2, ... in the order of `files`), through a bounded window of each file.
std::vector<Segment> read_segments(const std::string& path, bool keep_events,
                                   std::vector<std::string>& files, bool& truncated,
                                   std::vector<std::string>& warnings) {
  std::vector<Segment> segs;
  files.clear();
  std::vector<std::string> parts = trace_part_files(path);
  files.push_back(path);
  if (parts.empty() || ::access(path.c_str(), F_OK) == 0) {
    File f(path);
    Bytes bytes(f.fd(), f.size(), path + " ");
    parse_file(bytes, segs, truncated, warnings, path + " ", keep_events, 0);
  }  // else: the process `weft run` started did not record (a shell), its children did
  for (const auto& part : parts) {
    try {
      File f(part);
      Bytes bytes(f.fd(), f.size(), part + " ");
      std::vector<Segment> ps;
      bool pt = false;
      parse_file(bytes, ps, pt, warnings, part + " ", keep_events,
                 static_cast<std::uint32_t>(files.size()));
      files.push_back(part);
      for (auto& s : ps) segs.push_back(std::move(s));
    } catch (const TraceError& e) {
      // A child that died while creating its part: the rest of the trace is still good.
      warnings.push_back(std::string("skipped ") + e.what());
    }
  }
  return segs;
}

// How a segment's raw ticks, sites, objects and threads map to the trace's (assemble()).
struct Mapping {
  std::int64_t base = 0;  // the earliest segment's start: the trace's time 0
  std::vector<std::unordered_map<std::uint32_t, std::int32_t>> site_map;
  std::vector<std::unordered_map<std::uint64_t, rt::ObjId>> obj_map;
  std::vector<int> parent;  // the segment of the process a fork child was forked from
  std::vector<std::map<std::uint32_t, std::uint32_t>> thread_map;

  std::uint64_t ts(const Segment& s, std::uint64_t tick) const {
    std::int64_t m = s.mono(tick) - base;
    return m < 0 ? 0 : static_cast<std::uint64_t>(m);
  }
  std::int32_t site_of(std::size_t si, std::uint64_t id) const {
    if (id == 0 || id > UINT32_MAX) return -1;
    auto it = site_map[si].find(static_cast<std::uint32_t>(id));
    return it == site_map[si].end() ? -1 : it->second;
  }
  static rt::ObjId fresh_id(std::size_t si, std::uint64_t id) {
    return si == 0 ? id : ((static_cast<rt::ObjId>(si) << 48) | (id & ((1ull << 48) - 1)));
  }
  // An id a fork child uses without defining it is the parent's object, inherited through fork.
  rt::ObjId obj_of(std::size_t si, std::uint64_t id) const {
    if (id == 0) return 0;
    for (int s = static_cast<int>(si), hops = 0; s >= 0 && hops < 64; s = parent[s], ++hops) {
      auto it = obj_map[s].find(id);
      if (it != obj_map[s].end()) return it->second;
    }
    return fresh_id(si, id);
  }
  std::uint32_t thread_of(std::size_t si, std::uint32_t local) const {
    auto it = thread_map[si].find(local);
    return it == thread_map[si].end() ? 0 : it->second;
  }
  Event event(std::size_t si, const Segment& s, const RawEvent& e) const {
    std::uint64_t arg = rt::arg_is_object(e.kind) ? obj_of(si, e.arg) : e.arg;
    return {ts(s, e.tick), thread_of(si, e.thread), e.kind, obj_of(si, e.obj), arg,
            site_of(si, e.site)};
  }
};

// A fork child's events refer to objects its parent (or an earlier ancestor) created: the child
// has its own copy of each from the fork on (its own memory), so each becomes an object of the
// child's, as the parent's object was at the fork: same kind, name and site, created when the
// child's recording starts, on the child's first thread. Without the copy the child's use would
// count as the parent's object: one lock's statistics and lane over two processes, and two
// threads of different processes seemingly holding one mutex at once.
void add_inherited_objects(std::vector<Segment>& segs, const std::vector<int>& parent) {
  std::vector<std::unordered_map<std::uint64_t, std::size_t>> index(segs.size());
  auto index_of = [&](std::size_t si) -> const std::unordered_map<std::uint64_t, std::size_t>& {
    auto& ix = index[si];
    if (ix.empty())
      for (std::size_t i = 0; i < segs[si].objects.size(); ++i) ix.emplace(segs[si].objects[i].id, i);
    return ix;
  };
  for (std::size_t si = 0; si < segs.size(); ++si) {
    if (parent[si] < 0) continue;
    Segment& s = segs[si];
    std::set<std::uint64_t> used;
    s.for_each_used([&](std::uint64_t id) { used.insert(id); });
    for (const RawFinding& f : s.findings) used.insert(f.objects.begin(), f.objects.end());
    used.erase(0);
    if (used.empty()) continue;
    const auto& own = index_of(si);
    std::uint32_t first_thread = s.threads.empty() ? 0 : s.threads.begin()->first;
    std::vector<RawObject> copies;
    for (std::uint64_t id : used) {
      if (own.count(id)) continue;
      for (int a = parent[si], hops = 0; a >= 0 && hops < 64; a = parent[a], ++hops) {
        const auto& ix = index_of(static_cast<std::size_t>(a));
        auto it = ix.find(id);
        if (it == ix.end()) continue;
        RawObject c = segs[static_cast<std::size_t>(a)].objects[it->second];
        if (c.site_segment == RawObject::kOwnSites) c.site_segment = static_cast<std::uint32_t>(a);
        c.tick = s.h.tick0;
        c.thread = first_thread;
        copies.push_back(std::move(c));
        break;
      }
    }
    // Before the child's own objects: they were there first.
    s.objects.insert(s.objects.begin(), std::make_move_iterator(copies.begin()),
                     std::make_move_iterator(copies.end()));
    index[si].clear();
  }
}

// Builds the trace's model from its segments; `m` is left with the mapping of their ids (the
// streaming reader converts events with it).
Trace assemble(std::vector<Segment>& segs, bool truncated, std::vector<std::string> warnings,
               bool keep_events, Mapping& m) {
  Trace t;
  t.format_version = fmt::kVersion;
  t.truncated = truncated;
  t.warnings = std::move(warnings);
  if (segs.empty()) return t;

  // Clock: refine each segment's calibration with its widest anchor pair (at least 10 ms apart
  // and within 2x of the start-up calibration, else the start-up value stands).
  m = Mapping{};
  std::int64_t& base = m.base;
  base = INT64_MAX;
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
  auto ts = [&m](const Segment& s, std::uint64_t tick) { return m.ts(s, tick); };

  // Sites, deduplicated by content.
  std::map<std::tuple<std::string, std::uint32_t, std::uint32_t, std::string, std::string>,
           std::int32_t>
      site_index;
  auto& site_map = m.site_map;
  site_map.resize(segs.size());
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
  auto site_of = [&m](std::size_t si, std::uint64_t id) { return m.site_of(si, id); };

  // Objects: ids of the first segment stay; others get the segment number in bits 48+. An id a
  // fork child uses without defining it is the parent's object, inherited through fork.
  auto& obj_map = m.obj_map;
  obj_map.resize(segs.size());
  auto& parent = m.parent;
  parent.assign(segs.size(), -1);
  for (std::size_t si = 0; si < segs.size(); ++si) {
    for (std::size_t pj = 0; pj < segs.size(); ++pj) {
      if (pj != si && segs[pj].h.pid == segs[si].h.ppid && segs[pj].h.mono0_ns <= segs[si].h.mono0_ns &&
          (parent[si] < 0 || segs[pj].h.mono0_ns > segs[parent[si]].h.mono0_ns))
        parent[si] = static_cast<int>(pj);
    }
  }
  add_inherited_objects(segs, parent);
  for (std::size_t si = 0; si < segs.size(); ++si) {
    for (const auto& o : segs[si].objects) obj_map[si].emplace(o.id, Mapping::fresh_id(si, o.id));
  }
  auto obj_of = [&m](std::size_t si, std::uint64_t id) { return m.obj_of(si, id); };

  // Processes (one per pid; an exec'd image continues its pid) and threads.
  std::map<std::uint32_t, std::size_t> proc_of_pid;
  auto& thread_map = m.thread_map;
  thread_map.resize(segs.size());
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
    for (const auto& o : s.overwrites) active.insert(o.thread);
    p.overwritten += s.h.overwritten;
    t.overwritten += s.h.overwritten;
    p.keep_last_bytes = s.h.ring_bytes;
    p.keep_last_ns = s.h.ring_ns;
    std::unordered_map<std::uint64_t, const std::string*> task_names;
    for (const auto& [local, rt_] : s.threads) {
      if (rt_.task != 0) {  // a weft::aio task's lane, under the thread that ran its loop
        Thread th;
        th.index = static_cast<std::uint32_t>(t.threads.size());
        th.pid = s.h.pid;
        auto parent = thread_map[si].find(rt_.parent);
        th.parent = parent != thread_map[si].end() ? parent->second : Thread::kNoParent;
        if (th.parent != Thread::kNoParent) th.os_tid = t.threads[th.parent].os_tid;
        th.task = obj_of(si, rt_.task);
        if (task_names.empty())
          for (const auto& o : s.objects)
            if (o.kind == rt::ObjKind::AioTask) task_names.emplace(o.id, &o.name);
        if (auto n = task_names.find(rt_.task); n != task_names.end()) th.name = *n->second;
        thread_map[si][local] = th.index;
        t.threads.push_back(std::move(th));
        continue;
      }
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
      ob.site = site_of(o.site_segment == RawObject::kOwnSites ? si : o.site_segment, o.site);
      ob.pid = s.h.pid;
      t.objects.push_back(ob);
      if (keep_events)
        t.events.push_back({ts(s, o.tick), m.thread_of(si, o.thread), rt::Ev::Create, ob.id,
                            static_cast<std::uint64_t>(o.kind), ob.site});
    }
    for (const auto& e : s.events) t.events.push_back(m.event(si, s, e));
    // Flight-recorder mode: what was overwritten, per thread, and where the window starts.
    for (const auto& o : s.overwrites) {
      std::uint32_t th = m.thread_of(si, o.thread);
      if (th < t.threads.size()) t.threads[th].overwritten += o.events;
      t.window_start_ns = std::max(t.window_start_ns, ts(s, o.last_tick));
    }
    // Each thread's start site, from its ThreadStart (decode_block).
    for (const auto& [local, rt_] : s.threads) {
      std::int32_t site = site_of(si, rt_.start_site);
      std::uint32_t th = m.thread_of(si, local);
      if (site >= 0 && th < t.threads.size())
        t.threads[th].start_site = site;
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
  if (t.overwritten > 0) {
    char when[64];
    std::snprintf(when, sizeof when, "%.3f s", static_cast<double>(t.window_start_ns) / 1e9);
    std::string w = "flight recorder: ";
    w += std::to_string(t.overwritten);
    w += " older events were overwritten; every thread's events are complete from ";
    w += when;
    t.warnings.push_back(std::move(w));
  }
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
  Bytes bytes(static_cast<const std::uint8_t*>(data), size);
  parse_file(bytes, segs, truncated, warnings, "trace ");
  Mapping m;
  return assemble(segs, truncated, std::move(warnings), true, m);
}

Trace read_trace(const std::string& path) { return read_trace(path, ReadOptions{}); }

Trace read_trace(const std::string& path, const ReadOptions& options) {
  bool truncated = false;
  std::vector<std::string> warnings, files;
  std::vector<Segment> segs = read_segments(path, options.events, files, truncated, warnings);
  Mapping m;
  return assemble(segs, truncated, std::move(warnings), options.events, m);
}

// ---- EventReader: the events of the trace, merged by time from each thread's blocks ----

struct EventReader::Impl {
  std::string path;
  std::vector<std::string> files;
  std::vector<Segment> segs;  // without events
  Mapping m;
  Trace t;
};

EventReader::EventReader(const std::string& path) : impl_(std::make_unique<Impl>()) {
  bool truncated = false;
  std::vector<std::string> warnings;
  impl_->path = path;
  impl_->segs = read_segments(path, /*keep_events=*/false, impl_->files, truncated, warnings);
  impl_->t = assemble(impl_->segs, truncated, std::move(warnings), false, impl_->m);
}
EventReader::~EventReader() = default;
EventReader::EventReader(EventReader&&) noexcept = default;
EventReader& EventReader::operator=(EventReader&&) noexcept = default;
Trace& EventReader::trace() { return impl_->t; }
const Trace& EventReader::trace() const { return impl_->t; }

namespace {

// Where an event sorts: a full read's stable sort by time keeps, for equal times, the order in
// which assemble() appends events: by segment, its objects' Create events first, then its event
// records block by block in Segment::order.
struct MergeKey {
  std::uint64_t ts;
  std::uint32_t seg;
  std::uint8_t sub;      // 0 Create, 1 event record
  // The object's index in its segment; for a record, its block's rank in Segment::order (high
  // 32 bits) and its offset in the block.
  std::uint64_t pos;
  bool operator<(const MergeKey& o) const {
    return std::tie(ts, seg, sub, pos) < std::tie(o.ts, o.seg, o.sub, o.pos);
  }
  bool operator==(const MergeKey& o) const = default;
};

struct PendingEvent {
  RawEvent e;
  std::uint64_t pos;  // MergeKey::pos: its block's rank in time order, its offset in the block
};

// The event records of one thread of one segment, decoded a block at a time.
class ThreadStream {
 public:
  ThreadStream(std::size_t si, std::uint32_t thread, std::uint32_t trace_thread)
      : si_(si), thread_(thread), trace_thread_(trace_thread) {}
  std::size_t seg() const { return si_; }
  std::uint32_t trace_thread() const { return trace_thread_; }
  void add_block(std::uint32_t b, std::uint32_t rank) { blocks_.push_back({b, rank}); }

  // The next event, dated (nullptr at the end); stays until pop().
  const PendingEvent* head(const Segment& s, const File& f, const UndatedRule* rule,
                           const Mapping& m) {
    if (ahead_.empty() && !decode(s, f)) {
      release();
      return nullptr;
    }
    if (ahead_.front().e.undated && rule != nullptr) {
      // The run of undated acquisitions up to the thread's next dated event: each is dated from
      // that event's tick, and the run is put in time order as a full read's sort would (each
      // may move to a different lock's release, so they need not stay in record order).
      std::size_t i = 1;
      for (;; ++i) {
        if (i == ahead_.size() && !decode(s, f)) break;
        if (!ahead_[i].e.undated) break;
      }
      std::uint64_t hi = i < ahead_.size() ? ahead_[i].e.tick : UINT64_MAX;
      for (std::size_t k = 0; k < i; ++k) {
        RawEvent& e = ahead_[k].e;
        e.tick = rule->date(e.obj, e.tick, hi);
        e.undated = false;
      }
      std::stable_sort(ahead_.begin(), ahead_.begin() + static_cast<std::ptrdiff_t>(i),
                       [&](const PendingEvent& a, const PendingEvent& b) {
                         return m.ts(s, a.e.tick) < m.ts(s, b.e.tick);
                       });
    }
    return &ahead_.front();
  }
  void pop() { ahead_.pop_front(); }

 private:
  // Decodes records up to the next event record into ahead_; false at the thread's end.
  bool decode(const Segment& s, const File& f) {
    for (;;) {
      if (pos_ >= end_) {
        if (next_ >= blocks_.size()) return false;
        rank_ = blocks_[next_].second;
        load(s.blocks[blocks_[next_++].first], f);
        continue;
      }
      Cursor c(buf_.data() + fmt::kBlockHeaderBytes, payload_, pos_, end_);
      std::uint64_t at = pos_;
      if (!read_record(c, rec_)) changed(at);
      pos_ = c.pos();
      tick_ += rec_.dt;
      auto lane_of = [&](std::uint64_t task) { return s.lane(thread_, task); };
      if (!rec_.is_event()) {
        if (rec_.type == fmt::kTaskLane) lane_.enter(rec_.type, rt::Ev::Create, rec_.obj, lane_of);
        continue;
      }
      bool undated = rec_.type == fmt::kAcquiredUndated;
      rt::Ev kind = undated ? rt::Ev::Acquired : static_cast<rt::Ev>(rec_.type);
      lane_.enter(rec_.type, kind, rec_.obj, lane_of);
      ahead_.push_back({{tick_, lane_.lane, kind, rec_.obj, rec_.arg, clamp32(rec_.site), undated},
                        (static_cast<std::uint64_t>(rank_) << 32) | (at - block_offset_)});
      lane_.leave(kind, rec_.obj);
      return true;
    }
  }
  void load(const BlockView& b, const File& f) {
    std::uint64_t want = fmt::kBlockHeaderBytes + static_cast<std::uint64_t>(b.valid);
    buf_.resize(static_cast<std::size_t>(want));
    std::uint64_t got = 0;
    while (got < want) {
      ssize_t r = ::pread(f.fd(), buf_.data() + got, want - got, static_cast<off_t>(b.offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) changed(b.offset + got);
      got += static_cast<std::uint64_t>(r);
    }
    fmt::BlockHeader bh;
    std::memcpy(&bh, buf_.data(), sizeof bh);
    if (bh.magic != fmt::kBlockMagic || bh.thread != thread_) changed(b.offset);
    tick_ = bh.base_tick;
    lane_ = LaneCursor(thread_);
    block_offset_ = b.offset;
    payload_ = pos_ = b.offset + fmt::kBlockHeaderBytes;
    end_ = payload_ + b.valid;
  }
  void release() {
    std::vector<std::uint8_t>().swap(buf_);
    std::deque<PendingEvent>().swap(ahead_);
  }
  [[noreturn]] static void changed(std::uint64_t at) {
    throw TraceError("the trace changed while being read (at byte " + std::to_string(at) + ")", at);
  }

  std::size_t si_;
  std::uint32_t thread_, trace_thread_;
  LaneCursor lane_{0};  // whose lane the current block's next records are
  // Its blocks in time order: indexes into Segment::blocks, and their ranks in Segment::order.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> blocks_;
  std::uint32_t rank_ = 0;
  std::uint64_t block_offset_ = 0;
  std::size_t next_ = 0;
  std::vector<std::uint8_t> buf_;      // the current block: header and valid payload
  std::uint64_t payload_ = 0, pos_ = 0, end_ = 0, tick_ = 0;
  std::deque<PendingEvent> ahead_;
  Record rec_;
};

}  // namespace

std::uint64_t EventReader::for_each(const std::function<void(const Event&)>& visit) {
  const Impl& im = *impl_;
  const Mapping& m = im.m;
  std::vector<std::unique_ptr<File>> files;
  for (const auto& path : im.files) {
    if (::access(path.c_str(), F_OK) != 0 && &path == &im.files.front()) {
      files.push_back(nullptr);  // no file of its own: only child processes recorded
      continue;
    }
    files.push_back(std::make_unique<File>(path));
  }

  // Create events, sorted.
  std::vector<std::pair<MergeKey, Event>> creates;
  for (std::size_t si = 0; si < im.segs.size(); ++si) {
    const Segment& s = im.segs[si];
    for (std::size_t i = 0; i < s.objects.size(); ++i) {
      const RawObject& o = s.objects[i];
      Event e{m.ts(s, o.tick), m.thread_of(si, o.thread), rt::Ev::Create, m.obj_of(si, o.id),
              static_cast<std::uint64_t>(o.kind),
              m.site_of(o.site_segment == RawObject::kOwnSites ? si : o.site_segment, o.site)};
      creates.push_back({{e.ts_ns, static_cast<std::uint32_t>(si), 0, i}, e});
    }
  }
  std::sort(creates.begin(), creates.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  // A stream per thread of each segment; the dating rule of segments with undated acquisitions.
  std::vector<ThreadStream> streams;
  std::vector<std::unique_ptr<UndatedRule>> rules(im.segs.size());
  using Entry = std::pair<MergeKey, std::size_t>;
  auto later = [](const Entry& a, const Entry& b) { return b.first < a.first; };
  std::priority_queue<Entry, std::vector<Entry>, decltype(later)> heap(later);
  for (std::size_t si = 0; si < im.segs.size(); ++si) {
    const Segment& s = im.segs[si];
    // Each thread's blocks in time order; its stream starts at its first block's base tick (a
    // lower bound of its first event's time).
    std::map<std::uint32_t, std::size_t> of_thread;
    for (std::uint32_t rank = 0; rank < s.order.size(); ++rank) {
      std::uint32_t b = s.order[rank];
      std::uint32_t th = s.blocks[b].thread;
      if (!s.event_threads.count(th)) continue;
      auto [it, fresh] = of_thread.emplace(th, streams.size());
      if (fresh) {
        streams.emplace_back(si, th, m.thread_of(si, th));
        heap.push({{m.ts(s, s.blocks[b].base_tick), static_cast<std::uint32_t>(si), 1,
                    static_cast<std::uint64_t>(rank) << 32},
                   it->second});
      }
      streams[it->second].add_block(b, rank);
    }
    if (s.n_undated > 0) {
      auto rule = std::make_unique<UndatedRule>(s.h);
      for (const auto& [th, idx] : of_thread) {
        ThreadStream pass = streams[idx];  // a copy that reads the thread's events once
        while (const PendingEvent* p = pass.head(s, *files[s.file], nullptr, m)) {
          if (p->e.kind == rt::Ev::Release) rule->add_release(p->e.obj, p->e.tick);
          pass.pop();
        }
      }
      rule->sort();
      rules[si] = std::move(rule);
    }
  }

  std::uint64_t n = 0;
  std::size_t ci = 0;
  while (!heap.empty() || ci < creates.size()) {
    if (ci < creates.size() && (heap.empty() || creates[ci].first < heap.top().first)) {
      visit(creates[ci++].second);
      ++n;
      continue;
    }
    auto [key, idx] = heap.top();
    heap.pop();
    ThreadStream& st = streams[idx];
    const Segment& s = im.segs[st.seg()];
    const PendingEvent* p = st.head(s, *files[s.file], rules[st.seg()].get(), m);
    if (p == nullptr) continue;
    MergeKey real{m.ts(s, p->e.tick), static_cast<std::uint32_t>(st.seg()), 1, p->pos};
    if (key < real) {  // a lower bound (the thread's first event, before dating)
      heap.push({real, idx});
      continue;
    }
    RawEvent e = p->e;
    st.pop();
    Event out = m.event(st.seg(), s, e);
    if (e.thread < kLaneBase) out.thread = st.trace_thread();  // else a task's lane (m.event)
    visit(out);
    ++n;
    if (const PendingEvent* q = st.head(s, *files[s.file], rules[st.seg()].get(), m))
      heap.push({{m.ts(s, q->e.tick), static_cast<std::uint32_t>(st.seg()), 1, q->pos}, idx});
  }
  return n;
}

namespace {

// Appends bytes to a file through a 1 MiB buffer; throws TraceError when a write fails.
class FileWriter {
 public:
  FileWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) { buf_.reserve(kBuffer); }
  void append(const void* data, std::size_t n) {
    if (buf_.size() + n > kBuffer) flush();
    if (n >= kBuffer) {
      write_all(static_cast<const std::uint8_t*>(data), n);
      return;
    }
    const auto* p = static_cast<const std::uint8_t*>(data);
    buf_.insert(buf_.end(), p, p + n);
  }
  void flush() {
    write_all(buf_.data(), buf_.size());
    buf_.clear();
  }

 private:
  static constexpr std::size_t kBuffer = 1u << 20;
  void write_all(const std::uint8_t* d, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      ssize_t w = ::write(fd_, d + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) throw TraceError(path_ + ": cannot write: " + std::strerror(errno), written_);
      done += static_cast<std::size_t>(w);
      written_ += static_cast<std::uint64_t>(w);
    }
  }
  int fd_;
  std::string path_;
  std::vector<std::uint8_t> buf_;
  std::uint64_t written_ = 0;
};

// Writes segment `s` of `src`, packed: each block cut to its valid records, the unused
// preallocated rest and free blocks left out. `exit_kind` != 0 records how the process ended.
void pack_segment(Bytes& src, const Segment& s, FileWriter& out, std::uint32_t exit_kind,
                  int exit_value) {
  fmt::SegmentHeader h = s.h;
  std::uint64_t blocks = 0;
  for (const auto& b : s.blocks) blocks += fmt::kBlockHeaderBytes + b.valid;
  h.blocks_bytes = blocks;
  h.packed = 1;
  if (exit_kind != 0) {
    h.exit_kind = exit_kind;
    h.exit_value = exit_value;
  }
  const std::uint8_t* at = src.at(s.offset, fmt::kSegmentHeaderBytes);
  std::vector<std::uint8_t> header(at, at + fmt::kSegmentHeaderBytes);  // keeps the command
  std::memcpy(header.data(), &h, sizeof h);
  out.append(header.data(), header.size());
  for (const auto& b : s.blocks) {
    const std::uint8_t* d = src.at(b.offset, fmt::kBlockHeaderBytes + std::uint64_t{b.valid});
    fmt::BlockHeader bh;
    std::memcpy(&bh, d, sizeof bh);
    bh.capacity = bh.used = b.valid;
    out.append(&bh, sizeof bh);
    out.append(d + fmt::kBlockHeaderBytes, b.valid);
  }
}

}  // namespace

// Reads each file twice through a bounded window (once to find every block's valid bytes, once
// to copy them), so memory stays a few MiB whatever the trace's size.
void consolidate_trace(const std::string& path, std::uint32_t exit_kind, int exit_value,
                       Trace* summary) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw TraceError(tmp + ": cannot create: " + std::strerror(errno), 0);
  std::vector<std::string> merged;
  // The segments as the consolidated file holds them, for `summary` (read as read_trace reads
  // that file: its packed blocks are whole, so no warning, nothing truncated). Left to
  // read_trace when a part stays behind (still running, or unreadable).
  std::vector<Segment> written;
  bool part_left = false;
  try {
    FileWriter out(fd, tmp);
    std::vector<std::string> warnings;
    if (::access(path.c_str(), F_OK) == 0 || trace_part_files(path).empty()) {
      File f(path);
      Bytes src(f.fd(), f.size(), path + " ");
      std::vector<Segment> segs;
      bool truncated = false;
      parse_file(src, segs, truncated, warnings, path + " ", /*keep_events=*/false);
      for (std::size_t i = 0; i < segs.size(); ++i)
        pack_segment(src, segs[i], out, i == 0 ? exit_kind : 0, exit_value);
      if (!segs.empty() && exit_kind != 0) {
        segs[0].h.exit_kind = exit_kind;
        segs[0].h.exit_value = exit_value;
      }
      if (summary != nullptr)
        for (auto& s : segs) written.push_back(std::move(s));
    }
    for (const auto& part : trace_part_files(path)) {
      std::optional<File> f;
      std::optional<Bytes> src;
      std::vector<Segment> ps;
      try {
        f.emplace(part);
        src.emplace(f->fd(), f->size(), part + " ");
        bool pt = false;
        parse_file(*src, ps, pt, warnings, part + " ", /*keep_events=*/false);
      } catch (const TraceError&) {
        part_left = true;
        continue;  // left in place; read_trace() reports it
      }
      bool running = false;
      for (const auto& s : ps)
        running |= s.h.state == fmt::kLive && ::kill(static_cast<pid_t>(s.h.pid), 0) == 0;
      if (running) {  // still being written: leave it as a part
        part_left = true;
        continue;
      }
      // (A part that changes from here on fails the whole consolidation, which leaves the
      // files as they were, rather than writing half a segment.)
      for (auto& s : ps) pack_segment(*src, s, out, 0, 0);
      merged.push_back(part);
      if (summary != nullptr)
        for (auto& s : ps) written.push_back(std::move(s));
    }
    out.flush();
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw TraceError(path + ": cannot replace: " + std::strerror(errno), 0);
  }
  for (const auto& p : merged) ::unlink(p.c_str());
  if (summary == nullptr) return;
  if (part_left) {
    *summary = read_trace(path, ReadOptions{.events = false});
    return;
  }
  Mapping m;
  *summary = assemble(written, /*truncated=*/false, {}, /*keep_events=*/false, m);
}

}  // namespace weft::trace
