// deadlock, weft flavour: main waits on a Condition until a loader has run; the loader rejects
// its input.
// Bug: the error path returns without setting `done` or notifying: main waits for a
// notification no thread can send (exit 86).
// Shape: a condition with no possible notifier.
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Condition cond("loaded");
bool done = false, failed = false;

void load(int input) {
  std::lock_guard<weft::Condition> with(cond);
  if (input < 0) {
    return;
  }
  done = true;
  cond.notify_all();
}

int main() {
  corpus_deadline_ms(1000);
  weft::Thread loader([] { load(-1); }, "loader");
  loader.start();
  {
    std::lock_guard<weft::Condition> with(cond);
    while (!done) cond.wait();
  }
  std::printf("loaded, failed=%d\n", failed);
  loader.join();
  return 0;
}
