// notify-without-lock, weft flavour, in a class: Flag::raise() wakes the threads in wait().
// Bug: raise() notifies without holding the Condition: RuntimeError; the waiter times out.
// Shape: a small synchronisation class.
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

class Flag {
 public:
  void raise() {
    raised_ = true;
    cond_.notify_all();
  }
  bool wait(double timeout) {
    std::lock_guard<weft::Condition> with(cond_);
    return cond_.wait_for([this] { return raised_; }, timeout);
  }

 private:
  weft::Condition cond_{"flag"};
  bool raised_ = false;
};

int main() {
  corpus_deadline_ms(1000);
  Flag stop;
  weft::Thread waiter([&stop] { std::printf("stopped: %d\n", stop.wait(0.2)); }, "waiter");
  waiter.start();
  weft::Thread raiser([&stop] { stop.raise(); }, "raiser");
  raiser.start();
  raiser.join();
  waiter.join();
  return 0;
}
