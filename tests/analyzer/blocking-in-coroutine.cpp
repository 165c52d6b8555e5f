// Cases for blocking-in-coroutine: blocking calls made by a coroutine itself (positives), and the
// same calls where they block no event loop (negatives that must stay silent).
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <future>
#include <mutex>
#include <thread>
#include <unistd.h>

// A minimal task type and awaitables, standing in for weft::aio (or asio, cppcoro, ...).
struct Task {
  struct promise_type {
    Task get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() {}
  };
};
struct Sleep {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  void await_resume() const noexcept {}
};
Sleep async_sleep(double);
template <class F>
Sleep to_thread(F f) {
  (void)f;
  return {};
}

namespace weft {
class Lock {
 public:
  bool acquire(bool blocking = true, double timeout = -1);
  void release();
};
}  // namespace weft

std::mutex mu;
std::condition_variable cv;
bool ready = false;
weft::Lock wl;

// ---- positives ---------------------------------------------------------------------------

// The tutorial's "blocking the event loop": time.sleep(1) instead of await asyncio.sleep(1).
Task handler() {
  std::this_thread::sleep_for(std::chrono::seconds(1));
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'std::this_thread::sleep_for' sleeps in coroutine 'handler', blocking its thread: every task of the event loop waits with it [blocking-in-coroutine]
  // CHECK-NOTES: :[[@LINE-2]]:3: note: co_await weft::aio::sleep(seconds) suspends only this task
  co_await async_sleep(0.1);
}

Task poll_sensor() {
  for (int i = 0; i < 3; ++i) {
    co_await async_sleep(0.1);
    ::usleep(1000);
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'usleep' sleeps in coroutine 'poll_sensor', blocking its thread: every task of the event loop waits with it [blocking-in-coroutine]
    // CHECK-NOTES: :[[@LINE-2]]:5: note: co_await weft::aio::sleep(seconds) suspends only this task
  }
}

Task wait_for_result(std::future<int> f) {
  int v = f.get();
  // CHECK-MESSAGES: :[[@LINE-1]]:11: warning: 'std::future<int>::get' waits for a future in coroutine 'wait_for_result', blocking its thread: every task of the event loop waits with it [blocking-in-coroutine]
  // CHECK-NOTES: :[[@LINE-2]]:11: note: run the blocking work with co_await weft::aio::to_thread(f) instead
  (void)v;
  co_return;
}

Task consumer() {
  std::unique_lock lk(mu);
  cv.wait(lk, [] { return ready; });
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'std::condition_variable::wait' waits on a condition variable in coroutine 'consumer', blocking its thread: every task of the event loop waits with it [blocking-in-coroutine]
  // CHECK-NOTES: :[[@LINE-2]]:3: note: co_await cond.wait() on a weft::aio::Condition suspends only this task
  co_return;
}

Task take_thread_lock() {
  wl.acquire();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'weft::Lock::acquire' waits for a thread lock in coroutine 'take_thread_lock', blocking its thread: every task of the event loop waits with it [blocking-in-coroutine]
  // CHECK-NOTES: :[[@LINE-2]]:3: note: take a weft::aio::Lock with co_await lock.acquire(), or hold the thread lock only where nothing can block on it
  wl.release();
  co_return;
}

// A chrono literal: libstdc++'s integer ones are literal operator templates (no cooked value).
Task heartbeat_sleep() {
  using namespace std::chrono_literals;
  std::this_thread::sleep_for(3ms);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'std::this_thread::sleep_for' sleeps in coroutine 'heartbeat_sleep', blocking its thread: every task of the event loop waits with it [blocking-in-coroutine]
  // CHECK-NOTES: :[[@LINE-2]]:3: note: co_await weft::aio::sleep(seconds) suspends only this task
  std::this_thread::sleep_for(10'000us);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'std::this_thread::sleep_for' sleeps in coroutine 'heartbeat_sleep', blocking its thread: every task of the event loop waits with it [blocking-in-coroutine]
  // CHECK-NOTES: :[[@LINE-2]]:3: note: co_await weft::aio::sleep(seconds) suspends only this task
  co_await async_sleep(0.1);
}

auto lambda_coroutine = []() -> Task {
  std::thread t([] {});
  t.join();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'std::thread::join' waits for a thread in a coroutine lambda, blocking its thread: every task of the event loop waits with it [blocking-in-coroutine]
  // CHECK-NOTES: :[[@LINE-2]]:3: note: run the blocking work with co_await weft::aio::to_thread(f) instead
  co_return;
};

// ---- negatives ---------------------------------------------------------------------------

// Not a coroutine: an ordinary function may block its own thread.
void worker() {
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::lock_guard g(mu);
}

// The blocking work handed to another thread: the lambda is a function of its own.
Task offload() {
  co_await to_thread([] { std::this_thread::sleep_for(std::chrono::seconds(1)); });
}

// Polls: a wait of zero returns at once.
Task poll_future(std::future<int> f) {
  while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) co_await async_sleep(0.01);
  using namespace std::chrono_literals;
  if (f.wait_for(0ms) == std::future_status::ready) co_return;
  if (f.wait_for(0'000us) == std::future_status::ready) co_return;
  if (f.wait_for(0x0s) == std::future_status::ready) co_return;
  if (f.wait_for(0.0s) == std::future_status::ready) co_return;
}

// weft::Lock::acquire(false) tries and returns.
Task try_thread_lock() {
  if (wl.acquire(false)) wl.release();
  co_return;
}

// A short critical section under a lock_guard blocks only while another thread holds the lock
// (reported by lock-across-suspend when it spans a co_await, not here).
Task short_section() {
  {
    std::lock_guard g(mu);
    ready = true;
  }
  co_await async_sleep(0);
}
