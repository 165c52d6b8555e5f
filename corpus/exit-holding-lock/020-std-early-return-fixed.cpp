// exit-holding-lock, std flavour: a worker validates a batch under a mutex locked by hand.
// Fix: a std::lock_guard releases the mutex on every path.
// Shape: early return leaking a manually taken lock.
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

std::mutex mu;
int accepted = 0;

void validate(int batch) {
  std::lock_guard<std::mutex> lk(mu);
  if (batch < 0) return;
  ++accepted;
}

int main() {
  corpus_deadline_ms(1000);
  std::thread t([] { validate(-1); });
  t.join();
  std::printf("accepted %d\n", accepted);
  return 0;
}
