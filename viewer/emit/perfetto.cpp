// Perfetto's own trace format: a `Trace` message of `TracePacket`s, protobuf wire encoding
// written by hand (weft/viewer/protowire.hpp). Opens in https://ui.perfetto.dev and in
// trace_processor. The field numbers are those of Perfetto's published schema,
// https://github.com/google/perfetto/blob/main/protos/perfetto/trace/perfetto_trace.proto
// (trace_packet.proto, track_event/*.proto, interned_data/interned_data.proto,
// clock_snapshot.proto, trace_packet_defaults.proto); tests/viewer/perfetto_trace.proto declares
// the same subset for `protoc --decode`.
//
// What is written (docs/viewer.md, "Perfetto"):
//   - one packet sequence (trusted_packet_sequence_id 1) whose first packet clears the incremental
//     state, sets a sequence-scoped incremental clock (id 64) as the default timestamp clock, and
//     anchors it to BOOTTIME 0 = the trace's time 0: every later timestamp is a delta in ns;
//   - a TrackDescriptor per process, per thread (ThreadDescriptor), per extra lane of a thread
//     (child tracks: "locks held", and more lanes when holds or waits do not nest), per contended
//     lock (a counter: threads blocked on it, under its process), and one global "findings" track;
//   - TYPE_SLICE_BEGIN/END pairs: blocked and waiting intervals on the thread track, lock holds on
//     the "locks held" track below it; names, categories and source locations are interned
//     (InternedData, emitted in the packet that first uses them);
//   - flows: a release -> the acquisition it unblocked links the two hold slices (flow_ids on the
//     releasing hold's END, terminating_flow_ids on the acquiring hold's BEGIN); notify/set ->
//     wake-up, thread start and end -> join link TYPE_INSTANT events on the threads' tracks;
//   - the counters ride on the blocked slices' BEGIN/END (extra_counter_values);
//   - findings as TYPE_INSTANT events on the findings track, with message, threads, objects and
//     sites as debug annotations.
// Packets are written in time order; every slice nests on its track (the lane allocation below),
// so trace_processor imports them without "unmatched end" errors.
//
// With `compress` (the default), the packets are bundled into TracePackets whose
// `compressed_packets` field holds ~256 KiB of packets deflated with zlib (each bundle < 512 KB,
// as the schema asks).
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <queue>
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

enum Category : std::uint8_t { kCatNone, kCatLock, kCatBlocked, kCatWait, kCatFlow, kCatFinding };
constexpr const char* kCategoryNames[] = {"",          "weft.lock", "weft.blocked",
                                          "weft.wait", "weft.flow", "weft.finding"};

// One TrackEvent, kept per track until the tracks are merged into one time-ordered stream.
struct Item {
  std::uint64_t ts = 0;
  std::uint32_t name = 0;     // event-name iid; 0 on a slice end
  std::uint32_t site = 0;     // source-location iid (site index + 1), 0 = none
  std::uint32_t flow = 0;     // flow id, 0 = none
  std::uint32_t notes = 0;    // index + 1 into Writer::notes_ (debug annotations)
  std::uint32_t counter = 0;  // lock-counter index + 1 (blocked slices update it)
  std::uint8_t type = F::kSliceBegin;
  std::uint8_t flow_dir = 0;  // 1 = flow_ids (source), 2 = terminating_flow_ids (target)
  std::uint8_t cat = kCatNone;
};

struct Track {
  std::uint64_t uuid = 0;
  std::uint64_t parent = 0;
  std::string name;
  enum Kind : std::uint8_t { Process, Thread, Child, Counter, Global } kind = Child;
  std::uint32_t pid = 0, tid = 0;
  std::vector<Item> items;
  // Open slices (lane allocation): their end time and end event, innermost last.
  std::vector<std::pair<std::uint64_t, Item>> open;
};

struct Note {
  std::uint32_t name = 0;  // annotation-name iid
  bool is_bool = false;
  bool boolean = false;
  bool is_uint = false;
  std::uint64_t uint = 0;
  std::string text;
};

class PerfettoWriter {
 public:
  PerfettoWriter(const trace::Trace& t, const EventPass& events, std::ostream& out,
                 const PerfettoOptions& o)
      : t_(t), events_(events), out_(out), opts_(o), labels_(t) {}

  void run() {
    const Derived d = derive(t_, events_);
    make_process_and_thread_tracks(d);
    place_arrows(d);
    place_intervals(d);
    place_findings(d);
    write_header();
    for (const auto& tr : tracks_) write_descriptor(tr);
    merge_and_write();
    flush();
  }

 private:
  // ---- interning -------------------------------------------------------------------------
  std::uint32_t intern_name(const std::string& s) {
    auto [it, fresh] = name_iids_.try_emplace(s, static_cast<std::uint32_t>(names_.size() + 1));
    if (fresh) names_.push_back(s);
    return it->second;
  }
  // The name of an event about an object, cached per (what, object).
  std::uint32_t object_name(std::uint32_t what, rt::ObjId obj, const char* prefix) {
    const std::uint64_t key = (static_cast<std::uint64_t>(obj) << 5) | what;
    auto it = object_names_.find(key);
    if (it != object_names_.end()) return it->second;
    std::uint32_t iid = intern_name(prefix + object_label(obj));
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
    return site.file + ":" + std::to_string(site.line) +
           (site.function.empty() ? "" : " (" + site.function + ")");
  }
  std::uint32_t add_notes(std::vector<Note> n) {
    notes_.push_back(std::move(n));
    return static_cast<std::uint32_t>(notes_.size());
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

  void make_process_and_thread_tracks(const Derived& d) {
    const std::size_t nt = d.thread_begin.size();
    // Thread tracks first: the most used uuids stay 1 byte long.
    std::map<std::pair<std::uint32_t, std::uint64_t>, int> tid_uses;
    for (std::uint32_t th = 0; th < nt; ++th)
      if (th < t_.threads.size()) tid_uses[{pid_of_thread(th), t_.threads[th].os_tid}]++;
    thread_track_.resize(nt);
    hold_lanes_.resize(nt);
    state_lanes_.resize(nt);
    for (std::uint32_t th = 0; th < nt; ++th) {
      Track tr;
      tr.kind = Track::Thread;
      tr.pid = pid_of_thread(th);
      std::uint64_t tid = th < t_.threads.size() ? t_.threads[th].os_tid : 0;
      // A tid Perfetto cannot tell apart (unknown, reused in the trace, out of int32 range)
      // becomes a synthetic one; the thread's name stays.
      if (tid == 0 || tid > 0x3fffffff || tid_uses[{tr.pid, tid}] > 1) tid = 0x40000000u + th;
      tr.tid = static_cast<std::uint32_t>(tid);
      tr.name = pb::valid_utf8(labels_.thread(th));
      thread_track_[th] = add_track(std::move(tr));
      state_lanes_[th].push_back(thread_track_[th]);
    }
    for (std::uint32_t th = 0; th < nt; ++th) new_lane(th, true);
    for (std::uint32_t th = 0; th < nt; ++th) process_track(pid_of_thread(th));
    for (const auto& pr : t_.processes) process_track(pr.pid ? pr.pid : 1);
  }

  // A child track of thread `th`: the next lane of its holds, or of its blocked/waiting slices.
  std::size_t new_lane(std::uint32_t th, bool hold) {
    auto& lanes = hold ? hold_lanes_[th] : state_lanes_[th];
    Track tr;
    tr.kind = Track::Child;
    tr.parent = tracks_[thread_track_[th]].uuid;
    const std::size_t n = lanes.size() + (hold ? 1 : 0);  // state lane 0 is the thread track
    tr.name = hold ? "locks held" : "blocked/waiting";
    if (n > 1) tr.name += " (" + std::to_string(n) + ")";
    std::size_t idx = add_track(std::move(tr));
    lanes.push_back(idx);
    return idx;
  }

  // Pops the slices of track `tr` that end at or before `t`, writing their end events.
  void pop_until(Track& tr, std::uint64_t t) {
    while (!tr.open.empty() && tr.open.back().first <= t) {
      tr.items.push_back(tr.open.back().second);
      tr.open.pop_back();
    }
  }
  // Puts a slice [t0, t1] on the first lane of `lanes` where it nests, a new lane if none.
  // Slices must come in order of t0 (then longest first).
  void place_slice(std::uint32_t th, bool hold, const Item& begin, std::uint64_t t1,
                   const Item& end) {
    auto& lanes = hold ? hold_lanes_[th] : state_lanes_[th];
    std::size_t chosen = SIZE_MAX;
    for (std::size_t lane : lanes) {
      Track& tr = tracks_[lane];
      pop_until(tr, begin.ts);
      if (tr.open.empty() || tr.open.back().first >= t1) {
        chosen = lane;
        break;
      }
    }
    if (chosen == SIZE_MAX) chosen = new_lane(th, hold);
    Track& tr = tracks_[chosen];
    tr.items.push_back(begin);
    tr.open.emplace_back(t1, end);
  }

  // ---- content ---------------------------------------------------------------------------
  // Arrows: flow ids on the hold slices of a release -> acquisition, instants for the others.
  void place_arrows(const Derived& d) {
    const std::size_t nt = d.thread_begin.size();
    std::vector<std::vector<std::uint32_t>> by_t0(nt), by_t1(nt);
    for (std::uint32_t i = 0; i < d.intervals.size(); ++i) {
      const auto& iv = d.intervals[i];
      if (iv.state != State::Holding) continue;
      by_t0[iv.thread].push_back(i);  // intervals are sorted by t0
      if (!iv.open) by_t1[iv.thread].push_back(i);
    }
    for (auto& v : by_t1)
      std::stable_sort(v.begin(), v.end(), [&](std::uint32_t a, std::uint32_t b) {
        return d.intervals[a].t1 < d.intervals[b].t1;
      });
    flow_in_.assign(d.intervals.size(), 0);
    flow_out_.assign(d.intervals.size(), 0);
    instants_.resize(nt);
    auto find = [&](const std::vector<std::uint32_t>& v, std::uint64_t t, rt::ObjId obj, bool end,
                    const std::vector<std::uint32_t>& taken) -> std::int64_t {
      auto key = [&](std::uint32_t i) { return end ? d.intervals[i].t1 : d.intervals[i].t0; };
      auto it = std::lower_bound(v.begin(), v.end(), t,
                                 [&](std::uint32_t i, std::uint64_t x) { return key(i) < x; });
      for (; it != v.end() && key(*it) == t; ++it)
        if (d.intervals[*it].obj == obj && taken[*it] == 0) return *it;
      return -1;
    };
    static const char* kSource[] = {"release ", "notify ", "set ", "start ", "end "};
    static const char* kTarget[] = {"acquired ", "woken ", "woken ", "started ", "joined "};
    for (std::uint32_t k = 0; k < d.arrows.size(); ++k) {
      const Arrow& a = d.arrows[k];
      const std::uint32_t id = k + 1;
      if (a.from_thread >= nt || a.to_thread >= nt) continue;
      std::int64_t src = -1, dst = -1;
      if (a.kind == Arrow::Unblock) {
        src = find(by_t1[a.from_thread], a.t0, a.obj, true, flow_out_);
        dst = find(by_t0[a.to_thread], a.t1, a.obj, false, flow_in_);
      }
      if (src >= 0) {
        flow_out_[static_cast<std::size_t>(src)] = id;
      } else {
        Item it;
        it.ts = a.t0;
        it.type = F::kInstant;
        it.cat = kCatFlow;
        it.name = object_name(8 + a.kind, a.obj, kSource[a.kind]);
        it.flow = id;
        it.flow_dir = 1;
        instants_[a.from_thread].push_back(it);
      }
      if (dst >= 0) {
        flow_in_[static_cast<std::size_t>(dst)] = id;
      } else {
        Item it;
        it.ts = a.t1;
        it.type = F::kInstant;
        it.cat = kCatFlow;
        it.name = object_name(16 + a.kind, a.obj, kTarget[a.kind]);
        it.flow = id;
        it.flow_dir = 2;
        instants_[a.to_thread].push_back(it);
      }
    }
    for (auto& v : instants_)
      std::stable_sort(v.begin(), v.end(),
                       [](const Item& x, const Item& y) { return x.ts < y.ts; });
  }

  void place_intervals(const Derived& d) {
    const std::size_t nt = d.thread_begin.size();
    // Who holds each object at the end (open holds): a slice still blocked then says by whom.
    std::map<rt::ObjId, std::string> held_at_end;
    for (const auto& iv : d.intervals) {
      if (!iv.open || iv.state != State::Holding) continue;
      std::string& who = held_at_end[iv.obj];
      who += (who.empty() ? "" : ", ") + pb::valid_utf8(labels_.thread(iv.thread));
    }
    std::vector<std::vector<std::uint32_t>> per_thread(nt);
    std::vector<std::size_t> holds(nt, 0);
    for (std::uint32_t i = 0; i < d.intervals.size(); ++i)
      if (d.intervals[i].state != State::Running && d.intervals[i].thread < nt) {
        per_thread[d.intervals[i].thread].push_back(i);
        holds[d.intervals[i].thread] += d.intervals[i].state == State::Holding;
      }
    // Most events land on each thread's first lanes: size them once (no regrowth at 10M).
    for (std::uint32_t th = 0; th < nt; ++th) {
      tracks_[hold_lanes_[th][0]].items.reserve(2 * holds[th]);
      tracks_[state_lanes_[th][0]].items.reserve(2 * (per_thread[th].size() - holds[th]) +
                                                 instants_[th].size());
    }
    for (std::uint32_t th = 0; th < nt; ++th) {
      auto& v = per_thread[th];
      std::stable_sort(v.begin(), v.end(), [&](std::uint32_t a, std::uint32_t b) {
        const auto &x = d.intervals[a], &y = d.intervals[b];
        return x.t0 != y.t0 ? x.t0 < y.t0 : x.t1 > y.t1;  // outer slices first
      });
      std::size_t next_instant = 0;
      auto& inst = instants_[th];
      auto place_instants_until = [&](std::uint64_t t, bool inclusive) {
        Track& tr = tracks_[state_lanes_[th][0]];
        while (next_instant < inst.size() &&
               (inst[next_instant].ts < t || (inclusive && inst[next_instant].ts == t))) {
          pop_until(tr, inst[next_instant].ts);
          tr.items.push_back(inst[next_instant]);
          ++next_instant;
        }
      };
      for (std::uint32_t i : v) {
        const Interval& iv = d.intervals[i];
        place_instants_until(iv.t0, false);
        Item b, e;
        b.ts = iv.t0;
        b.type = F::kSliceBegin;
        b.site = site_iid(iv.site);
        e.ts = iv.t1;
        e.type = F::kSliceEnd;
        std::vector<Note> notes;
        if (iv.open) notes.push_back({annotation_name("unfinished"), true, true, false, 0, ""});
        switch (iv.state) {
          case State::Holding:
            b.cat = kCatLock;
            b.name = object_name(1, iv.obj, "hold ");
            b.flow = flow_in_[i];
            b.flow_dir = b.flow ? 2 : 0;
            e.flow = flow_out_[i];
            e.flow_dir = e.flow ? 1 : 0;
            break;
          case State::Blocked: {
            b.cat = kCatBlocked;
            b.name = object_name(2, iv.obj, "blocked on ");
            b.counter = e.counter = lock_counter(iv.obj);
            if (iv.open) {
              auto h = held_at_end.find(iv.obj);
              if (h != held_at_end.end())
                notes.push_back({annotation_name("held_by"), false, false, false, 0, h->second});
            }
            break;
          }
          case State::Waiting:
            b.cat = kCatWait;
            b.name = object_name(3, iv.obj, "wait ");
            break;
          case State::Running:
            break;
        }
        if (!notes.empty()) b.notes = add_notes(std::move(notes));
        place_slice(th, iv.state == State::Holding, b, iv.t1, e);
      }
      place_instants_until(UINT64_MAX, true);
      for (std::size_t lane : hold_lanes_[th]) pop_until(tracks_[lane], UINT64_MAX);
      for (std::size_t lane : state_lanes_[th]) pop_until(tracks_[lane], UINT64_MAX);
    }
    // Every contended lock's counter starts at 0 at the beginning of the trace.
    for (std::size_t c = 0; c < counters_.size(); ++c) {
      Item z;
      z.ts = d.t_min;
      z.type = F::kCounter;  // value 0
      tracks_[counters_[c]].items.insert(tracks_[counters_[c]].items.begin(), z);
    }
  }

  std::uint32_t lock_counter(rt::ObjId obj) {
    auto it = counter_of_.find(obj);
    if (it != counter_of_.end()) return it->second;
    const trace::Object* o = t_.object(obj);
    Track tr;
    tr.kind = Track::Counter;
    tr.name = "threads blocked on " + object_label(obj);
    tr.parent = tracks_[process_track(o && o->pid ? o->pid : first_pid())].uuid;
    counters_.push_back(add_track(std::move(tr)));
    std::uint32_t idx = static_cast<std::uint32_t>(counters_.size());
    counter_of_.emplace(obj, idx);
    blocked_count_.push_back(0);
    return idx;
  }
  std::uint32_t first_pid() const {
    return !t_.processes.empty() && t_.processes.front().pid ? t_.processes.front().pid : 1;
  }

  void place_findings(const Derived&) {
    if (t_.findings.empty()) return;
    Track tr;
    tr.kind = Track::Global;
    tr.name = "findings";
    std::size_t idx = add_track(std::move(tr));
    std::vector<Item> items;
    for (const auto& f : t_.findings) {
      Item it;
      it.ts = f.time_ns;
      it.type = F::kInstant;
      it.cat = kCatFinding;
      it.name = intern_name(pb::valid_utf8(f.kind));
      std::vector<Note> notes;
      notes.push_back(
          {annotation_name("message"), false, false, false, 0, pb::valid_utf8(f.message)});
      std::string list;
      for (auto x : f.threads) list += (list.empty() ? "" : ", ") + labels_.thread(x);
      notes.push_back({annotation_name("threads"), false, false, false, 0, pb::valid_utf8(list)});
      list.clear();
      for (auto o : f.objects) list += (list.empty() ? "" : ", ") + object_label(o);
      notes.push_back({annotation_name("objects"), false, false, false, 0, pb::valid_utf8(list)});
      list.clear();
      for (auto s : f.sites) {
        std::string st = site_text(s);
        if (!st.empty()) list += (list.empty() ? "" : "; ") + st;
      }
      if (!list.empty())
        notes.push_back({annotation_name("sites"), false, false, false, 0, pb::valid_utf8(list)});
      notes.push_back({annotation_name("count"), false, false, true, f.count, ""});
      it.notes = add_notes(std::move(notes));
      items.push_back(std::move(it));
    }
    std::stable_sort(items.begin(), items.end(),
                     [](const Item& a, const Item& b) { return a.ts < b.ts; });
    tracks_[idx].items = std::move(items);
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

  void write_descriptor(const Track& tr) {
    begin_packet();
    w_.varint(F::kSequenceId, kSequence);
    auto td = w_.open(F::kTrackDescriptor);
    w_.varint(F::kTdUuid, tr.uuid);
    if (tr.parent) w_.varint(F::kTdParentUuid, tr.parent);
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
  void write_interned(const Item& it) {
    const bool cat = it.cat != kCatNone && !cat_sent_[it.cat];
    const bool name = it.name != 0 && !sent(name_sent_, it.name);
    const bool site = it.site != 0 && !sent(site_sent_, it.site);
    bool ann = false;
    if (it.notes)
      for (const Note& n : notes_[it.notes - 1]) ann = ann || !sent(ann_sent_, n.name);
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
      for (const Note& n : notes_[it.notes - 1]) {
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

  void write_event(const Track& tr, const Item& it) {
    begin_packet();
    w_.varint(F::kTimestamp, it.ts - last_ts_);
    last_ts_ = it.ts;
    w_.varint(F::kSequenceId, kSequence);
    w_.varint(F::kSequenceFlags, F::kSeqNeedsIncrementalState);
    write_interned(it);
    auto te = w_.open(F::kTrackEvent);
    w_.varint(F::kTeType, it.type);
    w_.varint(F::kTeTrackUuid, tr.uuid);
    if (it.type == F::kCounter) {
      w_.int64(F::kTeCounterValue, 0);  // the initial value; the rest ride on blocked slices
    } else {
      if (it.cat != kCatNone) w_.varint(F::kTeCategoryIids, it.cat);
      if (it.name) w_.varint(F::kTeNameIid, it.name);
      if (it.site) w_.varint(F::kTeSourceLocationIid, it.site);
      if (it.flow) w_.fixed64(it.flow_dir == 2 ? F::kTeTerminatingFlowIds : F::kTeFlowIds, it.flow);
      if (it.counter) {
        std::int64_t& n = blocked_count_[it.counter - 1];
        n += it.type == F::kSliceBegin ? 1 : -1;
        if (n < 0) n = 0;
        w_.varint(F::kTeExtraCounterUuids, tracks_[counters_[it.counter - 1]].uuid);
        w_.int64(F::kTeExtraCounterValues, n);
      }
      if (it.notes) {
        for (const Note& n : notes_[it.notes - 1]) {
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
    }
    w_.close(te);
    end_packet();
  }

  // All tracks' events in one stream ordered by time; each track keeps its own order (so its
  // slices keep nesting), and at equal times a flow's source comes before its target.
  void merge_and_write() {
    using Head = std::tuple<std::uint64_t, int, std::size_t>;  // ts, rank, track
    std::priority_queue<Head, std::vector<Head>, std::greater<>> heap;
    std::vector<std::size_t> pos(tracks_.size(), 0);
    auto push = [&](std::size_t tr) {
      if (pos[tr] < tracks_[tr].items.size()) {
        const Item& it = tracks_[tr].items[pos[tr]];
        heap.emplace(it.ts, it.flow_dir == 2 ? 1 : 0, tr);
      }
    };
    for (std::size_t i = 0; i < tracks_.size(); ++i) push(i);
    while (!heap.empty()) {
      auto [ts, rank, tr] = heap.top();
      heap.pop();
      write_event(tracks_[tr], tracks_[tr].items[pos[tr]]);
      ++pos[tr];
      push(tr);
    }
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

  const trace::Trace& t_;
  const EventPass& events_;
  std::ostream& out_;
  PerfettoOptions opts_;
  Labels labels_;
  std::vector<Track> tracks_;
  std::unordered_map<std::uint32_t, std::size_t> process_tracks_;
  std::vector<std::size_t> thread_track_;
  std::vector<std::vector<std::size_t>> hold_lanes_, state_lanes_;
  std::vector<std::vector<Item>> instants_;
  std::vector<std::uint32_t> flow_in_, flow_out_;
  std::unordered_map<rt::ObjId, std::uint32_t> counter_of_;
  std::vector<std::size_t> counters_;
  std::vector<std::int64_t> blocked_count_;
  std::unordered_map<std::string, std::uint32_t> name_iids_;
  std::vector<std::string> names_;
  std::unordered_map<std::uint64_t, std::uint32_t> object_names_;
  std::unordered_map<rt::ObjId, std::string> object_labels_;
  std::unordered_map<std::string, std::uint32_t> annotation_iids_;
  std::vector<std::string> annotation_names_;
  std::vector<std::vector<Note>> notes_;
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
