// data-race, weft flavour: the tutorial's counter: two threads add 1 to `counter` 100000 times.
// Fix: the tutorial's program: each increment between lock.acquire() and lock.release().
// Shape: the tutorial's program (task 3), with and without its Lock.
#include <cstdio>
#include <deque>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Lock lock("lock");
long counter = 0;

void increment_counter() {
  for (int i = 0; i < 100000; ++i) {
    lock.acquire();  // 上锁
    counter += 1;
    lock.release();  // 解锁
  }
}

int main() {
  corpus_deadline_ms(5000);
  std::deque<weft::Thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back(increment_counter);
    threads.back().start();
  }
  for (auto& t : threads) t.join();
  std::printf("最终计数值: %ld\n", counter);
  return 0;
}
