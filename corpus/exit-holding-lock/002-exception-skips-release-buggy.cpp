// exit-holding-lock, weft flavour: a worker sums numbers parsed between acquire() and
// release(); a bad number throws.
// Bug: std::stoi throws after acquire(); the exception leaves the thread (weft reports it,
// like threading.excepthook) and the thread ends holding the Lock.
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
          lock.acquire();
          sum += std::stoi(item);
          lock.release();
        }
      },
      "worker");
  worker.start();
  worker.join();
  std::printf("sum %ld\n", sum);
  return 0;
}
