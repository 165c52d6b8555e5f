// recorder_hot.hpp: the recorder's per-thread writer state and the inline writer of its common
// record, shared by Recorder::write_event and the detectors' fast path (detectors/wrap.cpp).
//
// An uncontended lock operation recorded with the detectors used to cross three functions after
// the interposer: Detector::on_event, Recorder::on_event and Recorder::write_event, each with its
// own entry checks and per-thread lookup. With this header the detectors' fast path checks the
// event and writes its record in one function: try_write() handles the common case (a dated
// record of a thread attached to the recorder, its call site in the thread's cache, room in its
// block) and says false for anything else, which the caller hands to Recorder::on_event (the
// general path, which also starts with try_write).
#pragma once

#include <atomic>
#include <cstdint>
#include <source_location>

#include "clock.hpp"
#include "location_record.hpp"
#include "site_memo.hpp"
#include "weft/runtime/event.hpp"
#include "weft/runtime/recorder.hpp"
#include "weft/runtime/trace_format.hpp"

namespace weft::rt {

// A per-thread cache entry: a call site and its id in the trace. With libstdc++ the cache is keyed
// by the record a std::source_location points at (location_record.hpp): one compare per event
// instead of four, and no hash of the contents. Two records with equal contents get two entries
// and the same id (Recorder::Impl::intern_slow looks them up).
constexpr std::size_t kSiteCache = 64;
struct SiteCacheEntry {
  const void* key;  // location_record(), when kLocationIsPointer
  const char* file;
  const char* function;
  std::uint32_t line;
  std::uint32_t column;
  std::uint32_t id;
};

// Per-thread writer state. Trivially destructible on purpose: events emitted from late
// thread_local destructors still find it intact.
struct RecorderThread {
  std::uint32_t epoch;  // the recorder generation this state belongs to
  bool busy;            // inside a recorder call (a signal handler recording re-entered)
  trace::format::BlockHeader* block;
  std::uint8_t* data;
  std::uint32_t used;
  std::uint32_t capacity;
  std::uint64_t last_tick;
  std::uint64_t os_tid;
  ObjId begun;  // the object of this thread's last event when it was an AcquireBegin, else 0
  // The weft::aio task running on this thread (between its TaskResume and its TaskSuspend or
  // TaskEnd), else 0: each new event block starts with a kTaskLane record naming it.
  ObjId task;
  bool ended;   // its ThreadEnd is written: later events (thread_local destructors') are few
  // Flight-recorder mode (RecorderOptions::ring_bytes / ring_ns): the records that must outlive
  // the ring (objects, sites, thread names, findings, overwritten counts) go to a block of their
  // own that is never reused, with its own time chain. Unused otherwise.
  struct {
    trace::format::BlockHeader* block;
    std::uint8_t* data;
    std::uint32_t used;
    std::uint32_t capacity;
    std::uint64_t last_tick;
  } keep;
  SiteCacheEntry cache[kSiteCache];

  // The cache slot of a site (kLocationIsPointer: keyed by the source_location's record).
  SiteCacheEntry& slot_of(const void* key) noexcept {
    auto k = reinterpret_cast<std::uintptr_t>(key);
    return cache[(k >> 3 ^ k >> 9) % kSiteCache];
  }
};
extern constinit thread_local RecorderThread t_recorder;

// What the common case reads of a Recorder, kept together (set when its segment is opened).
// Events the general path writes: ThreadEnd (the thread's block is given back after it) and a
// task's resume, suspension and end (they move the thread in and out of a task's lane).
inline constexpr std::uint64_t kSlowKinds =
    std::uint64_t{1} << static_cast<unsigned>(Ev::ThreadEnd) |
    std::uint64_t{1} << static_cast<unsigned>(Ev::TaskResume) |
    std::uint64_t{1} << static_cast<unsigned>(Ev::TaskSuspend) |
    std::uint64_t{1} << static_cast<unsigned>(Ev::TaskEnd);
static_assert(static_cast<unsigned>(Ev::kCount) <= 64);

struct Recorder::Hot {
  trace::format::SegmentHeader* header = nullptr;  // nullptr once unmapped
  std::uint32_t epoch = 0;  // this segment's (g_epoch), 0 once unmapped
  bool tsc = false;
  bool exact = true;  // every event reads the clock (no undated Acquired records)

  std::uint64_t tick() const noexcept { return tsc ? clock::tsc() : clock::mono_ns(); }

  // WEFT_EXACT_TIMES=0: an acquisition that did not block (its thread's last event was not an
  // AcquireBegin of it) is written without a clock reading (kAcquiredUndated; the reader dates it
  // from its neighbours), as Recorder::write_event does; false for one that blocked or whose
  // fields need more than a byte. The caller checked the thread, its site and room in its block.
  [[gnu::always_inline]] bool write_undated(RecorderThread& t, ObjId obj, std::uint64_t arg,
                                            std::uint32_t site) const noexcept {
    if (t.begun == obj || (obj | arg | site) >= 0x80) return false;
    t.busy = true;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    std::uint8_t* p = t.data + t.used;
    p[0] = trace::format::kAcquiredUndated;
    p[1] = static_cast<std::uint8_t>(obj);
    p[2] = static_cast<std::uint8_t>(arg);
    p[3] = static_cast<std::uint8_t>(site);
    t.begun = 0;
    t.used += 4;
    std::atomic_ref<std::uint32_t>(t.block->used).store(t.used, std::memory_order_release);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t.busy = false;
    return true;
  }

  // Writes the record of `kind` for the calling thread when it is the common case; false, having
  // changed nothing, when the general path is needed: the thread is inside a recorder call, not
  // yet attached to this recorder, its site is not cached, its block is missing or full, the
  // event is one of kSlowKinds, or an Acquired that WEFT_EXACT_TIMES=0 leaves undated and
  // write_undated() cannot write.
  // `memo` (may be nullptr): the caller's memo of `where`'s id, read instead of the site cache
  // when it is this epoch's, and filled from the cache when it is not.
  [[gnu::always_inline]] bool try_write(Ev kind, ObjId obj, std::uint64_t arg,
                                        const std::source_location& where,
                                        SiteMemo* memo = nullptr) const noexcept {
    if constexpr (!kLocationIsPointer) return false;
    if ((kSlowKinds >> static_cast<unsigned>(kind)) & 1) [[unlikely]]
      return false;
    RecorderThread& t = t_recorder;
    // Once unmapped, `epoch` is 0, which only a thread never attached has, and its block is
    // missing (capacity 0): the room test below sends it the general way.
    if (t.busy || t.epoch != epoch) [[unlikely]]
      return false;
    std::uint32_t site;
    if (memo != nullptr && memo->epoch == epoch) [[likely]] {
      site = memo->id;
    } else {
      const void* key = location_record(where);
      const SiteCacheEntry& e = t.slot_of(key);
      if (e.key != key || key == nullptr) [[unlikely]]
        return false;
      site = e.id;
      if (memo != nullptr) *memo = {site, epoch};
    }
    // No block (none yet, or given back) is capacity 0.
    if (t.capacity - t.used < trace::format::kMaxEventBytes) [[unlikely]]
      return false;
    if (kind == Ev::Acquired && !exact) [[unlikely]]
      return write_undated(t, obj, arg, site);
    // A signal handler that records on this thread meanwhile goes the general way and finds the
    // thread busy (its event is counted as dropped) instead of writing into the same bytes.
    t.busy = true;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    std::uint64_t now = tick();
    if (now < t.last_tick) [[unlikely]]
      now = t.last_tick;  // a clock step backwards: keep the order, clamp
    std::uint64_t dt = now - t.last_tick;
    std::uint8_t* p = t.data + t.used;
    std::uint32_t n;
    if ((dt | obj | arg | site) < 0x80) [[likely]] {  // one byte each
      p[1] = static_cast<std::uint8_t>(dt);
      p[2] = static_cast<std::uint8_t>(obj);
      p[3] = static_cast<std::uint8_t>(arg);
      p[4] = static_cast<std::uint8_t>(site);
      n = 5;
    } else if ((obj | arg | site) < 0x80 && dt < 0x4000) {  // a release: dt needs two bytes
      p[1] = static_cast<std::uint8_t>(dt | 0x80);
      p[2] = static_cast<std::uint8_t>(dt >> 7);
      p[3] = static_cast<std::uint8_t>(obj);
      p[4] = static_cast<std::uint8_t>(arg);
      p[5] = static_cast<std::uint8_t>(site);
      n = 6;
    } else {
      std::uint8_t* q = p + 1;
      q += trace::format::put_varint(q, dt);
      q += trace::format::put_varint(q, obj);
      q += trace::format::put_varint(q, arg);
      q += trace::format::put_varint(q, site);
      n = static_cast<std::uint32_t>(q - p);
    }
    p[0] = static_cast<std::uint8_t>(kind);
    t.last_tick = now;
    t.begun = kind == Ev::AcquireBegin ? obj : 0;
    t.used += n;
    std::atomic_ref<std::uint32_t>(t.block->used).store(t.used, std::memory_order_release);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t.busy = false;
    return true;
  }
};

}  // namespace weft::rt
