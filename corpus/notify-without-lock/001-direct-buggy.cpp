// notify-without-lock, weft flavour: a worker sets a flag and notifies a waiting main thread.
// Bug: notify() without holding the Condition: weft raises RuntimeError ("cannot notify on
// un-acquired lock"), so main is never woken; it gives up after its 200 ms timeout.
// Shape: a notify outside the with block.
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Condition cond("ready");
bool ready = false;

int main() {
  corpus_deadline_ms(1000);
  weft::Thread worker(
      [] {
        ready = true;
        cond.notify();
      },
      "worker");
  std::lock_guard<weft::Condition> with(cond);
  worker.start();
  bool ok = cond.wait_for([] { return ready; }, 0.2);
  std::printf("worker ready: %d\n", ok);
  worker.join();
  return 0;
}
