// weft/detail/sync.hpp: internals shared by the primitives (not part of the API).
//
// - Deadline: a timeout in seconds (Python style, negative = forever) turned into a point on
//   the monotonic clock.
// - futex_wait / futex_wake: the Linux futex syscall on a 32-bit atomic word.
// - WEFT_TSAN_*: ThreadSanitizer annotations, empty unless built with -fsanitize=thread.
// - QuietMutex / QuietCondVar: the std::mutex and std::condition_variable the primitives keep
//   for themselves, whose calls the interposer leaves unrecorded (rt::Quiet).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <source_location>

#include "weft/runtime/event.hpp"

#if defined(__SANITIZE_THREAD__)
#define WEFT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WEFT_TSAN 1
#endif
#endif

#ifdef WEFT_TSAN
#include <sanitizer/tsan_interface.h>
#define WEFT_TSAN_ACQUIRE(addr) __tsan_acquire(const_cast<void*>(static_cast<const void*>(addr)))
#define WEFT_TSAN_RELEASE(addr) __tsan_release(const_cast<void*>(static_cast<const void*>(addr)))
#else
#define WEFT_TSAN_ACQUIRE(addr) ((void)0)
#define WEFT_TSAN_RELEASE(addr) ((void)0)
#endif

namespace weft::detail {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux

// A point in time to give up waiting, or "never".
struct Deadline {
  bool forever = true;
  Clock::time_point at{};

  // `seconds` < 0 means forever; very long timeouts (over ~30 years) also mean forever.
  static Deadline after(double seconds) noexcept {
    Deadline d;
    if (seconds < 0 || seconds > 1e9) return d;
    d.forever = false;
    d.at = Clock::now() +
           std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    return d;
  }
  bool expired() const noexcept { return !forever && Clock::now() >= at; }
  // Seconds left (>= 0), or -1 for forever.
  double remaining() const noexcept {
    if (forever) return -1;
    double r = std::chrono::duration<double>(at - Clock::now()).count();
    return r > 0 ? r : 0;
  }
};

// Blocks while `word` holds `expected`, until woken or `deadline`. May return early (spurious
// wake-up, value changed): callers re-check. Returns false only when the deadline passed.
bool futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                const Deadline& deadline) noexcept;
// Wakes up to `n` threads blocked in futex_wait on `word`.
void futex_wake(std::atomic<std::uint32_t>& word, int n) noexcept;

// CPython's argument rules for acquire(blocking, timeout): ValueError for a timeout given to a
// non-blocking call, for a negative timeout other than -1, and for NaN. The common call
// (blocking, no timeout) is one inline test.
void check_acquire_args_slow(bool blocking, double timeout);
inline void check_acquire_args(bool blocking, double timeout) {
  if (blocking && timeout == -1) [[likely]]
    return;
  check_acquire_args_slow(blocking, timeout);
}
// NaN is the only timeout that is an error for wait-like calls (negative = forever).
void check_wait_timeout(double timeout);

// The 3-state futex mutex (0 free, 1 locked, 2 locked with waiters) under Lock and RLock.
// Contended acquirers spin briefly, then sleep in the kernel.
class FutexMutex {
 public:
  bool try_lock() noexcept {
    std::uint32_t c = 0;
    return word_.compare_exchange_strong(c, 1, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }
  // Returns false if `deadline` passed first.
  bool lock_slow(const Deadline& deadline) noexcept;
  // Returns the previous state (0 means it was not locked: misuse, the word stays 0).
  std::uint32_t unlock() noexcept {
    std::uint32_t prev = word_.exchange(0, std::memory_order_release);
    if (prev == 2) [[unlikely]] futex_wake(word_, 1);
    return prev;
  }
  bool locked() const noexcept { return word_.load(std::memory_order_relaxed) != 0; }

 private:
  std::atomic<std::uint32_t> word_{0};
};

// The calling thread's get_ident() value (pthread_self), cached.
std::uint64_t self_ident() noexcept;

// The primitives' own std::mutex: a Semaphore's counter lock, a Queue's, a Thread's state. Under
// `weft run` a program linked with weft also has the LD_PRELOAD interposer, which records the
// program's std::mutex and std::thread calls (weft/runtime/host.hpp); these are weft's, so each
// call runs in an rt::Quiet scope and the interposer passes it to libc. Only the calls: what
// the program does while the primitive holds the lock (a Barrier's action) is recorded.
class QuietMutex {
 public:
  void lock() {
    rt::Quiet own;
    m_.lock();
  }
  bool try_lock() {
    rt::Quiet own;
    return m_.try_lock();
  }
  void unlock() {
    rt::Quiet own;
    m_.unlock();
  }
  std::mutex& native() noexcept { return m_; }

 private:
  std::mutex m_;
};

// The std::condition_variable that goes with a QuietMutex, waits and notifies in rt::Quiet.
class QuietCondVar {
 public:
  using Lock = std::unique_lock<QuietMutex>;

  void notify_one() noexcept {
    rt::Quiet own;
    cv_.notify_one();
  }
  void notify_all() noexcept {
    rt::Quiet own;
    cv_.notify_all();
  }
  void wait(Lock& lk) {
    rt::Quiet own;
    Native n(lk);
    cv_.wait(n.lk);
  }
  template <class Pred>
  void wait(Lock& lk, Pred pred) {
    while (!pred()) wait(lk);
  }
  std::cv_status wait_until(Lock& lk, Clock::time_point at) {
    rt::Quiet own;
    Native n(lk);
    return cv_.wait_until(n.lk, at);
  }
  template <class Pred>
  bool wait_until(Lock& lk, Clock::time_point at, Pred pred) {
    while (!pred())
      if (wait_until(lk, at) == std::cv_status::timeout) return pred();
    return true;
  }

 private:
  // The held QuietMutex seen as the std::unique_lock<std::mutex> std::condition_variable takes;
  // it stays held (and owned by `outer`) afterwards.
  struct Native {
    explicit Native(Lock& outer) : lk(outer.mutex()->native(), std::adopt_lock) {}
    ~Native() { lk.release(); }
    Native(const Native&) = delete;
    Native& operator=(const Native&) = delete;
    std::unique_lock<std::mutex> lk;
  };
  // std::condition_variable's destructor calls pthread_cond_destroy: quiet too. Members die in
  // reverse order: end_ after cv_, begin_ before it.
  struct QuietEnd {
    ~QuietEnd() { --rt::detail::t_quiet; }
  };
  struct QuietBegin {
    ~QuietBegin() { ++rt::detail::t_quiet; }
  };
  [[no_unique_address]] QuietEnd end_;
  std::condition_variable cv_;
  [[no_unique_address]] QuietBegin begin_;
};

}  // namespace weft::detail
