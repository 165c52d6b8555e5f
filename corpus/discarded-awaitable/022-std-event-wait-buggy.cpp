// discarded-awaitable, std flavour: an event loop runs a consumer that must wait until the
// loader task has filled the configuration, signalled through an event of the loop whose
// wait() returns an awaitable (asyncio's Event.wait).
// Bug: the consumer calls `config_ready.wait();` without co_await (asyncio's forgotten await):
// the wait is made and dropped, nothing suspends, and the consumer reads the configuration
// before it is loaded (port 0).
// Fix: co_await config_ready.wait().
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

Event config_ready;
int config_port = 0;

Task consumer() {
  config_ready.wait();  // made and dropped: nothing waits
  std::printf("connecting to port %d\n", config_port);
  co_await async_sleep(1ms);  // connects
}

Task loader() {
  co_await async_sleep(1ms);  // reads the file
  config_port = 8080;
  config_ready.set();
}

int main() {
  corpus_deadline_ms(2000);
  loop.spawn(consumer());
  loop.spawn(loader());
  loop.run();
  return 0;
}
