// weft/lock.hpp: weft::Lock, Python's threading.Lock.
//
//   weft::Lock mu{"accounts"};
//   {
//     std::lock_guard g(mu);      // or: mu.acquire(); ... mu.release();
//     balance += 10;
//   }
//   if (mu.acquire(true, 0.5)) { ...; mu.release(); }   // give up after half a second
//
// A non-reentrant mutual-exclusion lock. Unlike std::mutex, any thread may release it (a Lock
// can be handed from one thread to another), and releasing an unlocked Lock throws RuntimeError.
// Acquiring it again from the thread that holds it blocks forever (the `lock-reentry` bug that
// `weft run` reports).
//
// Implementation: one 32-bit futex word (0 free, 1 locked, 2 locked with waiters). The
// uncontended acquire is one compare-and-swap, the uncontended release one exchange; contended
// threads spin briefly and then sleep in the kernel.
#pragma once

#include <cstdint>
#include <source_location>
#include <string_view>

#include "weft/detail/sync.hpp"
#include "weft/errors.hpp"
#include "weft/runtime/event.hpp"

namespace weft {

class Condition;

class Lock {
 public:
  // Creates an unlocked lock. `name` is shown by the viewer and in findings.
  explicit Lock(std::string_view name = {},
                std::source_location where = std::source_location::current());
  ~Lock();
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  // Lock::acquire()
  //
  // Acquires the lock and returns true. With `blocking` false, returns false at once if the
  // lock is held. With a `timeout` >= 0 (seconds), blocks at most that long and returns false
  // if the lock is still held; -1 (the default) blocks until the lock is free.
  //
  // Throws ValueError for a timeout given with `blocking` false, and for a negative timeout
  // other than -1 (CPython's rules).
  //
  // Memory ordering: acquire. Everything done by the thread that released the lock before
  // release() is visible after acquire() returns true.
  bool acquire(bool blocking = true, double timeout = -1,
               std::source_location where = std::source_location::current()) {
    if (auto* s = rt::active_sink()) [[unlikely]] {
      return acquire_recorded(s, blocking, timeout, where);
    }
    if (blocking && timeout == -1 && mu_.try_lock()) [[likely]] {
      WEFT_TSAN_ACQUIRE(this);
      return true;
    }
    return acquire_slow(blocking, timeout);
  }

  // Lock::release()
  //
  // Releases the lock; if threads are blocked in acquire(), one of them gets it. May be called
  // from any thread, not only the one that acquired it. Never blocks.
  //
  // Throws RuntimeError if the lock is not locked (after recording the release, so that
  // `weft run` reports `unowned-release`).
  //
  // Memory ordering: release (pairs with the next acquire()).
  void release(std::source_location where = std::source_location::current()) {
    if (auto* s = rt::active_sink()) [[unlikely]] {
      release_recorded(s, where);
    }
    WEFT_TSAN_RELEASE(this);
    if (mu_.unlock() == 0) [[unlikely]] throw_unlocked();
  }

  // True if some thread holds the lock (a snapshot: it may change at once).
  bool locked() const noexcept { return mu_.locked(); }

  // Lockable: lock() is acquire(), unlock() is release(), try_lock() is acquire(false), so
  // std::lock_guard, std::unique_lock, std::scoped_lock and std::condition_variable_any work.
  void lock(std::source_location where = std::source_location::current()) {
    acquire(true, -1, where);
  }
  void unlock(std::source_location where = std::source_location::current()) { release(where); }
  bool try_lock(std::source_location where = std::source_location::current()) {
    return acquire(false, -1, where);
  }

  // The object id under which the runtime records this lock.
  rt::ObjId id() const noexcept { return id_; }

 private:
  friend class Condition;
  bool acquire_recorded(rt::Sink* s, bool blocking, double timeout,
                        const std::source_location& where);
  bool acquire_slow(bool blocking, double timeout);
  // Out of line so that its return address is in the caller (the site behind std::lock_guard).
  [[gnu::noinline]] void release_recorded(rt::Sink* s, const std::source_location& where);
  [[noreturn]] static void throw_unlocked();

  detail::FutexMutex mu_;
  rt::ObjId id_;
};

}  // namespace weft
