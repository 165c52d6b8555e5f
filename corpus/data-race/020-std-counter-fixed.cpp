// data-race, std flavour: two threads increment a shared counter 10000 times each.
// Fix: each increment happens under a std::mutex, as in the tutorial's task 3.
// Shape: the tutorial's counter (task 3) with the lock forgotten.
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

std::mutex mu;
long counter = 0;

void increment() {
  for (int i = 0; i < 10000; ++i) {
    std::lock_guard<std::mutex> lk(mu);
    counter += 1;
  }
}

int main() {
  corpus_deadline_ms(1000);
  std::thread a(increment), b(increment);
  a.join();
  b.join();
  std::printf("final count %ld\n", counter);
  return 0;
}
