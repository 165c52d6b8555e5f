// data-race, weft flavour: the tutorial's counter: two threads add 1 to `counter` 100000 times.
// Bug: the tutorial's lock.acquire()/lock.release() are left out: `counter += 1` races, and
// increments are lost.
// Shape: the tutorial's program (task 3), with and without its Lock.
#include <cstdio>
#include <deque>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

long counter = 0;

void increment_counter() {
  for (int i = 0; i < 100000; ++i) {
    counter += 1;
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
