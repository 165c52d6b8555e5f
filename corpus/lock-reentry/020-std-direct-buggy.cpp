// lock-reentry, std flavour, direct: a worker thread adds to a balance under a std::mutex and
// then runs an audit block.
// Bug: the audit block, pasted from another function, locks the same std::mutex again while
// the lock_guard still holds it: std::mutex is not reentrant, the thread blocks on itself
// forever (the program ends with exit 86 from its deadline).
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
    {
      std::lock_guard<std::mutex> audit(mu);
      std::printf("audit: balance %d\n", balance);
    }
  });
  worker.join();
  return 0;
}
