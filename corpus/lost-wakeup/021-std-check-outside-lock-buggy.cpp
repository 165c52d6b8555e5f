// lost-wakeup, std flavour: a waiter polls a `ready` flag and, while it is false, waits on a
// condition variable; a setter raises the flag and notifies under the mutex.
// Bug: the waiter checks the flag before taking the mutex. The setter runs in the gap, its
// notification finds no waiter, and the waiter then waits for a change that already
// happened: it blocks forever (exit 86 from the deadline).
// Shape: check outside, wait inside; the gap is widened with a sleep to fail on every run.
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
std::atomic<bool> ready{false};

int main() {
  corpus_deadline_ms(1000);
  std::thread setter([] {
    std::this_thread::sleep_for(10ms);
    std::lock_guard<std::mutex> lk(mu);
    ready = true;
    cv.notify_all();
  });
  while (!ready) {
    std::this_thread::sleep_for(30ms);  // the setter runs in this gap
    std::unique_lock<std::mutex> lk(mu);
    cv.wait(lk);
  }
  std::puts("ready");
  setter.join();
  return 0;
}
