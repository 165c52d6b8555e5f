// unowned-release, weft flavour: a worker takes a Lock, calls finish(), and releases the Lock.
// Fix: only the function that acquired the Lock releases it.
// Shape: release split between caller and callee.
#include <cstdio>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Lock lock("lock");

void finish() { std::puts("finishing"); }

int main() {
  corpus_deadline_ms(1000);
  weft::Thread worker(
      [] {
        lock.acquire();
        finish();
        lock.release();
      },
      "worker");
  worker.start();
  worker.join();
  std::printf("locked at exit: %d\n", lock.locked());
  return 0;
}
