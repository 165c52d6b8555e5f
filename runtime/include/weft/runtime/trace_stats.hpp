// weft/runtime/trace_stats.hpp: per-object statistics of a trace, in the spirit of Linux
// lock_stat (acquisitions, contentions, wait and hold times). Used by `weft report`.
//
//   for (const auto& s : weft::trace::compute_stats(trace))
//     std::printf("%llu contentions on %llu\n", s.contentions, s.object);
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "weft/runtime/trace_model.hpp"

namespace weft::trace {

struct ObjectStats {
  rt::ObjId object = 0;
  std::uint64_t acquisitions = 0;   // Acquired events (each recursive level counts)
  std::uint64_t contentions = 0;    // AcquireBegin: the acquirer had to block
  std::uint64_t failed = 0;         // AcquireFailed: try-lock failed or timed out
  std::uint64_t wait_total_ns = 0;  // blocked in acquire (AcquireBegin..Acquired/Failed) and in
  std::uint64_t wait_max_ns = 0;    //   waits (WaitBegin..WaitEnd)
  std::uint64_t hold_total_ns = 0;  // held: first Acquired..last Release (locks, not semaphores)
  std::uint64_t hold_max_ns = 0;
  std::uint64_t waits = 0;          // WaitBegin (condition, event, barrier, queue waits)
  std::uint64_t timeouts = 0;       // timed-out acquires and waits
  std::uint64_t notifies = 0;       // Notify and Set
};

// Statistics for every object with at least one acquisition, wait or notify, sorted by
// contention: contentions, then total wait time, descending. A hold or wait still open at the
// end of the trace counts up to the last event. Never throws except std::bad_alloc.
std::vector<ObjectStats> compute_stats(const Trace& trace);

// The same over events given one at a time, in Trace::events' order (EventReader::for_each):
//
//   weft::trace::StatsBuilder stats(reader.trace());
//   reader.for_each([&](const weft::trace::Event& e) { stats.add(e); });
//   auto sorted = stats.finish();
//
// Holds a few numbers per object and per open hold or wait, none per event.
class StatsBuilder {
 public:
  explicit StatsBuilder(const Trace& trace);  // its objects' kinds; its events are not read
  void add(const Event& e);
  // compute_stats' result for the events added; open holds and waits count up to the last one.
  std::vector<ObjectStats> finish();

 private:
  struct Key {  // a thread and an object
    std::uint32_t thread;
    rt::ObjId obj;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
      return static_cast<std::size_t>(k.obj * 0x9e3779b97f4a7c15ull) ^ k.thread;
    }
  };
  struct Slot {
    ObjectStats stats;
    rt::ObjKind kind = rt::ObjKind::Unknown;
    bool used = false;  // has an acquisition, wait or notify (compute_stats' objects)
  };
  std::unordered_map<rt::ObjId, rt::ObjKind> kinds_;
  std::unordered_map<rt::ObjId, Slot> slots_;
  std::unordered_map<Key, std::uint64_t, KeyHash> acquiring_, waiting_, holding_;
  std::uint64_t last_ns_ = 0;
  Slot& slot(rt::ObjId id);
};

}  // namespace weft::trace
