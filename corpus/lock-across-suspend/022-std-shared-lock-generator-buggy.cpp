// lock-across-suspend, std flavour: a generator yields the prices of a table guarded by a
// std::shared_mutex; a task of the event loop sums them one by one, yielding to the loop between
// items, while a writer thread appends a price under the exclusive lock.
// Bug: the generator holds a std::shared_lock across each co_yield: the read lock stays held
// while the generator is suspended (for as long as its consumer likes, or for ever if it is
// abandoned), and the writer thread waits for all of it.
// Fix: copy the table under the lock, release it, and yield from the copy.
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
#include <shared_mutex>

#include "corpus_deadline.h"

#include "corpus_coro.h"  // the task, the loop and async_sleep

// A generator: co_yield hands one value to the consumer and suspends until next() is called.
struct Generator {
  struct promise_type {
    int value = 0;
    Generator get_return_object() {
      return Generator{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    std::suspend_always yield_value(int v) noexcept {
      value = v;
      return {};
    }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
  explicit Generator(std::coroutine_handle<promise_type> h) : handle(h) {}
  Generator(Generator&& other) noexcept : handle(std::exchange(other.handle, {})) {}
  ~Generator() {
    if (handle) handle.destroy();
  }
  bool next() {
    handle.resume();
    return !handle.done();
  }
  int value() const { return handle.promise().value; }
  std::coroutine_handle<promise_type> handle;
};

std::shared_mutex table_mu;
std::vector<int> prices = {120, 80, 45, 300};

Generator all_prices() {
  std::shared_lock r(table_mu);
  for (int p : prices) co_yield p;  // suspends with the read lock held
}

Task total() {
  int sum = 0;
  for (Generator g = all_prices(); g.next();) {
    sum += g.value();
    co_await async_sleep(1ms);  // lets the other tasks of the loop run between items
  }
  std::printf("total %d\n", sum);
}

Task ticker() {
  for (int i = 0; i < 4; ++i) co_await async_sleep(1ms);
}

void writer() {  // a plain thread
  std::this_thread::sleep_for(1ms);
  std::unique_lock w(table_mu);
  prices.push_back(99);
}

int main() {
  corpus_deadline_ms(2000);
  std::thread t(writer);
  loop.spawn(total());
  loop.spawn(ticker());
  loop.run();
  t.join();
  std::printf("%zu prices\n", prices.size());
  return 0;
}
