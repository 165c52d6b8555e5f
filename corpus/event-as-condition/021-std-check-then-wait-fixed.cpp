// event-as-condition, std flavour: a waiter loops until `resource_available` is set, using a
// std::atomic<bool> `changed` as an Event that a publisher sets after each update.
// Fix: a mutex and a condition variable make check-and-wait atomic: the predicate is
// re-checked under the lock before every wait.
// Shape: the tutorial's "wrong: Event used as Condition" (section 8.5(1)) in std::. Two latches
// play an unlucky preemption between check and reset, so the buggy program fails every run.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <latch>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

std::mutex mu;
std::condition_variable cv;
bool resource_available = false;

int main() {
  corpus_deadline_ms(1000);
  std::thread publisher([] {
    std::lock_guard<std::mutex> lk(mu);
    resource_available = true;
    cv.notify_all();
  });
  {
    std::unique_lock<std::mutex> lk(mu);
    while (!resource_available) cv.wait(lk);
  }
  std::puts("resource available");
  publisher.join();
  return 0;
}
