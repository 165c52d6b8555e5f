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

#include "corpus_deadline.h"

#include "corpus_coro.h"  // the task, the loop and async_sleep
// An event of the loop: wait() returns an awaitable that suspends the task until set().
class Event {
 public:
  struct Wait {
    Event& e;
    bool await_ready() const noexcept { return e.set_; }
    void await_suspend(std::coroutine_handle<> h) { e.waiters_.push_back(h); }
    void await_resume() const noexcept {}
  };
  Wait wait() { return Wait{*this}; }
  void set() {
    set_ = true;
    for (std::coroutine_handle<> h : waiters_) loop.post(h);
    waiters_.clear();
  }

 private:
  bool set_ = false;
  std::vector<std::coroutine_handle<>> waiters_;
};
Event config_loaded;
int config_port = 0;

Task handle_requests() {
  co_await config_loaded.wait();  // suspends only this task
  std::printf("serving on port %d\n", config_port != 0 ? config_port : 80);
  co_await async_sleep(1ms);  // serves the first request
}

Task load_config() {
  co_await async_sleep(1ms);  // reads the file
  config_port = 8080;
  config_loaded.set();
}

int main() {
  corpus_deadline_ms(2000);
  loop.spawn(handle_requests());
  loop.spawn(load_config());
  loop.run();
  return 0;
}
