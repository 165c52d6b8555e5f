// deadlock, std flavour: main starts a worker that records its result under a mutex, then
// joins it.
// Fix: main releases the mutex before joining.
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
  worker.join();
  std::lock_guard<std::mutex> lk(results_mu);
  std::printf("result %d\n", result);
  return 0;
}
