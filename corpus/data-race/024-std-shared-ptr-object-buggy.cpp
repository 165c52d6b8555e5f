// data-race, std flavour: two connection handlers, released together by a std::latch, each
// hold their own std::shared_ptr<Counter> to one request counter and bump it 10000 times.
// Bug: copying and dropping the shared_ptr is thread-safe (its control block counts
// atomically), but the Counter it points to is not: both threads write `hits` without a lock.
// Shape: "it's a shared_ptr, so it's thread-safe", a frequent misreading of shared_ptr's
// guarantees.
#include <cstdio>
#include <latch>
#include <memory>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

struct Counter {
  long hits = 0;
  void add() { ++hits; }
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
  std::printf("hits %ld, owners left %ld\n", counter->hits, counter.use_count());
  return 0;
}
