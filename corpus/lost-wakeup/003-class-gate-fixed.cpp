// lost-wakeup, weft flavour, in a class: Gate lets guests through once opened.
// Fix: Gate keeps an `open_` flag under its Condition; pass() waits while it is false.
// Shape: an event implemented as a bare notify.
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

class Gate {
 public:
  void open() {
    std::lock_guard<weft::Condition> with(cond_);
    open_ = true;
    cond_.notify_all();
  }
  void pass() {
    std::lock_guard<weft::Condition> with(cond_);
    while (!open_) cond_.wait();
  }

 private:
  weft::Condition cond_{"gate"};
  bool open_ = false;
};

int main() {
  corpus_deadline_ms(1000);
  Gate gate;
  gate.open();
  weft::Thread guest(
      [&gate] {
        gate.pass();
        std::puts("guest passed");
      },
      "guest");
  guest.start();
  guest.join();
  return 0;
}
