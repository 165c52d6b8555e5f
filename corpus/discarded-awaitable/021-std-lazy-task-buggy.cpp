// discarded-awaitable, std flavour: an event loop runs a request handler that, after each
// request, flushes its log with a sub-task (a lazy Task: it starts only when awaited), and a
// ticker task.
// Bug: the handler calls `flush_log();` as a statement: the lazy task is made and destroyed
// without ever running, so nothing is flushed (the program ends with the log still pending).
// Fix: co_await flush_log().
#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstdio>
#include <deque>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

#include "corpus_deadline.h"

#include "corpus_coro.h"  // the task, the loop and async_sleep

std::vector<int> pending_log;
int flushed = 0;

Task flush_log() {
  co_await async_sleep(1ms);  // writes the lines out
  flushed += static_cast<int>(pending_log.size());
  pending_log.clear();
}

Task handle_requests() {
  for (int id = 1; id <= 3; ++id) {
    co_await async_sleep(1ms);  // reads the request
    pending_log.push_back(id);
    flush_log();  // a lazy task, made and dropped: it never runs
  }
}

Task ticker() {
  for (int i = 0; i < 4; ++i) co_await async_sleep(1ms);
}

int main() {
  corpus_deadline_ms(2000);
  loop.spawn(handle_requests());
  loop.spawn(ticker());
  loop.run();
  std::printf("%d log lines flushed, %zu still pending\n", flushed, pending_log.size());
  return 0;
}
