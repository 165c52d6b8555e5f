// corpus_coro.h: the coroutine machinery of the std-flavour coroutine programs (issue 18): a lazy
// task, a single-threaded event loop (a ready queue and a timer list, run on the calling thread)
// and an awaitable sleep. Plain C++20, no weft: what a program that rolls its own loop has.
#pragma once

#include <algorithm>
#include <chrono>
#include <coroutine>
#include <deque>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A lazy task: it starts when the loop runs it, or when awaited (then it resumes its awaiter).
struct Task {
  struct promise_type {
    std::coroutine_handle<> continuation = std::noop_coroutine();
    Task get_return_object() { return Task{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct Final {
      bool await_ready() const noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        return h.promise().continuation;
      }
      void await_resume() const noexcept {}
    };
    Final final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
  explicit Task(std::coroutine_handle<promise_type> h) : handle(h) {}
  Task(Task&& other) noexcept : handle(std::exchange(other.handle, {})) {}
  ~Task() {
    if (handle) handle.destroy();
  }
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter) noexcept {
    handle.promise().continuation = awaiter;
    return handle;
  }
  void await_resume() const noexcept {}
  std::coroutine_handle<promise_type> handle;
};

// The event loop: a ready queue and a timer list, run on the calling thread.
class Loop {
 public:
  void spawn(Task t) {
    ready_.push_back(t.handle);
    tasks_.push_back(std::move(t));
  }
  void post(std::coroutine_handle<> h) { ready_.push_back(h); }
  void post_at(Clock::time_point when, std::coroutine_handle<> h) { timers_.push_back({when, h}); }
  void run() {
    while (!ready_.empty() || !timers_.empty()) {
      for (auto it = timers_.begin(); it != timers_.end();) {  // due timers become ready
        if (it->when <= Clock::now()) {
          ready_.push_back(it->h);
          it = timers_.erase(it);
        } else {
          ++it;
        }
      }
      if (ready_.empty()) {  // nothing to run: the loop itself waits for its next timer
        auto first = std::min_element(timers_.begin(), timers_.end(),
                                      [](const Timer& a, const Timer& b) { return a.when < b.when; });
        std::this_thread::sleep_until(first->when);
        continue;
      }
      std::coroutine_handle<> h = ready_.front();
      ready_.pop_front();
      h.resume();
    }
    tasks_.clear();
  }

 private:
  struct Timer {
    Clock::time_point when;
    std::coroutine_handle<> h;
  };
  std::deque<std::coroutine_handle<>> ready_;
  std::vector<Timer> timers_;
  std::vector<Task> tasks_;
};
inline Loop loop;

// co_await async_sleep(d): suspends only this task; the loop resumes it when the timer is due.
struct [[nodiscard]] Sleep {
  Clock::duration d;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const { loop.post_at(Clock::now() + d, h); }
  void await_resume() const noexcept {}
};
inline Sleep async_sleep(Clock::duration d) { return Sleep{d}; }
