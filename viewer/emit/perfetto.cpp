// Perfetto's own trace format: a `Trace` message of `TracePacket`s, protobuf wire encoding
// written by hand (weft/viewer/protowire.hpp). Opens in https://ui.perfetto.dev and in
// trace_processor. The field numbers are those of Perfetto's published schema,
// https://github.com/google/perfetto/blob/main/protos/perfetto/trace/perfetto_trace.proto
// (trace_packet.proto, track_event/*.proto, interned_data/interned_data.proto,
// clock_snapshot.proto, trace_packet_defaults.proto); tests/viewer/perfetto_trace.proto declares
// the same subset for `protoc --decode`.
//
// Streamed: one pass over the events (an EventPass through a Deriver, which says as each event
// passes which interval begins, which ends and which arrow it completes); every packet is written
// when its event passes, so the packets come in time order without sorting, and memory holds what
// is open now (per thread, object, lane and interned string), never the events or the intervals.
//
// What is written (docs/viewer.md, "Perfetto"):
//   - one packet sequence (trusted_packet_sequence_id 1) whose first packet clears the incremental
//     state, sets a sequence-scoped incremental clock (id 64) as the default timestamp clock, and
//     anchors it to BOOTTIME 0 = the trace's time 0: every later timestamp is a delta in ns;
//   - a TrackDescriptor per process and per thread (ThreadDescriptor) of the trace's tables first;
//     the others just before the first packet that uses them (Perfetto asks only that a track be
//     described earlier in the sequence): the lanes of a thread (child tracks "locks held",
//     "locks held (2)", ..., and "blocked/waiting" when its blocked/waiting slices overlap), a
//     counter per lock the first time a thread blocks on it (threads blocked on it, under its
//     process), the global "findings" track, threads only the events name;
//   - TYPE_SLICE_BEGIN at the event that opens a hold, a blocked or a waiting interval,
//     TYPE_SLICE_END at the one that closes it: blocked and waiting slices on the thread track,
//     holds on the "locks held" lanes below it. A lane carries one open slice at a time (a hold
//     takes the first free lane of its thread and frees it as it ends), so the slices of every
//     track nest whatever the order of the releases, without looking ahead; the lanes a thread
//     needs are as many as the locks it holds at once. Names, categories and source locations
//     are interned (InternedData, in the packet that first uses them);
//   - flows, begun at the source event without knowing the target: a release while threads are
//     blocked on the lock puts one flow id per blocked thread on the releasing hold's END
//     (flow_ids; on a "release" instant when the release closes no hold), and the acquisition
//     that release unblocked terminates its thread's id on its hold's BEGIN
//     (terminating_flow_ids); a notify/set while threads wait puts one id per waiter on a
//     "notify"/"set" instant, the wake-up terminates it on a "woken" instant; a thread object's
//     creation and a thread's end begin a flow on an instant ("start", "end") that its start and
//     a join terminate ("started", "joined"). Ids no target takes stay unterminated, which
//     Perfetto ignores (a flow needs both ends). A release or notify at the very nanosecond a
//     thread begins to block or wait, just before it in the trace, gets its flow id on an
//     instant when the block begins; any other arrow whose source passed without a flow id (odd
//     traces) gets a source instant at its time if no later packet is written yet, else no flow;
//   - the counters ride on the blocked slices' BEGIN/END (extra_counter_values);
//   - what is still open at the end of the trace ends there (a thread's at its end), its END
//     marked unfinished=true and, for a thread still blocked, held_by = the threads holding the
//     lock then (debug annotations on an END are added to the slice's args);
//   - findings as TYPE_INSTANT events on the findings track at their time, with message, threads,
//     objects and sites as debug annotations;
//   - a flight-recorder trace's window start (weft run --keep-last) as one more instant there,
//     `window start: older events overwritten` (category weft.flight_recorder).
// Odd traces stay valid: an event dated before the last packet (a trace not sorted by time) is
// written at the last packet's time; a block or wait begun again before it ended (which the
// Deriver drops) ends where the next one begins.
//
// With `compress` (the default), the packets are bundled into TracePackets whose
// `compressed_packets` field holds ~256 KiB of packets deflated with zlib (each bundle < 512 KB,
// as the schema asks).
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "weft/viewer/protowire.hpp"
#include "weft/viewer/writers.hpp"

namespace weft::viewer {

namespace pb {

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    }
    bool ok = len > 0 && i + len <= n;
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are invalid too.
    if (ok && ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
               (cp >= 0xd800 && cp <= 0xdfff)))
      ok = false;
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out.append("\xef\xbf\xbd");  // U+FFFD
      ++i;
    }
  }
  return out;
}

}  // namespace pb

namespace {

// Field numbers of Perfetto's schema (see the file comment for where each message is defined).
namespace F {
// Trace
constexpr std::uint32_t kPacket = 1;
// TracePacket
constexpr std::uint32_t kClockSnapshot = 6, kTimestamp = 8, kSequenceId = 10, kTrackEvent = 11,
                        kInternedData = 12, kSequenceFlags = 13, kCompressedPackets = 50,
                        kPacketDefaults = 59, kTrackDescriptor = 60;
constexpr std::uint32_t kSeqIncrementalStateCleared = 1, kSeqNeedsIncrementalState = 2;
// TracePacketDefaults
constexpr std::uint32_t kDefaultsClockId = 58;
// ClockSnapshot { repeated Clock clocks = 1; } Clock { clock_id = 1; timestamp = 2;
// is_incremental = 3; }
constexpr std::uint32_t kClocks = 1, kClockId = 1, kClockTimestamp = 2, kClockIncremental = 3;
constexpr std::uint32_t kClockBoottime = 6, kClockWeft = 64;  // 64..127: sequence-scoped
// TrackDescriptor
constexpr std::uint32_t kTdUuid = 1, kTdName = 2, kTdProcess = 3, kTdThread = 4, kTdParentUuid = 5,
                        kTdCounter = 8;
// ProcessDescriptor / ThreadDescriptor / CounterDescriptor
constexpr std::uint32_t kPdPid = 1, kPdName = 6;
constexpr std::uint32_t kThPid = 1, kThTid = 2, kThName = 5;
constexpr std::uint32_t kCdUnit = 3, kUnitCount = 2;
// TrackEvent
constexpr std::uint32_t kTeCategoryIids = 3, kTeDebugAnnotations = 4, kTeType = 9, kTeNameIid = 10,
                        kTeTrackUuid = 11, kTeExtraCounterValues = 12, kTeCounterValue = 30,
                        kTeExtraCounterUuids = 31, kTeSourceLocationIid = 34, kTeFlowIds = 47,
                        kTeTerminatingFlowIds = 48;
constexpr std::uint8_t kSliceBegin = 1, kSliceEnd = 2, kInstant = 3, kCounter = 4;
// InternedData, and the interned messages (iid = 1, name = 2 for the first three)
constexpr std::uint32_t kIdCategories = 1, kIdEventNames = 2, kIdAnnotationNames = 3,
                        kIdSourceLocations = 4;
constexpr std::uint32_t kIid = 1, kIName = 2;
constexpr std::uint32_t kSlFile = 2, kSlFunction = 3, kSlLine = 4;
// DebugAnnotation
constexpr std::uint32_t kDaNameIid = 1, kDaBool = 2, kDaUint = 3, kDaString = 6;
}  // namespace F


enum Category : std::uint8_t {
  kCatNone, kCatLock, kCatBlocked, kCatWait, kCatFlow, kCatFinding, kCatFlightRecorder
};
constexpr const char* kCategoryNames[] = {"",          "weft.lock", "weft.blocked", "weft.wait",
                                          "weft.flow", "weft.finding", "weft.flight_recorder"};

struct Note {
  std::uint32_t name = 0;  // annotation-name iid
  bool is_bool = false;
  bool boolean = false;
  bool is_uint = false;
  std::uint64_t uint = 0;
  std::string text;
};

struct Track {
  std::uint64_t uuid = 0;
  std::size_t parent = SIZE_MAX;  // index of the parent track
  std::string name;
  enum Kind : std::uint8_t { Process, Thread, Child, Counter, Global } kind = Child;
  std::uint32_t pid = 0, tid = 0;
  bool described = false;  // its TrackDescriptor is written
};

// One TrackEvent, written as soon as it is made.
struct Packet {
  std::uint64_t ts = 0;
  std::size_t track = 0;  // index into tracks_
  std::uint8_t type = F::kSliceBegin;
  std::uint8_t cat = kCatNone;
  std::uint32_t name = 0;      // event-name iid; 0 on a slice end
  std::uint32_t site = 0;      // source-location iid (site index + 1), 0 = none
  std::uint32_t counter = 0;   // lock-counter index + 1: `count` rides on this event
  std::int64_t count = 0;
  std::uint64_t flow_in = 0;   // terminating_flow_ids, 0 = none
  const std::vector<std::uint64_t>* flows_out = nullptr;  // flow_ids
  const std::vector<Note>* notes = nullptr;
};

// Lanes of a thread: one open slice at most on each.
struct Lane {
  std::size_t track = 0;
  bool busy = false;
};
// An open blocked, waiting or joining slice (`origin`: AcquireBegin, WaitBegin, JoinBegin).
struct OpenState {
  rt::Ev origin = rt::Ev::AcquireBegin;
  rt::ObjId obj = 0;
  std::uint64_t t0 = 0;
  std::uint32_t lane = 0;
  std::uint32_t counter = 0;  // blocked: lock-counter index + 1
};
struct OpenHold {
  rt::ObjId obj = 0;
  std::uint64_t t0 = 0;
  std::uint32_t lane = 0;
};
struct ThreadState {
  std::size_t track = 0;                // the thread track
  std::vector<Lane> hold_lanes;         // "locks held", "locks held (2)", ...
  std::vector<Lane> state_lanes;        // [0] = the thread track, then "blocked/waiting" lanes
  std::vector<OpenState> states;
  std::vector<OpenHold> holds;
  bool ended = false;
  std::uint64_t end_ts = 0;
};

// A flow begun at a source event, for the arrow that may end it.
enum FlowKind : std::uint8_t { kFlowUnblock, kFlowSignal, kFlowStart, kFlowJoin };
constexpr std::uint32_t kAnyThread = UINT32_MAX;
struct PendingFlow {
  std::uint64_t id = 0;
  std::uint64_t t0 = 0;       // the source's time
  std::uint32_t from = 0;     // the source's thread
  std::uint32_t to = 0;       // the thread it may unblock/wake, kAnyThread
  FlowKind kind = kFlowUnblock;
};
struct ObjState {
  bool init = false;
  rt::ObjKind kind = rt::ObjKind::Unknown;
  std::uint32_t hold_name = 0, blocked_name = 0, wait_name = 0;  // iids, 0 = not interned yet
  std::uint32_t counter = 0;                  // lock-counter index + 1, 0 = never contended
  std::vector<std::uint32_t> blocked, waiting;  // threads blocked on it / waiting for it now
  std::vector<PendingFlow> pending;
  bool released = false, signalled = false;   // the last release, the last notify/set
  std::uint32_t release_thread = 0, signal_thread = 0;
  std::uint64_t release_ts = 0, signal_ts = 0;
};

FlowKind flow_kind(Arrow::Kind k) {
  switch (k) {
    case Arrow::Unblock:
      return kFlowUnblock;
    case Arrow::Notify:
    case Arrow::Set:
      return kFlowSignal;
    case Arrow::Start:
      return kFlowStart;
    case Arrow::Join:
      return kFlowJoin;
  }
  return kFlowUnblock;
}

template <class V, class T>
void erase_one(V& v, const T& x) {
  auto it = std::find(v.begin(), v.end(), x);
  if (it != v.end()) v.erase(it);
}

class PerfettoWriter {
 public:
  PerfettoWriter(const trace::Trace& t, const EventPass& events, std::ostream& out,
                 const PerfettoOptions& o)
      : t_(t), events_(events), out_(out), opts_(o), labels_(t), dv_(t) {}

  void run() {
    write_header();
    make_known_tracks();
    findings_order_.resize(t_.findings.size());
    for (std::size_t i = 0; i < findings_order_.size(); ++i) findings_order_[i] = i;
    std::stable_sort(findings_order_.begin(), findings_order_.end(),
                     [&](std::size_t a, std::size_t b) {
                       return t_.findings[a].time_ns < t_.findings[b].time_ns;
                     });
    dv_.on_begin = [this](const Interval& iv) { begun(iv); };
    dv_.on_interval = [this](const Interval& iv) { ended(iv); };
    dv_.on_arrow = [this](const Arrow& a) { arrow(a); };
    bool any = false;
    events_([&](const trace::Event& e) {
      any = true;
      event(e);
    });
    if (any) {
      const std::uint64_t end = extended_end(t_, dv_.t_min, dv_.t_max);
      findings_before(end);
      close_all(end);
    }
    findings_before(UINT64_MAX);
    if (window_pending_) write_window();
    flush();
  }

 private:
  // ---- interning -------------------------------------------------------------------------
  std::uint32_t intern_name(const std::string& s) {
    auto [it, fresh] = name_iids_.try_emplace(s, static_cast<std::uint32_t>(names_.size() + 1));
    if (fresh) names_.push_back(s);
    return it->second;
  }
  // The name of an event about an object ("release lock A"), cached per (what, object).
  std::uint32_t object_name(std::uint32_t what, rt::ObjId obj, const char* prefix) {
    const std::uint64_t key = (static_cast<std::uint64_t>(obj) << 5) | what;
    auto it = object_names_.find(key);
    if (it != object_names_.end()) return it->second;
    std::string name = prefix;
    name += object_label(obj);
    std::uint32_t iid = intern_name(name);
    object_names_.emplace(key, iid);
    return iid;
  }
  const std::string& object_label(rt::ObjId obj) {
    auto it = object_labels_.find(obj);
    if (it == object_labels_.end())
      it = object_labels_.emplace(obj, pb::valid_utf8(labels_.object(obj))).first;
    return it->second;
  }
  std::uint32_t annotation_name(const char* s) {
    auto [it, fresh] =
        annotation_iids_.try_emplace(s, static_cast<std::uint32_t>(annotation_names_.size() + 1));
    if (fresh) annotation_names_.push_back(s);
    return it->second;
  }
  std::uint32_t site_iid(std::int32_t s) const {
    return s >= 0 && static_cast<std::size_t>(s) < t_.sites.size()
               ? static_cast<std::uint32_t>(s) + 1
               : 0;
  }
  std::string site_text(std::int32_t s) const {
    if (s < 0 || static_cast<std::size_t>(s) >= t_.sites.size()) return "";
    const auto& site = t_.sites[static_cast<std::size_t>(s)];
    std::string out = site.file;
    out += ':';
    out += std::to_string(site.line);
    if (!site.function.empty()) {
      out += " (";
      out += site.function;
      out += ')';
    }
    return out;
  }

  // ---- tracks ----------------------------------------------------------------------------
  std::size_t add_track(Track tr) {
    tr.uuid = tracks_.size() + 1;  // small uuids: 1-byte varints for the first 127 tracks
    tracks_.push_back(std::move(tr));
    return tracks_.size() - 1;
  }
  std::uint32_t pid_of_thread(std::uint32_t th) const {
    return th < t_.threads.size() && t_.threads[th].pid != 0 ? t_.threads[th].pid : 1;
  }
  std::size_t process_track(std::uint32_t pid) {
    auto it = process_tracks_.find(pid);
    if (it != process_tracks_.end()) return it->second;
    Track tr;
    tr.kind = Track::Process;
    tr.pid = pid;
    tr.name = "pid " + std::to_string(pid);
    for (const auto& p : t_.processes)
      if ((p.pid ? p.pid : 1) == pid && !p.command.empty()) tr.name = pb::valid_utf8(p.command);
    std::size_t idx = add_track(std::move(tr));
    process_tracks_.emplace(pid, idx);
    return idx;
  }
  std::uint32_t first_pid() const {
    return !t_.processes.empty() && t_.processes.front().pid ? t_.processes.front().pid : 1;
  }

  // The trace's threads and processes, described before any event: thread tracks first (the
  // most used uuids stay 1 byte long), each thread's first "locks held" lane next (described
  // when first used), then the processes.
  void make_known_tracks() {
    const auto nt = static_cast<std::uint32_t>(t_.threads.size());
    std::map<std::pair<std::uint32_t, std::uint64_t>, int> tid_uses;
    for (std::uint32_t th = 0; th < nt; ++th)
      if (!t_.threads[th].is_task()) tid_uses[{pid_of_thread(th), t_.threads[th].os_tid}]++;
    threads_.resize(nt);
    for (std::uint32_t th = 0; th < nt; ++th) {
      std::uint64_t tid = t_.threads[th].os_tid;
      // A tid Perfetto cannot tell apart (unknown, reused in the trace, out of int32 range)
      // becomes a synthetic one; the thread's name stays. A weft::aio task lane has its loop
      // thread's tid: it gets a synthetic one, a track of its own.
      if (tid == 0 || tid > 0x3fffffff || t_.threads[th].is_task() ||
          tid_uses[{pid_of_thread(th), tid}] > 1)
        tid = 0x40000000u + th;
      threads_[th].track = add_thread_track(th, static_cast<std::uint32_t>(tid));
    }
    for (std::uint32_t th = 0; th < nt; ++th) new_lane(th, true);
    for (std::uint32_t th = 0; th < nt; ++th) process_track(pid_of_thread(th));
    for (const auto& pr : t_.processes) process_track(pr.pid ? pr.pid : 1);
    for (std::size_t i = 0; i < tracks_.size(); ++i)
      if (tracks_[i].kind == Track::Process) describe(i);
    for (std::uint32_t th = 0; th < nt; ++th) describe(threads_[th].track);
  }
  std::size_t add_thread_track(std::uint32_t th, std::uint32_t tid) {
    Track tr;
    tr.kind = Track::Thread;
    tr.pid = pid_of_thread(th);
    tr.tid = tid;
    tr.name = pb::valid_utf8(labels_.thread(th));
    if (th < t_.threads.size() && t_.threads[th].is_task()) {
      const auto parent = t_.threads[th].parent;
      tr.name += parent < t_.threads.size() ? " (task on " + pb::valid_utf8(labels_.thread(parent)) + ")"
                                            : std::string(" (task)");
    }
    return add_track(std::move(tr));
  }
  // A thread only the events name (beyond the trace's table): tracks made as it appears.
  ThreadState& thread(std::uint32_t th) {
    while (th >= threads_.size()) {
      const auto n = static_cast<std::uint32_t>(threads_.size());
      threads_.emplace_back();
      threads_[n].track = add_thread_track(n, 0x40000000u + n);
      new_lane(n, true);
    }
    ThreadState& ts = threads_[th];
    if (ts.state_lanes.empty()) ts.state_lanes.push_back({ts.track, false});
    return ts;
  }

  // A child track of thread `th`: the next lane of its holds, or of its blocked/waiting slices.
  std::uint32_t new_lane(std::uint32_t th, bool hold) {
    ThreadState& ts = threads_[th];
    auto& lanes = hold ? ts.hold_lanes : ts.state_lanes;
    Track tr;
    tr.kind = Track::Child;
    tr.parent = ts.track;
    const std::size_t n = lanes.size() + (hold ? 1 : 0);  // state lane 0 is the thread track
    tr.name = hold ? "locks held" : "blocked/waiting";
    if (n > 1) {
      tr.name += " (";
      tr.name += std::to_string(n);
      tr.name += ')';
    }
    std::size_t idx = add_track(std::move(tr));
    lanes.push_back({idx, false});
    return static_cast<std::uint32_t>(lanes.size() - 1);
  }
  // The first free lane (a new one if none), marked busy.
  std::uint32_t take_lane(std::uint32_t th, bool hold) {
    ThreadState& ts = thread(th);
    auto& lanes = hold ? ts.hold_lanes : ts.state_lanes;
    for (std::uint32_t i = 0; i < lanes.size(); ++i)
      if (!lanes[i].busy) {
        lanes[i].busy = true;
        return i;
      }
    std::uint32_t i = new_lane(th, hold);
    (hold ? ts.hold_lanes : ts.state_lanes)[i].busy = true;
    return i;
  }

  std::uint32_t lock_counter(rt::ObjId obj, ObjState& os) {
    if (os.counter) return os.counter;
    const trace::Object* o = t_.object(obj);
    Track tr;
    tr.kind = Track::Counter;
    tr.name = "threads blocked on ";
    tr.name += object_label(obj);
    tr.parent = process_track(o && o->pid ? o->pid : first_pid());
    counters_.push_back(add_track(std::move(tr)));
    blocked_count_.push_back(0);
    os.counter = static_cast<std::uint32_t>(counters_.size());
    return os.counter;
  }

  ObjState& obj_state(rt::ObjId obj) {
    ObjState& os = objs_[obj];
    if (!os.init) {
      os.init = true;
      if (const trace::Object* o = t_.object(obj)) os.kind = o->kind;
    }
    return os;
  }

  // ---- the events ------------------------------------------------------------------------
  void event(const trace::Event& e) {
    findings_before(e.ts_ns);
    ev_ = &e;
    os_ = &obj_state(e.obj);
    release_flows_written_ = false;
    unblock_flow_ = 0;
    thread(e.thread);
    dv_.add(e);
    const std::uint32_t th = e.thread;
    switch (e.kind) {
      case rt::Ev::Release:
        if (!release_flows_written_ && begin_flows(kFlowUnblock, os_->blocked, th, e.ts_ns))
          instant(e.ts_ns, th, object_name(8, e.obj, "release "), &flows_, 0);
        os_->released = true;
        os_->release_thread = th;
        os_->release_ts = e.ts_ns;
        break;
      case rt::Ev::Notify:
      case rt::Ev::Set:
        if (begin_flows(kFlowSignal, os_->waiting, th, e.ts_ns))
          instant(e.ts_ns, th, signal_name(e.obj, e.kind == rt::Ev::Set), &flows_, 0);
        os_->signalled = true;
        os_->signal_thread = th;
        os_->signal_ts = e.ts_ns;
        break;
      case rt::Ev::Create:
        // A thread object: its start (on another thread) will end this flow.
        if (os_->kind == rt::ObjKind::Thread && !is_own_thread(e.obj, th)) {
          const std::uint64_t id = pend(*os_, kFlowStart, th, kAnyThread, e.ts_ns);
          one_ = {id};
          instant(e.ts_ns, th, object_name(11, e.obj, "start "), &one_, 0);
        }
        break;
      case rt::Ev::ThreadEnd: {
        if (e.obj) {  // a join will end this flow
          const std::uint64_t id = pend(*os_, kFlowJoin, th, kAnyThread, e.ts_ns);
          one_ = {id};
          instant(e.ts_ns, th, object_name(12, e.obj, "end "), &one_, 0);
        }
        // What the thread still has open ends with it (as derive() ends it at the thread's end).
        ThreadState& ts = thread(th);
        close_thread(th, e.ts_ns, false);
        ts.ended = true;
        ts.end_ts = e.ts_ns;
        break;
      }
      default:
        break;
    }
    if (unblock_flow_) {  // an acquisition that opened no hold (a recursive one)
      instant(e.ts_ns, th, object_name(16, e.obj, "acquired "), nullptr, unblock_flow_);
      unblock_flow_ = 0;
    }
  }

  // Whether `obj` is the object of thread `th` itself (its start cannot come after).
  bool is_own_thread(rt::ObjId obj, std::uint32_t th) const {
    return th < t_.threads.size() && t_.threads[th].object == obj;
  }

  std::uint32_t signal_name(rt::ObjId obj, bool set) {
    return set ? object_name(10, obj, "set ") : object_name(9, obj, "notify ");
  }

  // A new flow id from (thread `from`, time t0) to `to`, replacing `to`'s older one of the kind.
  std::uint64_t pend(ObjState& os, FlowKind kind, std::uint32_t from, std::uint32_t to,
                     std::uint64_t t0) {
    const std::uint64_t id = ++last_flow_;
    for (auto& p : os.pending)
      if (p.kind == kind && p.to == to) {
        p = {id, t0, from, to, kind};
        return id;
      }
    os.pending.push_back({id, t0, from, to, kind});
    return id;
  }
  // One flow id per thread of `targets` other than `from` into flows_; false if none.
  bool begin_flows(FlowKind kind, const std::vector<std::uint32_t>& targets, std::uint32_t from,
                   std::uint64_t t0) {
    flows_.clear();
    for (std::uint32_t to : targets)
      if (to != from) flows_.push_back(pend(*os_, kind, from, to, t0));
    return !flows_.empty();
  }

  // The Deriver's calls, during dv_.add(*ev_): all about ev_->obj (os_).
  void begun(const Interval& iv) {
    ThreadState& ts = thread(iv.thread);
    ObjState& os = *os_;
    Packet p;
    p.ts = iv.t0;
    p.type = F::kSliceBegin;
    p.site = site_iid(iv.site);
    switch (iv.state) {
      case State::Blocked: {
        end_state(iv.thread, rt::Ev::AcquireBegin, iv.t0);  // begun again: the old one dropped
        OpenState o{rt::Ev::AcquireBegin, iv.obj, iv.t0, take_lane(iv.thread, false),
                    lock_counter(iv.obj, os)};
        if (!os.blocked_name) os.blocked_name = object_name(2, iv.obj, "blocked on ");
        p.track = ts.state_lanes[o.lane].track;
        p.cat = kCatBlocked;
        p.name = os.blocked_name;
        p.counter = o.counter;
        p.count = ++blocked_count_[o.counter - 1];
        ts.states.push_back(o);
        os.blocked.push_back(iv.thread);
        write_event(p);
        // A release at this very time, just before: its flow is begun now, on an instant.
        if (os.released && os.release_ts == iv.t0 && os.release_thread != iv.thread) {
          one_ = {pend(os, kFlowUnblock, os.release_thread, iv.thread, iv.t0)};
          instant(iv.t0, os.release_thread, object_name(8, iv.obj, "release "), &one_, 0);
        }
        break;
      }
      case State::Waiting: {
        const rt::Ev origin = ev_->kind == rt::Ev::JoinBegin ? rt::Ev::JoinBegin : rt::Ev::WaitBegin;
        end_state(iv.thread, origin, iv.t0);
        OpenState o{origin, iv.obj, iv.t0, take_lane(iv.thread, false), 0};
        if (!os.wait_name)
          os.wait_name = iv.obj == 0 ? intern_name(kTimerSuspension) : object_name(3, iv.obj, "wait ");
        p.track = ts.state_lanes[o.lane].track;
        p.cat = kCatWait;
        p.name = os.wait_name;
        ts.states.push_back(o);
        write_event(p);
        if (origin == rt::Ev::WaitBegin) {
          os.waiting.push_back(iv.thread);
          if (os.signalled && os.signal_ts == iv.t0 && os.signal_thread != iv.thread) {
            one_ = {pend(os, kFlowSignal, os.signal_thread, iv.thread, iv.t0)};
            instant(iv.t0, os.signal_thread,
                    signal_name(iv.obj, os.kind == rt::ObjKind::Event), &one_, 0);
          }
        }
        break;
      }
      case State::Holding: {
        OpenHold h{iv.obj, iv.t0, take_lane(iv.thread, true)};
        if (!os.hold_name) os.hold_name = object_name(1, iv.obj, "hold ");
        p.track = ts.hold_lanes[h.lane].track;
        p.cat = kCatLock;
        p.name = os.hold_name;
        p.flow_in = unblock_flow_;
        unblock_flow_ = 0;
        ts.holds.push_back(h);
        write_event(p);
        break;
      }
      case State::Running:
        break;
    }
  }

  void ended(const Interval& iv) {
    if (iv.open) return;  // (finish() is never called: close_all() ends those)
    ThreadState& ts = thread(iv.thread);
    if (iv.state == State::Holding) {
      for (std::size_t i = ts.holds.size(); i-- > 0;) {
        const OpenHold& h = ts.holds[i];
        if (h.obj != iv.obj || h.t0 != iv.t0) continue;
        // The release: one flow per thread blocked on the lock, on this END.
        const bool flows = ev_->kind == rt::Ev::Release &&
                           begin_flows(kFlowUnblock, os_->blocked, iv.thread, iv.t1);
        release_flows_written_ = true;
        end_hold(iv.thread, i, iv.t1, flows ? &flows_ : nullptr, nullptr);
        return;
      }
      // Ended already with its thread: no longer held at the end of the trace.
      for (std::size_t i = 0; i < ended_holds_.size(); ++i)
        if (ended_holds_[i].thread == iv.thread && ended_holds_[i].obj == iv.obj &&
            ended_holds_[i].t0 == iv.t0) {
          ended_holds_.erase(ended_holds_.begin() + static_cast<std::ptrdiff_t>(i));
          break;
        }
      return;
    }
    for (std::size_t i = 0; i < ts.states.size(); ++i) {
      const OpenState& o = ts.states[i];
      const bool kind = iv.state == State::Blocked ? o.origin == rt::Ev::AcquireBegin
                                                   : o.origin != rt::Ev::AcquireBegin;
      if (kind && o.obj == iv.obj && o.t0 == iv.t0) {
        end_state_at(iv.thread, i, iv.t1, nullptr);
        return;
      }
    }
  }

  void arrow(const Arrow& a) {
    static const char* kSource[] = {"release ", "notify ", "set ", "start ", "end "};
    static const char* kTarget[] = {"acquired ", "woken ", "woken ", "started ", "joined "};
    const FlowKind kind = flow_kind(a.kind);
    std::uint64_t id = 0;
    auto& pending = os_->pending;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      const PendingFlow& p = pending[i];
      if (p.kind == kind && (p.to == a.to_thread || p.to == kAnyThread) && p.from == a.from_thread &&
          p.t0 == a.t0) {
        id = p.id;
        pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
    if (id == 0) {
      // Its source passed without a flow id: an instant there if the time is still to come.
      if (a.t0 < last_ts_) {
        ++lost_flows_;
        return;
      }
      id = ++last_flow_;
      one_ = {id};
      instant(a.t0, a.from_thread, object_name(8 + a.kind, a.obj, kSource[a.kind]), &one_, 0);
    }
    if (a.kind == Arrow::Unblock)
      unblock_flow_ = id;  // on the hold this acquisition begins next
    else
      instant(a.t1, a.to_thread, object_name(16 + a.kind, a.obj, kTarget[a.kind]), nullptr, id);
  }

  void instant(std::uint64_t ts, std::uint32_t th, std::uint32_t name,
               const std::vector<std::uint64_t>* out, std::uint64_t in) {
    Packet p;
    p.ts = ts;
    p.track = thread(th).track;
    p.type = F::kInstant;
    p.cat = kCatFlow;
    p.name = name;
    p.flows_out = out;
    p.flow_in = in;
    write_event(p);
  }

  // Ends thread th's open blocked/waiting slice states[i] at t1.
  void end_state_at(std::uint32_t th, std::size_t i, std::uint64_t t1,
                    const std::vector<Note>* notes) {
    ThreadState& ts = threads_[th];
    const OpenState o = ts.states[i];
    ts.states.erase(ts.states.begin() + static_cast<std::ptrdiff_t>(i));
    Packet p;
    p.ts = t1;
    p.track = ts.state_lanes[o.lane].track;
    p.type = F::kSliceEnd;
    p.notes = notes;
    if (o.counter) {
      std::int64_t& n = blocked_count_[o.counter - 1];
      n = n > 0 ? n - 1 : 0;
      p.counter = o.counter;
      p.count = n;
    }
    ts.state_lanes[o.lane].busy = false;
    auto it = objs_.find(o.obj);
    if (it != objs_.end()) erase_one(o.origin == rt::Ev::AcquireBegin ? it->second.blocked
                                                                        : it->second.waiting,
                                     th);
    write_event(p);
  }
  // Ends th's open slice begun by `origin`, if any (a Deriver that begins another drops it).
  void end_state(std::uint32_t th, rt::Ev origin, std::uint64_t t1) {
    ThreadState& ts = threads_[th];
    for (std::size_t i = 0; i < ts.states.size(); ++i)
      if (ts.states[i].origin == origin) {
        end_state_at(th, i, t1, nullptr);
        return;
      }
  }
  void end_hold(std::uint32_t th, std::size_t i, std::uint64_t t1,
                const std::vector<std::uint64_t>* flows, const std::vector<Note>* notes) {
    ThreadState& ts = threads_[th];
    const OpenHold h = ts.holds[i];
    ts.holds.erase(ts.holds.begin() + static_cast<std::ptrdiff_t>(i));
    ts.hold_lanes[h.lane].busy = false;
    Packet p;
    p.ts = t1;
    p.track = ts.hold_lanes[h.lane].track;
    p.type = F::kSliceEnd;
    p.flows_out = flows;
    p.notes = notes;
    write_event(p);
  }

  // What thread th still has open ends at t: at its end, or at the end of the trace.
  void close_thread(std::uint32_t th, std::uint64_t t, bool at_trace_end) {
    ThreadState& ts = threads_[th];
    std::vector<Note> unfinished{{annotation_name("unfinished"), true, true, false, 0, ""}};
    while (!ts.states.empty()) {
      const OpenState& o = ts.states.front();
      std::vector<Note> notes = unfinished;
      if (at_trace_end && o.origin == rt::Ev::AcquireBegin) {
        auto h = held_at_end_.find(o.obj);
        if (h != held_at_end_.end())
          notes.push_back({annotation_name("held_by"), false, false, false, 0, h->second});
      }
      end_state_at(th, 0, std::max(t, o.t0), &notes);
    }
    while (!ts.holds.empty()) {
      if (!at_trace_end) ended_holds_.push_back({th, ts.holds.front().obj, ts.holds.front().t0});
      end_hold(th, 0, std::max(t, ts.holds.front().t0), nullptr, &unfinished);
    }
  }

  void close_all(std::uint64_t end) {
    // Who holds each lock at the end (holds still open, and those that ended with their
    // thread): a thread still blocked on it then says by whom.
    struct Holder {
      std::uint64_t t0;
      std::uint32_t thread;
      rt::ObjId obj;
    };
    std::vector<Holder> holders;
    for (const auto& h : ended_holds_) holders.push_back({h.t0, h.thread, h.obj});
    for (std::uint32_t th = 0; th < threads_.size(); ++th)
      for (const auto& h : threads_[th].holds) holders.push_back({h.t0, th, h.obj});
    std::stable_sort(holders.begin(), holders.end(), [](const Holder& a, const Holder& b) {
      return a.t0 != b.t0 ? a.t0 < b.t0 : a.thread < b.thread;
    });
    for (const auto& h : holders) {
      std::string& who = held_at_end_[h.obj];
      if (!who.empty()) who += ", ";
      who += pb::valid_utf8(labels_.thread(h.thread));
    }
    for (std::uint32_t th = 0; th < threads_.size(); ++th)
      close_thread(th, threads_[th].ended ? threads_[th].end_ts : end, true);
  }

  // ---- findings --------------------------------------------------------------------------
  // The findings before `t`, and a flight-recorder trace's window start among them, in time
  // order.
  void findings_before(std::uint64_t t) {
    for (;;) {
      bool finding = next_finding_ < findings_order_.size() &&
                     t_.findings[findings_order_[next_finding_]].time_ns < t;
      bool window = window_pending_ && t_.window_start_ns < t;
      if (!finding && !window) return;
      if (window && (!finding || t_.window_start_ns <= t_.findings[findings_order_[next_finding_]].time_ns))
        write_window();
      else
        write_finding(findings_order_[next_finding_++]);
    }
  }
  std::size_t findings_track() {
    if (findings_track_ == SIZE_MAX) {
      Track tr;
      tr.kind = Track::Global;
      tr.name = "findings";
      findings_track_ = add_track(std::move(tr));
    }
    return findings_track_;
  }
  // A flight-recorder trace (weft run --keep-last): before this instant some threads' events were
  // overwritten; from it on every thread's are complete. On the findings track, as the Chrome
  // JSON's global instant.
  void write_window() {
    window_pending_ = false;
    std::vector<Note> notes;
    notes.push_back({annotation_name("overwritten"), false, false, true, t_.overwritten, ""});
    Packet p;
    p.ts = t_.window_start_ns;
    p.track = findings_track();
    p.type = F::kInstant;
    p.cat = kCatFlightRecorder;
    p.name = intern_name("window start: older events overwritten");
    p.notes = &notes;
    write_event(p);
  }
  void write_finding(std::size_t i) {
    const trace::Finding& f = t_.findings[i];
    std::vector<Note> notes;
    notes.push_back({annotation_name("message"), false, false, false, 0, pb::valid_utf8(f.message)});
    std::string list;
    for (auto x : f.threads) {
      if (!list.empty()) list += ", ";
      list += labels_.thread(x);
    }
    notes.push_back({annotation_name("threads"), false, false, false, 0, pb::valid_utf8(list)});
    list.clear();
    for (auto o : f.objects) {
      if (!list.empty()) list += ", ";
      list += object_label(o);
    }
    notes.push_back({annotation_name("objects"), false, false, false, 0, pb::valid_utf8(list)});
    list.clear();
    for (auto s : f.sites) {
      std::string st = site_text(s);
      if (st.empty()) continue;
      if (!list.empty()) list += "; ";
      list += st;
    }
    if (!list.empty())
      notes.push_back({annotation_name("sites"), false, false, false, 0, pb::valid_utf8(list)});
    notes.push_back({annotation_name("count"), false, false, true, f.count, ""});
    Packet p;
    p.ts = f.time_ns;
    p.track = findings_track();
    p.type = F::kInstant;
    p.cat = kCatFinding;
    p.name = intern_name(pb::valid_utf8(f.kind));
    p.notes = &notes;
    write_event(p);
  }

  // ---- output ----------------------------------------------------------------------------
  void begin_packet() { packet_ = w_.open(F::kPacket); }
  void end_packet() {
    w_.close(packet_);
    if (w_.size() >= kBundleBytes) flush();
  }

  void write_header() {
    begin_packet();
    w_.varint(F::kSequenceId, kSequence);
    w_.varint(F::kSequenceFlags, F::kSeqIncrementalStateCleared);
    auto defaults = w_.open(F::kPacketDefaults);
    w_.varint(F::kDefaultsClockId, F::kClockWeft);
    w_.close(defaults);
    auto snap = w_.open(F::kClockSnapshot);
    auto c1 = w_.open(F::kClocks);
    w_.varint(F::kClockId, F::kClockBoottime);
    w_.varint(F::kClockTimestamp, 0);
    w_.close(c1);
    auto c2 = w_.open(F::kClocks);
    w_.varint(F::kClockId, F::kClockWeft);
    w_.varint(F::kClockTimestamp, 0);
    w_.boolean(F::kClockIncremental, true);
    w_.close(c2);
    w_.close(snap);
    end_packet();
  }

  // Writes track i's descriptor, its parent's first, unless written already.
  void describe(std::size_t i) {
    if (tracks_[i].described) return;
    if (tracks_[i].parent != SIZE_MAX) describe(tracks_[i].parent);
    Track& tr = tracks_[i];
    tr.described = true;
    begin_packet();
    w_.varint(F::kSequenceId, kSequence);
    auto td = w_.open(F::kTrackDescriptor);
    w_.varint(F::kTdUuid, tr.uuid);
    if (tr.parent != SIZE_MAX) w_.varint(F::kTdParentUuid, tracks_[tr.parent].uuid);
    switch (tr.kind) {
      case Track::Process: {
        auto p = w_.open(F::kTdProcess);
        w_.varint(F::kPdPid, tr.pid);
        w_.string(F::kPdName, tr.name);
        w_.close(p);
        break;
      }
      case Track::Thread: {
        auto th = w_.open(F::kTdThread);
        w_.varint(F::kThPid, tr.pid);
        w_.varint(F::kThTid, tr.tid);
        w_.string(F::kThName, tr.name);
        w_.close(th);
        break;
      }
      case Track::Counter: {
        w_.string(F::kTdName, tr.name);
        auto c = w_.open(F::kTdCounter);
        w_.varint(F::kCdUnit, F::kUnitCount);
        w_.close(c);
        break;
      }
      case Track::Child:
      case Track::Global:
        w_.string(F::kTdName, tr.name);
        break;
    }
    w_.close(td);
    end_packet();
  }

  // Interned entries the event refers to that this sequence has not seen yet.
  void write_interned(const Packet& it) {
    const bool cat = it.cat != kCatNone && !cat_sent_[it.cat];
    const bool name = it.name != 0 && !sent(name_sent_, it.name);
    const bool site = it.site != 0 && !sent(site_sent_, it.site);
    bool ann = false;
    if (it.notes)
      for (const Note& n : *it.notes) ann = ann || !sent(ann_sent_, n.name);
    if (!cat && !name && !site && !ann) return;
    auto id = w_.open(F::kInternedData);
    if (cat) {
      cat_sent_[it.cat] = true;
      auto m = w_.open(F::kIdCategories);
      w_.varint(F::kIid, it.cat);
      w_.string(F::kIName, kCategoryNames[it.cat]);
      w_.close(m);
    }
    if (name) {
      name_sent_[it.name] = true;
      auto m = w_.open(F::kIdEventNames);
      w_.varint(F::kIid, it.name);
      w_.string(F::kIName, names_[it.name - 1]);
      w_.close(m);
    }
    if (ann) {
      for (const Note& n : *it.notes) {
        if (sent(ann_sent_, n.name)) continue;
        ann_sent_[n.name] = true;
        auto m = w_.open(F::kIdAnnotationNames);
        w_.varint(F::kIid, n.name);
        w_.string(F::kIName, annotation_names_[n.name - 1]);
        w_.close(m);
      }
    }
    if (site) {
      site_sent_[it.site] = true;
      const auto& s = t_.sites[it.site - 1];
      auto m = w_.open(F::kIdSourceLocations);
      w_.varint(F::kIid, it.site);
      w_.string(F::kSlFile, pb::valid_utf8(s.file));
      if (!s.function.empty()) w_.string(F::kSlFunction, pb::valid_utf8(s.function));
      w_.varint(F::kSlLine, s.line);
      w_.close(m);
    }
    w_.close(id);
  }
  static bool sent(std::vector<bool>& v, std::uint32_t i) {
    if (v.size() <= i) v.resize(i + 1 + v.size() / 2, false);
    return v[i];
  }

  void write_event(const Packet& it) {
    describe(it.track);
    if (it.counter) describe(counters_[it.counter - 1]);
    const std::uint64_t ts = std::max(it.ts, last_ts_);  // never back in time
    begin_packet();
    w_.varint(F::kTimestamp, ts - last_ts_);
    last_ts_ = ts;
    w_.varint(F::kSequenceId, kSequence);
    w_.varint(F::kSequenceFlags, F::kSeqNeedsIncrementalState);
    write_interned(it);
    auto te = w_.open(F::kTrackEvent);
    w_.varint(F::kTeType, it.type);
    w_.varint(F::kTeTrackUuid, tracks_[it.track].uuid);
    if (it.cat != kCatNone) w_.varint(F::kTeCategoryIids, it.cat);
    if (it.name) w_.varint(F::kTeNameIid, it.name);
    if (it.site) w_.varint(F::kTeSourceLocationIid, it.site);
    if (it.flows_out)
      for (std::uint64_t f : *it.flows_out) w_.fixed64(F::kTeFlowIds, f);
    if (it.flow_in) w_.fixed64(F::kTeTerminatingFlowIds, it.flow_in);
    if (it.counter) {
      w_.varint(F::kTeExtraCounterUuids, tracks_[counters_[it.counter - 1]].uuid);
      w_.int64(F::kTeExtraCounterValues, it.count);
    }
    if (it.notes) {
      for (const Note& n : *it.notes) {
        auto da = w_.open(F::kTeDebugAnnotations);
        w_.varint(F::kDaNameIid, n.name);
        if (n.is_bool)
          w_.boolean(F::kDaBool, n.boolean);
        else if (n.is_uint)
          w_.varint(F::kDaUint, n.uint);
        else
          w_.string(F::kDaString, n.text);
        w_.close(da);
      }
    }
    w_.close(te);
    end_packet();
  }

  void flush() {
    if (w_.size() == 0) return;
    if (!opts_.compress) {
      out_.write(w_.view().data(), static_cast<std::streamsize>(w_.size()));
      w_.clear();
      return;
    }
    uLongf cap = compressBound(static_cast<uLong>(w_.size()));
    zbuf_.resize(cap);
    int rc = compress2(reinterpret_cast<Bytef*>(zbuf_.data()), &cap,
                       reinterpret_cast<const Bytef*>(w_.view().data()),
                       static_cast<uLong>(w_.size()), opts_.level);
    if (rc != Z_OK) throw std::runtime_error("zlib compress2 failed");
    std::string head;
    pb::put_varint(head, pb::tag(F::kPacket, pb::WireType::Len));
    std::string inner;
    pb::put_varint(inner, pb::tag(F::kCompressedPackets, pb::WireType::Len));
    pb::put_varint(inner, cap);
    pb::put_varint(head, inner.size() + cap);
    out_.write(head.data(), static_cast<std::streamsize>(head.size()));
    out_.write(inner.data(), static_cast<std::streamsize>(inner.size()));
    out_.write(zbuf_.data(), static_cast<std::streamsize>(cap));
    w_.clear();
  }

  static constexpr std::uint32_t kSequence = 1;
  static constexpr std::size_t kBundleBytes = 256 * 1024;

  struct EndedHold {
    std::uint32_t thread = 0;
    rt::ObjId obj = 0;
    std::uint64_t t0 = 0;
  };

  const trace::Trace& t_;
  const EventPass& events_;
  std::ostream& out_;
  PerfettoOptions opts_;
  Labels labels_;
  Deriver dv_;
  // The event being passed to the Deriver, and its object's state.
  const trace::Event* ev_ = nullptr;
  ObjState* os_ = nullptr;
  bool release_flows_written_ = false;
  std::uint64_t unblock_flow_ = 0;  // the acquisition's flow, for the hold it begins
  std::vector<Track> tracks_;
  std::unordered_map<std::uint32_t, std::size_t> process_tracks_;
  std::vector<ThreadState> threads_;
  std::unordered_map<rt::ObjId, ObjState> objs_;
  std::vector<EndedHold> ended_holds_;  // holds that ended with their thread, still held
  std::map<rt::ObjId, std::string> held_at_end_;
  std::vector<std::size_t> counters_;  // lock counter -> its track
  std::vector<std::int64_t> blocked_count_;
  std::size_t findings_track_ = SIZE_MAX;
  bool window_pending_ = t_.overwritten != 0;
  std::vector<std::size_t> findings_order_;
  std::size_t next_finding_ = 0;
  std::uint64_t last_flow_ = 0, lost_flows_ = 0;
  std::vector<std::uint64_t> flows_, one_;
  std::unordered_map<std::string, std::uint32_t> name_iids_;
  std::vector<std::string> names_;
  std::unordered_map<std::uint64_t, std::uint32_t> object_names_;
  std::unordered_map<rt::ObjId, std::string> object_labels_;
  std::unordered_map<std::string, std::uint32_t> annotation_iids_;
  std::vector<std::string> annotation_names_;
  bool cat_sent_[8] = {};
  std::vector<bool> name_sent_, site_sent_, ann_sent_;
  std::uint64_t last_ts_ = 0;
  pb::Writer w_;
  pb::Writer::Mark packet_;
  std::string zbuf_;
};

}  // namespace

void write_perfetto(const trace::Trace& t, std::ostream& out, const PerfettoOptions& opts) {
  write_perfetto(t, events_of(t), out, opts);
}

void write_perfetto(const trace::Trace& t, const EventPass& events, std::ostream& out,
                    const PerfettoOptions& opts) {
  PerfettoWriter(t, events, out, opts).run();
}

}  // namespace weft::viewer
