// event-as-condition, std flavour: a waiter loops until `resource_available` is set, using a
// std::atomic<bool> `changed` as an Event that a publisher sets after each update.
// Fix: a mutex and a condition variable make check-and-wait atomic: the predicate is
// re-checked under the lock before every wait.
// Shape: the tutorial's "wrong: Event used as Condition" (section 8.5(1)) in std::; the window
// between check and reset is widened with a sleep so the lost set happens on every run.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

std::mutex mu;
std::condition_variable cv;
bool resource_available = false;

int main() {
  corpus_deadline_ms(1000);
  std::thread publisher([] {
    std::this_thread::sleep_for(10ms);
    std::lock_guard<std::mutex> lk(mu);
    resource_available = true;
    cv.notify_all();
  });
  {
    std::unique_lock<std::mutex> lk(mu);
    while (!resource_available) {
      std::this_thread::sleep_for(30ms);  // the same window; harmless under the lock
      cv.wait(lk);
    }
  }
  std::puts("resource available");
  publisher.join();
  return 0;
}
