// Helpers shared by the primitives tests (after CPython's lock_tests.py: Bunch, timing checks).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

namespace weft_test {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

inline void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

// Gives threads that are about to block time to do so (CPython's wait_threads_blocked).
inline void let_threads_block() { sleep_s(0.05); }

// n threads running fn(i); join() waits for all of them (CPython's Bunch).
class Bunch {
 public:
  Bunch(int n, std::function<void(int)> fn) {
    for (int i = 0; i < n; ++i)
      threads_.emplace_back([this, fn, i] {
        started_.fetch_add(1);
        fn(i);
        finished_.fetch_add(1);
      });
    while (started_.load() < n) std::this_thread::yield();
  }
  ~Bunch() { join(); }
  int finished() const { return finished_.load(); }
  void join() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  std::vector<std::thread> threads_;
  std::atomic<int> started_{0};
  std::atomic<int> finished_{0};
};

// CPython's assertTimeout: generous bounds, since sleeping is imprecise.
#define CHECK_TIMEOUT(actual, expected)   \
  do {                                    \
    CHECK((actual) >= (expected) * 0.6);  \
    CHECK((actual) < (expected) * 10.0);  \
  } while (0)

}  // namespace weft_test
