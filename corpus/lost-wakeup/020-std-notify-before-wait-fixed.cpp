// lost-wakeup, std flavour, direct: main announces "go" with notify_one(); a consumer that
// starts slowly waits for it.
// Fix: a `go` flag under the mutex records the event; the consumer waits while it is false.
// Shape: the tutorial's section 3.4 Condition example (consumer waits, producer notifies) with
// the consumer arriving late; a latch makes it late on every run.
#include <condition_variable>
#include <cstdio>
#include <latch>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

std::mutex mu;
std::condition_variable cv;
std::latch notified(1);
bool go = false;

int main() {
  corpus_deadline_ms(1000);
  std::thread consumer([] {
    notified.wait();  // slow start-up: the signal goes out before we wait
    std::unique_lock<std::mutex> lk(mu);
    while (!go) cv.wait(lk);
    std::puts("consumer: got the signal");
  });
  {
    std::lock_guard<std::mutex> lk(mu);
    go = true;
    cv.notify_one();
  }
  notified.count_down();
  consumer.join();
  return 0;
}
