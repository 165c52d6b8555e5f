// unowned-release, weft flavour: a worker takes a Lock, calls finish(), and releases the Lock.
// Bug: finish() also releases it, so the worker's release() finds it unlocked: weft raises
// RuntimeError (as Python does), reported for the thread; the program goes on.
// Shape: release split between caller and callee.
#include <cstdio>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Lock lock("lock");

void finish() {
  std::puts("finishing");
  lock.release();
}

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
