// wait-not-in-loop, weft flavour: a worker waits for `resource_available` under a Condition;
// a publisher sets it and notifies.
// Bug: the tutorial's 错误做法: `if not resource_available: condition.wait()`: after a spurious
// wake-up the worker uses a resource that is not there.
// Shape: the tutorial's snippet made runnable.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Condition condition("condition");
bool resource_available = false;

int main() {
  corpus_deadline_ms(2000);
  weft::Thread worker(
      [] {
        std::lock_guard<weft::Condition> with(condition);
        if (!resource_available) condition.wait();
        std::printf("resource available: %d\n", resource_available);
      },
      "worker");
  worker.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  {
    std::lock_guard<weft::Condition> with(condition);
    resource_available = true;
    condition.notify();
  }
  worker.join();
  return 0;
}
