// event-as-condition, std flavour: a waiter loops until `resource_available` is set, using a
// std::atomic<bool> `changed` as an Event that a publisher sets after each update.
// Bug: checking the state and waiting on the event are two steps without a lock. The waiter
// checks (false), the publisher sets the state and the event, then the waiter resets the event
// and waits: the set is lost and the waiter blocks forever (exit 86 from the deadline).
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

std::atomic<bool> resource_available{false};
std::atomic<bool> changed{false};

int main() {
  corpus_deadline_ms(1000);
  std::thread publisher([] {
    std::this_thread::sleep_for(10ms);
    resource_available.store(true);
    changed.store(true);
    changed.notify_all();
  });
  while (!resource_available.load()) {
    std::this_thread::sleep_for(30ms);  // the publisher runs in this window
    changed.store(false);
    changed.wait(false);
  }
  std::puts("resource available");
  publisher.join();
  return 0;
}
