// event-as-condition, std flavour: a waiter loops until `resource_available` is set, using a
// std::atomic<bool> `changed` as an Event that a publisher sets after each update.
// Bug: checking the state and waiting on the event are separate steps without a lock. The
// waiter checks (false), the publisher sets the state and the event, then the waiter resets
// the event and waits: the set is lost and the waiter blocks forever (exit 86).
// Shape: the tutorial's "wrong: Event used as Condition" (section 8.5(1)) in std::. Two latches
// play an unlucky preemption between check and reset, so the buggy program fails every run.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <latch>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

std::atomic<bool> resource_available{false};
std::atomic<bool> changed{false};
std::latch checked(1), published(1);

void preempted_here() {  // an unlucky preemption: the publisher runs to completion here
  if (checked.try_wait()) return;
  checked.count_down();
  published.wait();
}

int main() {
  corpus_deadline_ms(1000);
  std::thread publisher([] {
    checked.wait();
    resource_available.store(true);
    changed.store(true);
    changed.notify_all();
    published.count_down();
  });
  while (!resource_available.load()) {
    preempted_here();
    changed.store(false);
    changed.wait(false);
  }
  std::puts("resource available");
  publisher.join();
  return 0;
}
