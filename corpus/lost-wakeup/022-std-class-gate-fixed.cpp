// lost-wakeup, std flavour, in a class: Gate lets guests pass once it is opened.
// Fix: the gate keeps an `open_` state under its mutex; pass() waits while it is false.
// Shape: an event implemented as a bare notify, a common lost-wakeup in bug reports.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

class Gate {
 public:
  void open() {
    std::lock_guard<std::mutex> lk(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void pass() {
    std::unique_lock<std::mutex> lk(mu_);
    while (!open_) cv_.wait(lk);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

int main() {
  corpus_deadline_ms(1000);
  Gate gate;
  gate.open();
  std::thread guest([&gate] {
    gate.pass();
    std::puts("guest passed");
  });
  guest.join();
  return 0;
}
