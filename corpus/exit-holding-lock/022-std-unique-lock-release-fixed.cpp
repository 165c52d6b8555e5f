// exit-holding-lock, std flavour, in a class: Counter::bump() takes a std::unique_lock and
// lets go of it before returning.
// Fix: lk.unlock() (or just let the guard's destructor unlock).
// Shape: release() read as "release the lock", found in code reviews.
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

class Counter {
 public:
  int bump() {
    std::unique_lock<std::mutex> lk(mu_);
    int v = ++n_;
    lk.unlock();
    return v;
  }

 private:
  std::mutex mu_;
  int n_ = 0;
};

int main() {
  corpus_deadline_ms(1000);
  Counter c;
  std::thread t([&c] { std::printf("bumped to %d\n", c.bump()); });
  t.join();
  return 0;
}
