// deadlock, std flavour: main locks the results, starts a worker that records its result under
// the same mutex, then joins it.
// Bug: main joins while holding the mutex; the worker blocks on the mutex, main blocks on the
// join: a wait-for cycle (main -> worker -> mutex held by main). Exit 86 from the deadline.
// Shape: join under a lock, a frequent shutdown deadlock.
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

std::mutex results_mu;
int result = 0;

void work() {
  std::lock_guard<std::mutex> lk(results_mu);
  result = 7;
}

int main() {
  corpus_deadline_ms(1000);
  std::lock_guard<std::mutex> lk(results_mu);
  std::thread worker(work);
  worker.join();
  std::printf("result %d\n", result);
  return 0;
}
