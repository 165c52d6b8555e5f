// Cases for discarded-awaitable: the tutorial's forgotten `await` (`condition.wait()` without it
// returns a coroutine object and nothing waits), in C++ coroutines.
#include <coroutine>

// An eager, fire-and-forget task: discarding it is how it is used.
struct Detached {
  struct promise_type {
    Detached get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() {}
  };
};
// A lazy task (cppcoro, folly::coro, weft::aio style): it starts when awaited.
struct Lazy {
  struct promise_type {
    Lazy get_return_object() { return {}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() {}
  };
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  void await_resume() const noexcept {}
};
// A lazy task that is not itself awaitable (awaited through a free operator co_await elsewhere).
struct LazyNoAwait {
  struct promise_type {
    LazyNoAwait get_return_object() { return {}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() {}
  };
};
// An awaitable with no [[nodiscard]], as most libraries' are, and an asyncio-like Condition.
struct WaitOp {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  void await_resume() const noexcept {}
};
struct AsyncCondition {
  WaitOp wait();
  void notify(int n = 1);
  void notify_all();
};
struct Timer {
  struct Awaiter {
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept {}
  };
  Awaiter operator co_await() const noexcept { return {}; }
};
Timer sleep_for(double);

AsyncCondition cond;
bool ready = false;

Lazy fetch() { co_return; }
LazyNoAwait prefetch() { co_return; }
Detached log_async() { co_return; }

// ---- positives ---------------------------------------------------------------------------

// The tutorial's consumer, with the forgotten await.
Detached consumer() {
  while (!ready) {
    cond.wait();
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: the awaitable returned by 'AsyncCondition::wait' is discarded: nothing waits for it; a forgotten co_await? [discarded-awaitable]
    // CHECK-NOTES: :[[@LINE-2]]:5: note: co_await the value, or keep it and await it later
    // CHECK-FIXES: co_await cond.wait();
  }
  co_return;
}

Detached pipeline() {
  fetch();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: the awaitable returned by 'fetch' is discarded: nothing waits for it; a forgotten co_await? [discarded-awaitable]
  // CHECK-NOTES: :[[@LINE-2]]:3: note: co_await the value, or keep it and await it later
  // CHECK-FIXES: co_await fetch();
  (void)sleep_for(0.5);
  // CHECK-MESSAGES: :[[@LINE-1]]:9: warning: the awaitable returned by 'sleep_for' is discarded (cast to void): nothing waits for it; a forgotten co_await? [discarded-awaitable]
  // CHECK-NOTES: :[[@LINE-2]]:9: note: co_await the value, or keep it and await it later
  co_await fetch();
}

// A lazy task discarded in an ordinary function never runs.
void start_prefetch() {
  prefetch();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: the task returned by coroutine 'prefetch' is discarded: it starts only when awaited, so it never runs; a forgotten co_await? [discarded-awaitable]
  // CHECK-NOTES: :[[@LINE-2]]:3: note: outside a coroutine, run it with weft::aio::run(...), or keep it and await it from a coroutine
}

// ---- negatives ---------------------------------------------------------------------------

Detached awaited() {
  co_await cond.wait();
  co_await fetch();
  co_await sleep_for(0.1);
  auto later = fetch();  // kept, awaited below
  co_await later;
  cond.notify_all();     // not awaitable
}

// An eager fire-and-forget task.
void fire() { log_async(); }

// An assignment returns a reference to a task that is kept: nothing is dropped.
Detached reassign() {
  Lazy t = fetch();
  t = fetch();
  co_await t;
}
