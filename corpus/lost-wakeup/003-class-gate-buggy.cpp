// lost-wakeup, weft flavour, in a class: Gate lets guests through once opened.
// Bug: open() only notifies and records nothing; a guest arriving after it waits forever
// (exit 86).
// Shape: an event implemented as a bare notify.
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

class Gate {
 public:
  void open() {
    std::lock_guard<weft::Condition> with(cond_);
    cond_.notify_all();
  }
  void pass() {
    std::lock_guard<weft::Condition> with(cond_);
    cond_.wait();
  }

 private:
  weft::Condition cond_{"gate"};
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
