// exit-holding-lock, weft flavour: a worker validates a batch between lock.acquire() and
// lock.release().
// Bug: an invalid batch returns early, skipping release(): the thread ends holding the Lock.
// Shape: manual acquire/release with an early return.
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Lock lock("batches");
int accepted = 0;

void validate(int batch) {
  lock.acquire();
  if (batch < 0) return;
  ++accepted;
  lock.release();
}

int main() {
  corpus_deadline_ms(1000);
  weft::Thread worker([] { validate(-1); }, "worker");
  worker.start();
  worker.join();
  std::printf("accepted %d\n", accepted);
  return 0;
}
