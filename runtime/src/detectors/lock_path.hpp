// lock_path.hpp: what the detectors do when the calling thread takes or releases a lock (take,
// give), and the one inline path of an uncontended non-recursive lock for the front ends.
//
// Detector::on_event's fast path and mutex_event both run take / give. mutex_event, which the
// interposer's mutex and spin lock functions inline and weft::Lock reaches through
// rt::detectors::lock_acquired / lock_released (wrap.cpp), skips what its caller already knows:
// the event is an Acquired or a Release of a lock of one kind, with the installed detector right
// in front of the recorder (no virtual call, no kind dispatch, no re-check of the options), and
// writes the record through the recorder's inline writer (recorder_hot.hpp): one function from
// the exported pthread_mutex_lock to the trace, the general code out of line.
#pragma once

#include <atomic>
#include <cstdint>
#include <source_location>

#include "internal.hpp"
#include "weft/runtime/protocol.hpp"

namespace weft::rt::detectors::internal {

// Drops entries of locks that other threads released meanwhile (wrap.cpp).
void prune_stale(Detector& d, ThreadRec& t);

// `k` is an rwlock taken (arg: Acquired's) in shared mode.
inline bool shared_mode(ObjKind k, std::uint64_t arg) {
  return k == ObjKind::RWLock &&
         acquired_value(arg) == static_cast<std::uint64_t>(protocol::Mode::Shared);
}

// The calling thread now holds `obj`. `edges`: add lock-order edges (not for try-locks).
[[gnu::always_inline]] inline void take(Detector& d, ThreadRec& t, ObjId obj, Slot& s,
                                        ObjKind k, std::uint64_t arg,
                                        const std::source_location& where, bool edges) {
  std::uint64_t value = acquired_value(arg);
  if (is_reentrant_kind(k)) {
    if (HeldEntry* e = find_held(d, t, obj)) {
      // RLock / recursive mutex: `arg` is the depth after (a Condition wait restores it).
      e->depth = value > e->depth ? static_cast<std::uint32_t>(value) : e->depth + 1;
      return;
    }
  }
  if (arg & (kAcquiredOwnerDead | kAcquiredRobust)) [[unlikely]]
    s.flags.fetch_or(kRobust, std::memory_order_relaxed);
  if (edges && t.held.size() > 0) lock_order_on_acquired(d, t, obj, shared_mode(k, arg), where);
  if (t.held.size() >= 8) [[unlikely]]
    prune_stale(d, t);
  if (shared_mode(k, arg)) [[unlikely]] {
    // A read lock: others may hold it too. The owner is the last reader (for the deadlock
    // watchdog's wait-for graph); the generation is left to the writers.
    s.readers.fetch_add(1, std::memory_order_relaxed);
    s.owner.store(t.index, std::memory_order_relaxed);
    s.acquired_at.store(where, std::memory_order_relaxed);
    t.held.push(HeldEntry{obj, 0, 1, where, true});
    return;
  }
  // Acquisitions of one lock are ordered by the lock itself: a plain increment suffices.
  std::uint32_t gen = s.gen.load(std::memory_order_relaxed) + 1;
  s.gen.store(gen, std::memory_order_relaxed);
  s.acquired_at.store(where, std::memory_order_relaxed);
  s.owner.store(t.index, std::memory_order_relaxed);
  // A reentrant lock re-taken with its saved depth (a Condition wait restoring an RLock held
  // twice) starts at that depth, not at 1.
  std::uint32_t depth = is_reentrant_kind(k) && value > 1 ? static_cast<std::uint32_t>(value) : 1;
  t.held.push(HeldEntry{obj, gen, depth, where});
}

// The calling thread releases `obj`: pops it, or reports the release as a misuse.
[[gnu::always_inline]] inline void give(Detector& d, ThreadRec& t, ObjId obj, Slot& s,
                                        ObjKind k, std::uint64_t arg,
                                        const std::source_location& where) {
  for (int i = t.held.size() - 1; i >= 0; --i) {
    HeldEntry& h = t.held[i];
    if (h.obj != obj) continue;
    if (h.shared) {
      // A read unlock (or a write unlock while this thread also reads: glibc cannot be both).
      t.held.erase(i);
      s.readers.fetch_sub(1, std::memory_order_relaxed);
      if (s.owner.load(std::memory_order_relaxed) == t.index)
        s.owner.store(0, std::memory_order_relaxed);
      misuse_note_released(t, obj);
      return;
    }
    if (s.gen.load(std::memory_order_relaxed) != h.gen ||
        s.owner.load(std::memory_order_relaxed) != t.index)
      break;  // stale: someone else released (and maybe re-took) it
    if (is_reentrant_kind(k)) {
      // `arg` is the depth after the release: 0 when a Condition wait releases it entirely.
      h.depth = arg < h.depth ? static_cast<std::uint32_t>(arg) : 0;
      if (h.depth > 0) return;
    } else if (--h.depth > 0) {
      return;
    }
    t.held.erase(i);
    s.owner.store(0, std::memory_order_relaxed);
    misuse_note_released(t, obj);
    return;
  }
  if (t.unheld_wait_lock == obj) [[unlikely]]
    t.unheld_wait_lock = 0;  // a condvar wait's release of the mutex it did not hold: reported
  else
    misuse_on_release(d, t, obj, s, where);
  // Not (validly) in our stack: someone else's Lock released across threads, or untracked.
  if (k == ObjKind::RWLock && s.readers.load(std::memory_order_relaxed) > 0) return;
  s.owner.store(0, std::memory_order_relaxed);
}

// The detector the interposer hands mutex events to directly (mutex_event): the most recently
// built Detector whose checks are on and whose downstream is the recorder itself, cleared when
// it is destroyed. Compared with the active sink at each call, so an event goes this way only
// while that detector is the sink.
extern std::atomic<Detector*> g_lock_path_detector;

// An uncontended acquisition (Acquired, value 1; a successful try when kByTry, which orders
// nothing) or a release (Release, value 0) of the non-recursive lock `obj` of kind kLock (a
// default mutex, a spin lock, a weft::Lock) by the calling thread at `where`: exactly what Detector::on_event
// does with it, inline. False, having done nothing, when the general path must take it: the
// thread is blocked or has a wait-loop check pending, or the object is not of that kind.
// `memo`: the caller's memo of `where`'s trace id (recorder_hot.hpp), or nullptr.
template <Ev kKind, ObjKind kLock = ObjKind::Mutex, bool kByTry = false>
[[gnu::always_inline]] inline bool mutex_event(Detector& d, ObjId obj,
                                               const std::source_location& where,
                                               SiteMemo* memo = nullptr) noexcept {
  static_assert(kKind == Ev::Acquired || kKind == Ev::Release);
  static_assert(kLock == ObjKind::Mutex || kLock == ObjKind::SpinLock || kLock == ObjKind::Lock);
  static_assert(!kByTry || kKind == Ev::Acquired);
  ThreadRec& t = d.self();
  if (t.block.load(std::memory_order_relaxed) != 0 || t.wl_state != WaitLoop::Idle) [[unlikely]]
    return false;
  Slot* s = d.slot(obj);
  if (s == nullptr || s->kind.load(std::memory_order_relaxed) != static_cast<std::uint8_t>(kLock))
      [[unlikely]]
    return false;
  constexpr std::uint64_t arg = kKind == Ev::Release ? 0 : kByTry ? 1 | kAcquiredByTry : 1;
  if constexpr (kKind == Ev::Acquired)
    take(d, t, obj, *s, kLock, arg, where, !kByTry);
  else
    give(d, t, obj, *s, kLock, arg, where);
  d.forward(kKind, obj, arg, where, memo);
  return true;
}

}  // namespace weft::rt::detectors::internal
