// Futex syscalls, deadlines and argument checks shared by the primitives.
#include "weft/detail/sync.hpp"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <ctime>

#include "weft/errors.hpp"

namespace weft::detail {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

bool futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                const Deadline& deadline) noexcept {
  auto* addr = reinterpret_cast<std::uint32_t*>(&word);
  timespec ts{};
  timespec* tsp = nullptr;
  if (!deadline.forever) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.at.time_since_epoch())
                  .count();
    if (ns < 0) ns = 0;
    ts.tv_sec = static_cast<time_t>(ns / 1000000000);
    ts.tv_nsec = static_cast<long>(ns % 1000000000);
    tsp = &ts;
  }
  // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time (steady_clock's epoch on Linux).
  long r = syscall(SYS_futex, addr, FUTEX_WAIT_BITSET_PRIVATE, expected, tsp, nullptr,
                   FUTEX_BITSET_MATCH_ANY);
  if (r == -1 && errno == ETIMEDOUT) return false;
  return !deadline.expired() || word.load(std::memory_order_relaxed) != expected;
}

void futex_wake(std::atomic<std::uint32_t>& word, int n) noexcept {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, n, nullptr,
          nullptr, 0);
}

bool FutexMutex::lock_slow(const Deadline& deadline) noexcept {
  // A short bounded spin: on a 2-core machine the holder is often about to release.
  for (int i = 0; i < 64; ++i) {
    std::uint32_t c = word_.load(std::memory_order_relaxed);
    if (c == 0 && try_lock()) return true;
    if (c == 2) break;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  std::uint32_t c = word_.exchange(2, std::memory_order_acquire);
  while (c != 0) {
    if (!futex_wait(word_, 2, deadline)) {
      // Timed out; one last attempt so that a release racing with the timeout is not lost.
      c = 0;
      return word_.compare_exchange_strong(c, 2, std::memory_order_acquire,
                                           std::memory_order_relaxed);
    }
    c = word_.exchange(2, std::memory_order_acquire);
  }
  return true;
}

void check_acquire_args_slow(bool blocking, double timeout) {
  if (std::isnan(timeout)) throw ValueError("Invalid value NaN (not a number)");
  if (!blocking && timeout != -1) throw ValueError("can't specify a timeout for a non-blocking call");
  if (blocking && timeout < 0 && timeout != -1)
    throw ValueError("timeout value must be a non-negative number");
}

void check_wait_timeout(double timeout) {
  if (std::isnan(timeout)) throw ValueError("Invalid value NaN (not a number)");
}

std::uint64_t self_ident() noexcept {
  thread_local std::uint64_t ident = static_cast<std::uint64_t>(pthread_self());
  return ident;
}

}  // namespace weft::detail
