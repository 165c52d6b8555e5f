// lost-wakeup, std flavour: a waiter polls a `ready` flag and, while it is false, waits on a
// condition variable; a setter raises the flag and notifies under the mutex.
// Bug: the waiter checks the flag before taking the mutex. The setter runs in the gap, its
// notification finds no waiter, and the waiter then waits for a change that already
// happened: it blocks forever (exit 86 from the deadline).
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

void preempted_here() {  // an unlucky preemption: the setter runs to completion here
  if (checked.try_wait()) return;
  checked.count_down();
  announced.wait();
}

int main() {
  corpus_deadline_ms(1000);
  std::thread setter([] {
    checked.wait();
    {
      std::lock_guard<std::mutex> lk(mu);
      ready = true;
      cv.notify_all();
    }
    announced.count_down();
  });
  while (!ready) {
    preempted_here();
    std::unique_lock<std::mutex> lk(mu);
    cv.wait(lk);
  }
  std::puts("ready");
  setter.join();
  return 0;
}
