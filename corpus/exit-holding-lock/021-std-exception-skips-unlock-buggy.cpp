// exit-holding-lock, std flavour: a worker converts strings to numbers under a mutex locked by
// hand and catches errors at its top level.
// Bug: std::stoi throws on bad input after lock() and before unlock(); the handler at the top
// of the thread swallows the exception and the thread ends holding the mutex.
// Shape: manual lock/unlock around throwing code (Python's acquire/release without
// try/finally, in C++).
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "corpus_deadline.h"

std::mutex mu;
long sum = 0;

void add_all(const char* const* items, int n) {
  for (int i = 0; i < n; ++i) {
    mu.lock();
    sum += std::stoi(items[i]);
    mu.unlock();
  }
}

int main() {
  corpus_deadline_ms(1000);
  std::thread t([] {
    const char* items[] = {"1", "2", "three"};
    try {
      add_all(items, 3);
    } catch (const std::invalid_argument&) {
      std::puts("bad number skipped");
    }
  });
  t.join();
  std::printf("sum %ld\n", sum);
  return 0;
}
