// Correct program (any finding is a false positive), weft flavour: three workers drain a job
// queue until the producer closes it. Each worker's loop is an if / else-if / else chain:
//   take a job if there is one; else stop (`break`) if the queue is closed; else wait.
// The wait sits under `else`, not under `while (empty)`, yet it is correct: the enclosing
// `for (;;)` re-evaluates the whole chain after every wake-up, spurious or not (the shape of
// leveldb's MakeRoomForWrite). `weft lint` must not report it, and under `weft run --chaos`
// every injected spurious wake-up leads to another wait, so the dynamic check stays silent too.
// Manifest: "chaos": true so that the scorer runs it under chaos.
#include <cstdio>
#include <deque>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Condition jobs_cond("jobs");
std::deque<int> jobs;
bool closed = false;
long long total = 0;

void worker() {
  std::lock_guard<weft::Condition> hold(jobs_cond);
  for (;;) {
    if (!jobs.empty()) {
      total += jobs.front();
      jobs.pop_front();
    } else if (closed) {
      break;
    } else {
      jobs_cond.wait();
    }
  }
}

int main() {
  corpus_deadline_ms(3000);
  weft::Thread a(worker, "worker-a"), b(worker, "worker-b"), c(worker, "worker-c");
  a.start();
  b.start();
  c.start();
  long long expected = 0;
  for (int i = 1; i <= 300; ++i) {
    std::lock_guard<weft::Condition> hold(jobs_cond);
    jobs.push_back(i);
    expected += i;
    jobs_cond.notify();
  }
  {
    std::lock_guard<weft::Condition> hold(jobs_cond);
    closed = true;
    jobs_cond.notify_all();
  }
  a.join();
  b.join();
  c.join();
  std::printf("drained %lld of %lld\n", total, expected);
  return total == expected ? 0 : 1;
}
