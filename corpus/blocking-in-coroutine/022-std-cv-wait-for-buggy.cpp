// blocking-in-coroutine, std flavour: an event loop runs a request handler that needs the
// configuration and a loader task that loads it and signals that it is ready.
// Bug: the handler waits for the signal on a std::condition_variable (with a 50 ms timeout as a
// safety net). The wait blocks the loop's only thread, so the loader, a task of the same loop,
// cannot run: the wait always times out and the handler falls back to the default port.
// Fix: an awaitable event of the loop; waiting on it suspends only the handler.
#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstdio>
#include <deque>
#include <exception>
#include <thread>
#include <utility>
#include <vector>
#include <condition_variable>
#include <mutex>

#include "corpus_deadline.h"

#include "corpus_coro.h"  // the task, the loop and async_sleep
std::mutex config_mu;
std::condition_variable config_cv;
bool config_loaded = false;
int config_port = 0;

Task handle_requests() {
  {
    std::unique_lock lk(config_mu);
    // blocks the loop's thread: load_config cannot run, the wait times out
    if (!config_cv.wait_for(lk, 50ms, [] { return config_loaded; }))
      std::printf("config not loaded in time, using defaults\n");
  }
  std::printf("serving on port %d\n", config_port != 0 ? config_port : 80);
  co_await async_sleep(1ms);  // serves the first request
}

Task load_config() {
  co_await async_sleep(1ms);  // reads the file
  std::lock_guard g(config_mu);
  config_port = 8080;
  config_loaded = true;
  config_cv.notify_all();
}

int main() {
  corpus_deadline_ms(2000);
  loop.spawn(handle_requests());
  loop.spawn(load_config());
  loop.run();
  return 0;
}
