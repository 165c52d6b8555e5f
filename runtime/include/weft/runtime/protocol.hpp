// weft/runtime/protocol.hpp: the recording protocol, one typed function per step of an operation.
//
// Every front end (the primitives library, the LD_PRELOAD interposer) records what a lock, a
// wait or a misuse did through these functions rather than by spelling out event kinds and
// literal `arg` values. They are the only place that knows how a step maps to an event row of
// weft/runtime/event.hpp. The shape follows ThreadSanitizer's MutexPreLock / MutexPostLock and
// Tracy's BeforeLock / AfterLock: a step before the thread may block and a step after, with
// what really happened.
//
//   lock attempt   [acquire_begin]  then  acquired | acquire_failed(AcquireFail)
//   release        released                (or misuse(UnlockNotOwner) when the unlock was
//                                          refused and changed nothing)
//   condition wait wait_begin  released(lock)  ...  wait_end(WaitResult)  acquired(lock)
//                  wait_begin  wait_end(Failed)      when the call failed without waiting
//   destruction    destroy_begin  then the object's destruction (rt::destroy_object) if it
//                  succeeded
//   misuse         misuse(code, errno): a contract breach only the front end can see
//
// Each takes the active sink (non-null: callers test rt::active_sink() once per operation) and
// the call site. All are inline: one virtual call each.
#pragma once

#include <cstdint>
#include <source_location>

#include "weft/runtime/event.hpp"

namespace weft::rt::protocol {

// How an rwlock is held. Plain locks are always Exclusive.
enum class Mode : std::uint8_t { Exclusive = 1, Shared = 2 };

// The thread is about to block for `lock` (emit only when it really will: a try failed).
// `mode`: for an rwlock, the Mode asked for (0 for every other lock).
inline void acquire_begin(Sink& s, ObjId lock, const std::source_location& where,
                          std::uint64_t mode = 0) noexcept {
  s.on_event(Ev::AcquireBegin, lock, mode, where);
}

// What an acquisition is: its value (recursion depth after, a semaphore's value after, an
// rwlock's Mode, else 1) and how it happened.
struct Acquisition {
  std::uint64_t value = 1;
  bool by_try = false;      // a non-blocking try: orders nothing
  bool owner_dead = false;  // a robust mutex taken from a dead owner (EOWNERDEAD)
  bool robust = false;      // a robust mutex (PTHREAD_MUTEX_ROBUST)
};

inline void acquired(Sink& s, ObjId lock, Acquisition a, const std::source_location& where) noexcept {
  std::uint64_t arg = a.value;
  if (a.by_try) arg |= kAcquiredByTry;
  if (a.owner_dead) arg |= kAcquiredOwnerDead;
  if (a.robust) arg |= kAcquiredRobust;
  s.on_event(Ev::Acquired, lock, arg, where);
}

inline void acquire_failed(Sink& s, ObjId lock, AcquireFail why,
                           const std::source_location& where) noexcept {
  s.on_event(Ev::AcquireFailed, lock, static_cast<std::uint64_t>(why), where);
}

// `value_after`: the recursion depth after the release (reentrant locks), the semaphore's value
// after (semaphores), Mode::Shared's value for a read unlock, else 0.
inline void released(Sink& s, ObjId lock, std::uint64_t value_after,
                     const std::source_location& where) noexcept {
  s.on_event(Ev::Release, lock, value_after, where);
}

// `lock`: the lock the wait releases (0: none, e.g. a barrier or an Event).
inline void wait_begin(Sink& s, ObjId cond, ObjId lock, const std::source_location& where) noexcept {
  s.on_event(Ev::WaitBegin, cond, lock, where);
}

inline void wait_end(Sink& s, ObjId cond, WaitResult why, const std::source_location& where) noexcept {
  s.on_event(Ev::WaitEnd, cond, static_cast<std::uint64_t>(why), where);
}

inline void destroy_begin(Sink& s, ObjId obj, const std::source_location& where) noexcept {
  s.on_event(Ev::DestroyBegin, obj, 0, where);
}

// `err`: the errno value the call returned (0 when the front end saw the breach before the call).
inline void misuse(Sink& s, ObjId obj, MisuseCode code, int err,
                   const std::source_location& where) noexcept {
  std::uint64_t arg = static_cast<std::uint64_t>(code) |
                      (static_cast<std::uint64_t>(static_cast<std::uint32_t>(err)) << 8);
  s.on_event(Ev::Misuse, obj, arg, where);
}

// Decoding Misuse's arg (readers, detectors).
inline MisuseCode misuse_code(std::uint64_t arg) noexcept {
  return static_cast<MisuseCode>(arg & 0xff);
}
inline int misuse_errno(std::uint64_t arg) noexcept { return static_cast<int>(arg >> 8); }

}  // namespace weft::rt::protocol
