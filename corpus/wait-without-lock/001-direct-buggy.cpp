// wait-without-lock, weft flavour: a worker waits on a Condition for a start flag.
// Bug: it calls wait() without holding the Condition: weft raises RuntimeError (as Python
// does: "cannot wait on un-acquired lock"), reported for the thread.
// Shape: wait() outside the with block and outside a re-checking loop (wait-not-in-loop too).
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Condition cond("start");
bool started = false;

int main() {
  corpus_deadline_ms(1000);
  weft::Thread worker(
      [] {
        cond.wait(0.2);
        std::puts("worker: going");
      },
      "worker");
  worker.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  {
    std::lock_guard<weft::Condition> with(cond);
    started = true;
    cond.notify_all();
  }
  worker.join();
  return 0;
}
