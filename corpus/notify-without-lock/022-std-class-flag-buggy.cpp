// notify-without-lock, std flavour, in a class: Flag lets threads wait until it is raised.
// Bug: raise() stores the flag and notifies without holding mu_, so a waiter that has checked
// the flag but not yet started waiting misses the wake-up.
// Shape: a small synchronisation class, as in bug reports about "lock-free" flags.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

class Flag {
 public:
  void raise() {
    raised_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lk(mu_);
    while (!raised_) cv_.wait(lk);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> raised_{false};
};

int main() {
  corpus_deadline_ms(1000);
  Flag shutdown;
  std::thread a([&] {
    shutdown.wait();
    std::puts("a: stopping");
  });
  std::thread b([&] {
    shutdown.wait();
    std::puts("b: stopping");
  });
  std::this_thread::sleep_for(20ms);
  shutdown.raise();
  a.join();
  b.join();
  return 0;
}
