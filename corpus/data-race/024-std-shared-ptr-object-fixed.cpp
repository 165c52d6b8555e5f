// data-race, std flavour: two connection handlers, released together by a std::latch, each
// hold their own std::shared_ptr<Counter> to one request counter and bump it 10000 times.
// Fix: the Counter guards its field with its own mutex; the shared_ptr copies stay as they
// were (their control block was never the problem).
// Shape: "it's a shared_ptr, so it's thread-safe", a frequent misreading of shared_ptr's
// guarantees.
#include <cstdio>
#include <latch>
#include <memory>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

class Counter {
 public:
  void add() {
    std::lock_guard<std::mutex> lk(mu_);
    ++hits_;
  }
  long hits() {
    std::lock_guard<std::mutex> lk(mu_);
    return hits_;
  }

 private:
  std::mutex mu_;
  long hits_ = 0;
};

int main() {
  corpus_deadline_ms(1000);
  auto counter = std::make_shared<Counter>();
  std::latch start(2);
  auto handler = [&start](std::shared_ptr<Counter> mine) {  // the thread's own copy
    start.arrive_and_wait();
    for (int i = 0; i < 10000; ++i) mine->add();
  };
  std::thread a(handler, counter), b(handler, counter);
  a.join();
  b.join();
  std::printf("hits %ld, owners left %ld\n", counter->hits(), counter.use_count());
  return 0;
}
