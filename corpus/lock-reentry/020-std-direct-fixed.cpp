// lock-reentry, std flavour, direct: a worker thread adds to a balance under a std::mutex and
// then runs an audit block.
// Fix: the audit block runs under the lock already held; it takes no second lock.
// Shape: direct re-acquisition in one function, as found when critical sections are merged.
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

std::mutex mu;
int balance = 0;

int main() {
  corpus_deadline_ms(1000);
  std::thread worker([] {
    std::lock_guard<std::mutex> lk(mu);
    balance += 10;
    { std::printf("audit: balance %d\n", balance); }
  });
  worker.join();
  return 0;
}
