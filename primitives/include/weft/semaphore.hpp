// weft/semaphore.hpp: weft::Semaphore and weft::BoundedSemaphore, Python's threading versions.
//
//   weft::BoundedSemaphore slots{3, "db-connections"};
//   {
//     std::lock_guard g(slots);   // acquire(): at most 3 threads inside
//     query();
//   }
//
// A counter that acquire() decrements (blocking while it is zero) and release() increments.
#pragma once

#include <condition_variable>
#include <mutex>
#include <source_location>
#include <string_view>

#include "weft/detail/sync.hpp"
#include "weft/errors.hpp"
#include "weft/runtime/event.hpp"

namespace weft {

class Semaphore {
 public:
  // A semaphore with initial `value`. Throws ValueError if `value` < 0.
  explicit Semaphore(long value = 1, std::string_view name = {},
                     std::source_location where = std::source_location::current());
  virtual ~Semaphore();
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  // Semaphore::acquire()
  //
  // If the value is above zero, decrements it and returns true. Otherwise blocks until a
  // release() makes it positive (at most `timeout` seconds when `timeout` >= 0), or returns
  // false at once when `blocking` is false. Returns false on timeout.
  //
  // Throws ValueError for a timeout with `blocking` false, or a negative timeout other than -1.
  //
  // Memory ordering: acquire (pairs with the release() whose unit it took, and with every
  // earlier release()).
  bool acquire(bool blocking = true, double timeout = -1,
               std::source_location where = std::source_location::current());

  // Semaphore::release()
  //
  // Adds `n` to the value and wakes up to `n` blocked acquirers. Never blocks.
  //
  // Throws ValueError if `n` < 1; for a BoundedSemaphore, also if the value would exceed the
  // initial value (nothing is released then).
  //
  // Memory ordering: release.
  void release(long n = 1, std::source_location where = std::source_location::current());

  // Lockable: lock() = acquire(), unlock() = release(), try_lock() = acquire(false).
  void lock(std::source_location where = std::source_location::current()) {
    acquire(true, -1, where);
  }
  void unlock(std::source_location where = std::source_location::current()) {
    release(1, where);
  }
  bool try_lock(std::source_location where = std::source_location::current()) {
    return acquire(false, -1, where);
  }

  // The current value (a snapshot). Not in Python's API; for tests and tools.
  long value() const;
  rt::ObjId id() const noexcept { return id_; }

 protected:
  Semaphore(long value, long bound, rt::ObjKind kind, std::string_view name,
            const std::source_location& where);

 private:
  mutable ::weft::detail::QuietMutex mu_;
  ::weft::detail::QuietCondVar cv_;
  long value_;
  long bound_;  // -1: unbounded
  rt::ObjId id_;
};

class BoundedSemaphore : public Semaphore {
 public:
  // A semaphore whose value may never exceed `value`: a release() that would is a bug
  // (ValueError). Throws ValueError if `value` < 0.
  explicit BoundedSemaphore(long value = 1, std::string_view name = {},
                            std::source_location where = std::source_location::current());
};

}  // namespace weft
