// event-as-condition, weft flavour: the tutorial's "wrong" worker loops until
// `resource_available`, waiting on an Event between checks; a publisher makes the resource
// available and sets the Event. The worker clears the Event before waiting for the next change.
// Bug: check and wait are not atomic (the tutorial: 检查条件与等待非原子操作). The publisher
// runs between the check and the clear; the clear erases its set, and the worker waits for a
// change that already happened (exit 86 from the deadline).
// Shape: the tutorial's program; two Events play the unlucky preemption (one-shot signals, the
// use Events are for).
#include <atomic>
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Event event("event");
std::atomic<bool> resource_available{false};
weft::Event checked("checked"), published("published");

void worker() {
  while (true) {
    if (resource_available) break;  // 检查条件
    checked.set();                  // an unlucky preemption: the publisher runs to completion here
    published.wait();
    event.clear();
    event.wait();  // 等待事件
  }
  std::puts("resource available");
}

void publisher() {
  checked.wait();
  resource_available = true;
  event.set();
  published.set();
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
