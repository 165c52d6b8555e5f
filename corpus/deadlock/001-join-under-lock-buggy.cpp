// deadlock, weft flavour: main holds the results Lock and joins a worker that stores its
// result under that Lock.
// Bug: the worker blocks on the Lock, main blocks in join(): a wait-for cycle (exit 86).
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
  std::lock_guard<weft::Lock> with(results);
  worker.start();
  worker.join();
  std::printf("result %d\n", result);
  return 0;
}
