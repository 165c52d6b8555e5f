// deadlock, weft flavour: main holds the results Lock and joins a worker that stores its
// result under that Lock.
// Fix: main joins first, then takes the Lock.
// Shape: join under a lock, a frequent shutdown deadlock.
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Lock results("results");
int result = 0;

int main() {
  corpus_deadline_ms(1000);
  weft::Thread worker(
      [] {
        std::lock_guard<weft::Lock> with(results);
        result = 7;
      },
      "worker");
  worker.start();
  worker.join();
  std::lock_guard<weft::Lock> with(results);
  std::printf("result %d\n", result);
  return 0;
}
