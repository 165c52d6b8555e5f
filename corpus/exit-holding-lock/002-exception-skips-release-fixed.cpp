// exit-holding-lock, weft flavour: a worker sums numbers parsed between acquire() and
// release(); a bad number throws.
// Fix: `with lock` (a lock_guard) releases during unwinding.
// Shape: acquire/release without try/finally.
#include <cstdio>
#include <mutex>
#include <string>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Lock lock("sum");
long sum = 0;

int main() {
  corpus_deadline_ms(1000);
  weft::Thread worker(
      [] {
        for (const char* item : {"1", "2", "three"}) {
          std::lock_guard<weft::Lock> with(lock);
          sum += std::stoi(item);
        }
      },
      "worker");
  worker.start();
  worker.join();
  std::printf("sum %ld\n", sum);
  return 0;
}
