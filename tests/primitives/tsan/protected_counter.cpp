// Under -fsanitize=thread: a counter guarded by weft::Lock, including a Lock that one thread
// acquires and another releases, must produce no ThreadSanitizer report.
#include <cstdio>

#include "weft/threading.hpp"

int main() {
  weft::Lock lock("counter");
  long counter = 0;

  // Many threads incrementing under the lock.
  {
    std::vector<std::unique_ptr<weft::Thread>> ts;
    for (int t = 0; t < 4; ++t) {
      ts.push_back(std::make_unique<weft::Thread>([&] {
        for (int i = 0; i < 1000; ++i) {
          std::lock_guard g(lock);
          ++counter;
        }
      }));
      ts.back()->start();
    }
    for (auto& t : ts) t->join();
  }

  // The lock handed between threads: A takes it and writes, B releases it, C takes it and reads.
  weft::Event written("written");
  weft::Thread a([&] {
    lock.acquire();
    counter += 100;
    written.set();
  }, "A");
  weft::Thread b([&] {
    written.wait();
    lock.release();
  }, "B");
  long seen = 0;
  weft::Thread c([&] {
    written.wait();
    std::lock_guard g(lock);  // blocks until B releases
    seen = ++counter;
  }, "C");
  a.start();
  c.start();
  b.start();
  a.join();
  b.join();
  c.join();

  // An RLock and a Condition between a producer and a consumer.
  weft::Condition cv("ready");
  int value = 0;
  bool ready = false;
  weft::Thread producer([&] {
    std::lock_guard g(cv);
    value = 42;
    ready = true;
    cv.notify();
  });
  producer.start();
  {
    std::unique_lock g(cv);
    cv.wait_for([&] { return ready; });
  }
  producer.join();
  std::printf("counter=%ld seen=%ld value=%d\n", counter, seen, value);
  return counter == 4101 && seen == 4101 && value == 42 ? 0 : 1;
}
