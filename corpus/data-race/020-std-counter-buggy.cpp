// data-race, std flavour: two threads increment a shared counter 10000 times each.
// Bug: `counter += 1` is a read-modify-write without synchronisation: increments are lost
// and the behaviour is undefined.
// Shape: the tutorial's counter (task 3) with the lock forgotten.
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

long counter = 0;

void increment() {
  for (int i = 0; i < 10000; ++i) {
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
