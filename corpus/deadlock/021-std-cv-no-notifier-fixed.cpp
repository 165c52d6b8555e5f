// deadlock, std flavour: main waits for a loader thread to fill a table; the loader rejects
// its input.
// Fix: the loader publishes `done` (with an error flag) on every path.
// Shape: a condition with no possible notifier, as in error-path hangs of loaders and RPCs.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

std::mutex mu;
std::condition_variable cv;
bool done = false;
bool failed = false;

void load(int input) {
  if (input < 0) {
    std::lock_guard<std::mutex> lk(mu);
    failed = true;
    done = true;
    cv.notify_all();
    return;
  }
  std::lock_guard<std::mutex> lk(mu);
  done = true;
  cv.notify_all();
}

int main() {
  corpus_deadline_ms(1000);
  std::thread loader(load, -1);
  {
    std::unique_lock<std::mutex> lk(mu);
    while (!done) cv.wait(lk);
  }
  std::printf("loaded, failed=%d\n", failed);
  loader.join();
  return 0;
}
