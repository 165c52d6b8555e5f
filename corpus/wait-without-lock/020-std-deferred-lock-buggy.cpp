// wait-without-lock, std flavour: a worker waits for a start flag with a condition variable.
// Bug: the unique_lock is constructed with std::defer_lock and never locked, so cv.wait() runs
// without the mutex (undefined behaviour). On glibc the wait returns with the mutex locked
// behind the guard's back, and the worker then ends still holding it.
// Shape: a deferred guard whose lock() call was lost in a refactoring.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

std::mutex mu;
std::condition_variable cv;
std::atomic<bool> start{false};

int main() {
  corpus_deadline_ms(1000);
  std::thread worker([] {
    std::unique_lock<std::mutex> lk(mu, std::defer_lock);
    while (!start) cv.wait(lk);
    std::puts("worker started");
  });
  std::this_thread::sleep_for(20ms);
  {
    std::lock_guard<std::mutex> lk(mu);
    start = true;
    cv.notify_all();
  }
  worker.join();
  return 0;
}
