// wait-without-lock, std flavour, in a template: Slot<T> hands one value from a producer to a
// consumer.
// Bug: get() waits on a guard built with std::defer_lock and never locked: the wait runs
// without the mutex (undefined behaviour; on glibc get() returns holding the mutex behind the
// guard's back, and the consumer thread ends holding it).
// Shape: a template monitor whose lock was deferred "for performance".
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

template <class T>
class Slot {
 public:
  void put(T v) {
    std::lock_guard<std::mutex> lk(mu_);
    value_ = std::move(v);
    full_ = true;
    cv_.notify_one();
  }
  T get() {
    std::unique_lock<std::mutex> lk(mu_, std::defer_lock);
    while (!full_) cv_.wait(lk);
    return value_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> full_{false};
  T value_{};
};

int main() {
  corpus_deadline_ms(1000);
  Slot<std::string> slot;
  std::thread consumer([&slot] { std::printf("got %s\n", slot.get().c_str()); });
  std::this_thread::sleep_for(20ms);
  slot.put("hello");
  consumer.join();
  return 0;
}
