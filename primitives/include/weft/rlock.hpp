// weft/rlock.hpp: weft::RLock, Python's threading.RLock.
//
//   weft::RLock mu{"tree"};
//   void walk(Node* n) {
//     std::lock_guard g(mu);        // the same thread may take it again
//     for (auto* c : n->children) walk(c);
//   }
//
// A reentrant lock: the thread that holds it may acquire it again; it is free once every
// acquire() has been matched by a release(). Only the owning thread may release it.
#pragma once

#include <atomic>
#include <cstdint>
#include <source_location>
#include <string_view>

#include "weft/detail/sync.hpp"
#include "weft/errors.hpp"
#include "weft/runtime/event.hpp"

namespace weft {

class Condition;

class RLock {
 public:
  // Creates an unlocked reentrant lock named `name`.
  explicit RLock(std::string_view name = {},
                 std::source_location where = std::source_location::current());
  ~RLock();
  RLock(const RLock&) = delete;
  RLock& operator=(const RLock&) = delete;

  // RLock::acquire()
  //
  // If the calling thread owns the lock, increments the recursion level and returns true at
  // once. Otherwise acquires it as Lock::acquire() does: blocks (at most `timeout` seconds if
  // `timeout` >= 0), or returns false at once when `blocking` is false and another thread
  // owns it.
  //
  // Throws ValueError for a timeout with `blocking` false, or a negative timeout other than -1.
  //
  // Memory ordering: acquire (pairs with the owner's last release()).
  bool acquire(bool blocking = true, double timeout = -1,
               std::source_location where = std::source_location::current());

  // RLock::release()
  //
  // Decrements the recursion level; at zero the lock becomes free and one blocked acquirer
  // may take it. Never blocks.
  //
  // Throws RuntimeError if the calling thread does not own the lock (after recording the
  // release, so that `weft run` reports `unowned-release`).
  //
  // Memory ordering: release, when the lock becomes free.
  void release(std::source_location where = std::source_location::current());

  // True if some thread holds the lock.
  bool locked() const noexcept { return mu_.locked(); }
  // True if the calling thread holds the lock.
  bool is_owned() const noexcept {
    return owner_.load(std::memory_order_relaxed) == detail::self_ident();
  }

  // Lockable (see Lock): lock() = acquire(), unlock() = release(), try_lock() = acquire(false).
  void lock(std::source_location where = std::source_location::current()) {
    acquire(true, -1, where);
  }
  void unlock(std::source_location where = std::source_location::current()) { release(where); }
  bool try_lock(std::source_location where = std::source_location::current()) {
    return acquire(false, -1, where);
  }

  rt::ObjId id() const noexcept { return id_; }

 private:
  friend class Condition;
  // CPython's _release_save / _acquire_restore: drop every recursion level at once (the caller
  // owns the lock), and take the lock back with `count` levels.
  std::uint32_t release_save(const std::source_location& where);
  void acquire_restore(std::uint32_t count, const std::source_location& where);
  bool lock_outer(rt::Sink* s, bool blocking, double timeout, const std::source_location& where);

  detail::FutexMutex mu_;
  std::atomic<std::uint64_t> owner_{0};  // get_ident() of the owner, 0 when free
  std::uint32_t count_ = 0;              // recursion level; written only by the owner
  rt::ObjId id_;
};

}  // namespace weft
