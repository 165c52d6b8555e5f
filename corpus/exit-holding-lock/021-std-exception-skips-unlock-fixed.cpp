// exit-holding-lock, std flavour: a worker converts strings to numbers under a mutex locked by
// hand and catches errors at its top level.
// Fix: a std::lock_guard releases the mutex during stack unwinding.
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
    std::lock_guard<std::mutex> lk(mu);
    sum += std::stoi(items[i]);
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
