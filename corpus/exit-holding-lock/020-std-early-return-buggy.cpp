// exit-holding-lock, std flavour: a worker validates a batch under a mutex locked by hand.
// Bug: an invalid batch makes it return between lock() and unlock(): the thread ends holding
// the mutex, and any later locker would block forever.
// Shape: early return leaking a manually taken lock.
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

std::mutex mu;
int accepted = 0;

void validate(int batch) {
  mu.lock();
  if (batch < 0) return;
  ++accepted;
  mu.unlock();
}

int main() {
  corpus_deadline_ms(1000);
  std::thread t([] { validate(-1); });
  t.join();
  std::printf("accepted %d\n", accepted);
  return 0;
}
