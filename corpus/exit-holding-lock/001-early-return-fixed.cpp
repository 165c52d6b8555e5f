// exit-holding-lock, weft flavour: a worker validates a batch between lock.acquire() and
// lock.release().
// Fix: `with lock` (a lock_guard) releases on every path.
// Shape: manual acquire/release with an early return.
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Lock lock("batches");
int accepted = 0;

void validate(int batch) {
  std::lock_guard<weft::Lock> with(lock);
  if (batch < 0) return;
  ++accepted;
}

int main() {
  corpus_deadline_ms(1000);
  weft::Thread worker([] { validate(-1); }, "worker");
  worker.start();
  worker.join();
  std::printf("accepted %d\n", accepted);
  return 0;
}
