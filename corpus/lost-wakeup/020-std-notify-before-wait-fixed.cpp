// lost-wakeup, std flavour, direct: a worker announces "go" with notify_one(); a consumer that
// starts slowly waits for it.
// Fix: a `go` flag under the mutex records the event; the consumer waits while it is false.
// Shape: the tutorial's section 3.4 Condition example (consumer waits, producer notifies) with
// the consumer arriving late.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

std::mutex mu;
std::condition_variable cv;
bool go = false;

int main() {
  corpus_deadline_ms(1000);
  std::thread consumer([] {
    std::this_thread::sleep_for(30ms);  // slow start-up
    std::unique_lock<std::mutex> lk(mu);
    while (!go) cv.wait(lk);
    std::puts("consumer: got the signal");
  });
  {
    std::lock_guard<std::mutex> lk(mu);
    go = true;
    cv.notify_one();
  }
  consumer.join();
  return 0;
}
