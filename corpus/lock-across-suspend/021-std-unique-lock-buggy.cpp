// lock-across-suspend, std flavour: an event loop runs a worker task that takes jobs from a
// queue guarded by a std::mutex, processes each one asynchronously and records the result; a
// monitor thread samples the results under the same mutex, and a second task ticks meanwhile.
// Bug: the worker's std::unique_lock is still locked at the co_await that processes the job:
// the mutex is held while the task is suspended, and the monitor thread blocks meanwhile.
// Fix: lk.unlock() before the co_await, lk.lock() again to record the result.
#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstdio>
#include <deque>
#include <exception>
#include <thread>
#include <utility>
#include <vector>
#include <mutex>

#include "corpus_deadline.h"

#include "corpus_coro.h"  // the task, the loop and async_sleep

std::mutex jobs_mu;
std::deque<int> pending = {3, 5, 7, 9};
std::vector<int> done;

Task worker() {
  for (;;) {
    std::unique_lock lk(jobs_mu);
    if (pending.empty()) break;
    int job = pending.front();
    pending.pop_front();
    co_await async_sleep(1ms);  // processes the job with jobs_mu held
    done.push_back(job * job);
  }
}

Task ticker() {
  for (int i = 0; i < 4; ++i) co_await async_sleep(1ms);
}

void monitor() {  // a plain thread
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(1ms);
    std::lock_guard<std::mutex> g(jobs_mu);
    std::printf("monitor: %zu done, %zu pending\n", done.size(), pending.size());
  }
}

int main() {
  corpus_deadline_ms(2000);
  std::thread m(monitor);
  loop.spawn(worker());
  loop.spawn(ticker());
  loop.run();
  m.join();
  int sum = 0;
  for (int r : done) sum += r;
  std::printf("%zu jobs, results sum %d\n", done.size(), sum);
  return 0;
}
