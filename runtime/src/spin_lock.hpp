// The runtime's one spin lock: a test-and-test-and-set lock made of one atomic, which yields while
// contended. It never calls into pthread, so the LD_PRELOAD interposer does not record it, and
// the recorder and the detectors can take it inside interposed calls and signal-safe paths.
#pragma once

#include <sched.h>

#include <atomic>

namespace weft::rt {

class SpinLock {
 public:
  void lock() noexcept {
    for (;;) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) ::sched_yield();
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

class SpinGuard {
 public:
  explicit SpinGuard(SpinLock& l) noexcept : l_(l) { l_.lock(); }
  ~SpinGuard() { l_.unlock(); }
  SpinGuard(const SpinGuard&) = delete;
  SpinGuard& operator=(const SpinGuard&) = delete;

 private:
  SpinLock& l_;
};

}  // namespace weft::rt
