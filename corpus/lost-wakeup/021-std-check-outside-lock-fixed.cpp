// lost-wakeup, std flavour: a waiter polls a `ready` flag and, while it is false, waits on a
// condition variable; a setter raises the flag and notifies under the mutex.
// Fix: check the flag under the mutex, in the loop around wait(): there is no gap.
// Shape: check outside, wait inside. Two latches play an unlucky preemption in the gap, so the
// buggy program fails on every run.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <latch>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

std::mutex mu;
std::condition_variable cv;
std::atomic<bool> ready{false};
std::latch checked(1), announced(1);

int main() {
  corpus_deadline_ms(1000);
  std::thread setter([] {
    {
      std::lock_guard<std::mutex> lk(mu);
      ready = true;
      cv.notify_all();
    }
  });
  {
    std::unique_lock<std::mutex> lk(mu);
    while (!ready) cv.wait(lk);
  }
  std::puts("ready");
  setter.join();
  return 0;
}
