// event-as-condition, weft flavour: the tutorial's "wrong" worker loops until
// `resource_available`, waiting on an Event between checks; a publisher makes the resource
// available and sets the Event. The worker clears the Event before waiting for the next change.
// Fix: a Condition makes check-and-wait atomic (the tutorial's 正确做法).
// Shape: the tutorial's program; two Events play the unlucky preemption (one-shot signals, the
// use Events are for).
#include <atomic>
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Condition condition("condition");
bool resource_available = false;

void worker() {
  std::lock_guard<weft::Condition> with(condition);
  while (!resource_available) condition.wait();
  std::puts("resource available");
}

void publisher() {
  std::lock_guard<weft::Condition> with(condition);
  resource_available = true;
  condition.notify_all();
}

int main() {
  corpus_deadline_ms(1000);
  weft::Thread w(worker, "worker"), p(publisher, "publisher");
  w.start();
  p.start();
  w.join();
  p.join();
  return 0;
}
