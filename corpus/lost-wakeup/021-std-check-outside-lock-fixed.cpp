// lost-wakeup, std flavour: a waiter polls a `ready` flag and, while it is false, waits on a
// condition variable; a setter raises the flag and notifies under the mutex.
// Fix: check the flag under the mutex, in the loop around wait().
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
  {
    std::unique_lock<std::mutex> lk(mu);
    while (!ready) cv.wait(lk);
  }
  std::puts("ready");
  setter.join();
  return 0;
}
