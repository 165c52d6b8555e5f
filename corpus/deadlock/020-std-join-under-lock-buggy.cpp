// deadlock, std flavour: main starts a worker that records its result under a mutex, then
// joins it.
// Bug: main joins while holding the mutex; the worker blocks on the mutex, main blocks on the
// join: a wait-for cycle (main -> worker -> mutex held by main). Exit 86 from the deadline.
// Shape: join under a lock, a frequent shutdown deadlock.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

std::mutex results_mu;
int result = 0;

int main() {
  corpus_deadline_ms(1000);
  std::thread worker([] {
    std::this_thread::sleep_for(10ms);
    std::lock_guard<std::mutex> lk(results_mu);
    result = 7;
  });
  std::lock_guard<std::mutex> lk(results_mu);
  worker.join();
  std::printf("result %d\n", result);
  return 0;
}
