// Correct program (any finding is a false positive), std flavour: the else-break drain loop of
// 004-drain-else-break.cpp with std::mutex and std::condition_variable. The wait is the last
// arm of an if / else-if / else chain inside `for (;;)`, which re-checks everything after each
// wake-up, so it is correct without a `while (empty)` around it. Manifest: "chaos": true.
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

std::mutex mu;
std::condition_variable cv;
std::deque<int> jobs;
bool closed = false;
long long total = 0;

void worker() {
  std::unique_lock<std::mutex> lk(mu);
  for (;;) {
    if (!jobs.empty()) {
      total += jobs.front();
      jobs.pop_front();
    } else if (closed) {
      break;
    } else {
      cv.wait(lk);
    }
  }
}

int main() {
  corpus_deadline_ms(3000);
  std::thread a(worker), b(worker), c(worker);
  long long expected = 0;
  for (int i = 1; i <= 300; ++i) {
    std::lock_guard<std::mutex> hold(mu);
    jobs.push_back(i);
    expected += i;
    cv.notify_one();
  }
  {
    std::lock_guard<std::mutex> hold(mu);
    closed = true;
    cv.notify_all();
  }
  a.join();
  b.join();
  c.join();
  std::printf("drained %lld of %lld\n", total, expected);
  return total == expected ? 0 : 1;
}
