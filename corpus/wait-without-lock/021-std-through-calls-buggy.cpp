// wait-without-lock, std flavour, through calls: a reader takes the lock, logs outside it, and
// calls wait_ready() to wait for data.
// Bug: the reader unlocked its guard to log and passes the unlocked guard to wait_ready(),
// which waits without the mutex (undefined behaviour; on glibc the reader returns holding the
// mutex behind the guard's back and ends still holding it).
// Shape: a guard unlocked for slow I/O and not re-locked before a helper waits on it.
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

void wait_ready(std::unique_lock<std::mutex>& lk) {
  while (!ready) cv.wait(lk);
}

int main() {
  corpus_deadline_ms(1000);
  std::thread reader([] {
    std::unique_lock<std::mutex> lk(mu);
    lk.unlock();
    std::puts("reader: waiting for data");
    wait_ready(lk);
    std::puts("reader: data ready");
  });
  std::this_thread::sleep_for(20ms);
  {
    std::lock_guard<std::mutex> lk(mu);
    ready = true;
    cv.notify_all();
  }
  reader.join();
  return 0;
}
