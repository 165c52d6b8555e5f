// weft/condition.hpp: weft::Condition, Python's threading.Condition.
//
//   weft::Condition cv{"items"};           // owns an RLock; or Condition cv{my_lock, "items"}
//   // consumer
//   std::unique_lock g(cv);
//   cv.wait_for([&] { return !items.empty(); });   // or: while (items.empty()) cv.wait();
//   // producer
//   std::lock_guard g(cv);
//   items.push_back(x);
//   cv.notify();
//
// A condition variable bound to one lock (a Lock or an RLock). wait() releases the lock
// completely (every recursion level of an RLock), sleeps until notify(), and takes the lock back
// before returning. Wake-ups are FIFO: notify(n) wakes the n threads that have waited longest.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <source_location>
#include <string_view>

#include "weft/detail/sync.hpp"
#include "weft/errors.hpp"
#include "weft/lock.hpp"
#include "weft/rlock.hpp"
#include "weft/runtime/event.hpp"

namespace weft {

class Condition {
 public:
  // A condition with its own RLock (named `name`).
  explicit Condition(std::string_view name = {},
                     std::source_location where = std::source_location::current());
  // A condition on `lock`, which must outlive it.
  explicit Condition(Lock& lock, std::string_view name = {},
                     std::source_location where = std::source_location::current());
  explicit Condition(RLock& lock, std::string_view name = {},
                     std::source_location where = std::source_location::current());
  ~Condition();
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  // acquire()/release()/lock()/unlock()/try_lock() act on the underlying lock; see Lock and
  // RLock for when they block and what they throw.
  bool acquire(bool blocking = true, double timeout = -1,
               std::source_location where = std::source_location::current());
  void release(std::source_location where = std::source_location::current());
  void lock(std::source_location where = std::source_location::current()) {
    acquire(true, -1, where);
  }
  void unlock(std::source_location where = std::source_location::current()) { release(where); }
  bool try_lock(std::source_location where = std::source_location::current()) {
    return acquire(false, -1, where);
  }

  // Condition::wait()
  //
  // Releases the lock (all recursion levels), blocks until another thread calls notify() or
  // notify_all() or until `timeout` seconds have passed (negative: no limit), then re-acquires
  // the lock, restoring the recursion level. Returns false iff the timeout expired. Like any
  // condition variable it may return true without the awaited state: re-check in a loop, or use
  // wait_for(). (Under `weft run --chaos` such wake-ups are injected on purpose.)
  //
  // Throws RuntimeError if the calling thread does not hold the lock (for a Lock, only "is
  // it locked" can be checked, as in CPython).
  //
  // Memory ordering: the lock's. Whatever the notifier did while holding the lock is visible
  // after wait() returns.
  bool wait(double timeout = -1, std::source_location where = std::source_location::current());

  // Condition::wait_for()
  //
  // Waits until `pred()` is true, calling it with the lock held first and after each wake-up;
  // gives up after `timeout` seconds overall (negative: no limit). Returns the last value of
  // pred(). Throws what wait() throws.
  template <class Pred>
  bool wait_for(Pred pred, double timeout = -1,
                std::source_location where = std::source_location::current()) {
    detail::check_wait_timeout(timeout);
    bool result = static_cast<bool>(pred());
    if (result) return result;
    detail::Deadline deadline = detail::Deadline::after(timeout);
    while (!result) {
      double wait_time = -1;
      if (!deadline.forever) {
        wait_time = deadline.remaining();
        if (wait_time <= 0) break;
      }
      wait(wait_time, where);
      result = static_cast<bool>(pred());
    }
    return result;
  }

  // Condition::notify()
  //
  // Wakes up to `n` threads waiting on this condition (the longest-waiting first). They return
  // from wait() only once they get the lock back, i.e. after the caller releases it. Never
  // blocks. Throws RuntimeError if the calling thread does not hold the lock.
  void notify(int n = 1, std::source_location where = std::source_location::current());
  // Wakes every waiting thread. Throws RuntimeError if the calling thread does not hold the lock.
  void notify_all(std::source_location where = std::source_location::current());

  rt::ObjId id() const noexcept { return id_; }
  // The id of the underlying lock.
  rt::ObjId lock_id() const noexcept { return rlock_ ? rlock_->id() : lock_->id(); }

 private:
  struct Waiter;
  bool is_owned() const noexcept;
  std::uint32_t release_save(const std::source_location& where);
  void acquire_restore(std::uint32_t saved, const std::source_location& where);
  void notify_impl(std::uint32_t requested, int n, const std::source_location& where);

  std::unique_ptr<RLock> owned_;
  Lock* lock_ = nullptr;
  RLock* rlock_ = nullptr;
  rt::ObjId id_;
  ::weft::detail::QuietMutex waiters_mu_;
  Waiter* head_ = nullptr;  // FIFO list of blocked waiters, guarded by waiters_mu_
  Waiter* tail_ = nullptr;
};

}  // namespace weft
