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

// ---- The program's own coroutine machinery: a lazy task and a single-threaded event loop ----
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
Loop loop;

// co_await async_sleep(d): suspends only this task; the loop resumes it when the timer is due.
struct [[nodiscard]] Sleep {
  Clock::duration d;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const { loop.post_at(Clock::now() + d, h); }
  void await_resume() const noexcept {}
};
Sleep async_sleep(Clock::duration d) { return Sleep{d}; }
// ---- end of the machinery ----

std::mutex jobs_mu;
std::deque<int> pending = {3, 5, 7, 9};
std::vector<int> done;

Task worker() {
  for (;;) {
    std::unique_lock lk(jobs_mu);
    if (pending.empty()) break;
    int job = pending.front();
    pending.pop_front();
    lk.unlock();
    co_await async_sleep(1ms);  // processes the job, jobs_mu free
    lk.lock();
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
