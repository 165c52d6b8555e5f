// wait-without-lock, weft flavour, in a class: Latch counts down from 2; a waiter waits for 0.
// Bug: Latch::wait() waits on its Condition without holding it: RuntimeError in the waiter.
// Shape: a monitor method that skipped the lock and the re-checking loop (wait-not-in-loop too).
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

class Latch {
 public:
  explicit Latch(int n) : count_(n) {}
  void count_down() {
    std::lock_guard<weft::Condition> with(cond_);
    if (--count_ == 0) cond_.notify_all();
  }
  void wait() {
    cond_.wait(0.2);
  }

 private:
  weft::Condition cond_{"latch"};
  int count_;
};

int main() {
  corpus_deadline_ms(1000);
  Latch latch(2);
  weft::Thread waiter(
      [&latch] {
        latch.wait();
        std::puts("waiter: released");
      },
      "waiter");
  waiter.start();
  latch.count_down();
  latch.count_down();
  waiter.join();
  return 0;
}
