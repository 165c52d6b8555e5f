// Cases for lock-across-suspend: a thread lock held where a coroutine suspends (positives), and
// the shapes that release it first or hold no thread lock (negatives that must stay silent).
#include <coroutine>
#include <mutex>
#include <shared_mutex>

struct Task {
  struct promise_type {
    Task get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() {}
  };
};
struct Gen {
  struct promise_type {
    Gen get_return_object() { return {}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    std::suspend_always yield_value(int) noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() {}
  };
};
struct Io {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  int await_resume() const noexcept { return 0; }
};
Io read_socket();

namespace weft {
class Lock {
 public:
  bool acquire(bool blocking = true, double timeout = -1);
  void release();
};
namespace aio {
// A lock made for tasks: its guard is not a thread lock.
class Lock {
 public:
  struct Scope {
    ~Scope();
  };
  Io acquire();
};
}  // namespace aio
}  // namespace weft

std::mutex mu;
std::shared_mutex rw;
weft::Lock wl;
int shared_state = 0;

// ---- positives ---------------------------------------------------------------------------

Task update_after_read() {
  std::lock_guard<std::mutex> g(mu);
  int v = co_await read_socket();
  // CHECK-MESSAGES: :[[@LINE-1]]:11: warning: thread lock 'g' (a std::lock_guard<std::mutex>) is held across this co_await in coroutine 'update_after_read': the coroutine may resume on another thread, which then unlocks a mutex it does not own, or never, and the lock stays held [lock-across-suspend]
  // CHECK-NOTES: :[[@LINE-3]]:31: note: the lock is taken here; release it before suspending (end the guard's block), or use a lock made for tasks (weft::aio::Lock)
  shared_state = v;
}

Task relock_then_wait() {
  std::unique_lock lk(mu, std::defer_lock);
  co_await read_socket();  // not held yet: silent
  lk.lock();
  co_await read_socket();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: thread lock 'lk' (a std::unique_lock<std::mutex>) is held across this co_await in coroutine 'relock_then_wait': the coroutine may resume on another thread, which then unlocks a mutex it does not own, or never, and the lock stays held [lock-across-suspend]
  // CHECK-NOTES: :[[@LINE-3]]:3: note: the lock is taken here; release it before suspending (end the guard's block), or use a lock made for tasks (weft::aio::Lock)
}

Task explicit_lock() {
  mu.lock();
  co_await read_socket();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: thread lock 'mu' is held across this co_await in coroutine 'explicit_lock': the coroutine may resume on another thread, which then unlocks a mutex it does not own, or never, and the lock stays held [lock-across-suspend]
  // CHECK-NOTES: :[[@LINE-3]]:3: note: the lock is taken here; release it before suspending (end the guard's block), or use a lock made for tasks (weft::aio::Lock)
  mu.unlock();
}

Task weft_lock_in_loop() {
  for (int i = 0; i < 3; ++i) {
    wl.acquire();
    co_await read_socket();
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: thread lock 'wl' is held across this co_await in coroutine 'weft_lock_in_loop': the coroutine may resume on another thread, which then unlocks a mutex it does not own, or never, and the lock stays held [lock-across-suspend]
    // CHECK-NOTES: :[[@LINE-3]]:5: note: the lock is taken here; release it before suspending (end the guard's block), or use a lock made for tasks (weft::aio::Lock)
    wl.release();
  }
}

Gen values_under_read_lock() {
  std::shared_lock r(rw);
  for (int i = 0; i < 3; ++i) co_yield shared_state + i;
  // CHECK-MESSAGES: :[[@LINE-1]]:31: warning: thread lock 'r' (a std::shared_lock<std::shared_mutex>) is held across this co_yield in coroutine 'values_under_read_lock': the coroutine may resume on another thread, which then unlocks a mutex it does not own, or never, and the lock stays held [lock-across-suspend]
  // CHECK-NOTES: :[[@LINE-3]]:20: note: the lock is taken here; release it before suspending (end the guard's block), or use a lock made for tasks (weft::aio::Lock)
}

// ---- negatives ---------------------------------------------------------------------------

// The guard's block ends before the suspension.
Task scoped_first() {
  {
    std::lock_guard g(mu);
    ++shared_state;
  }
  co_await read_socket();
}

// Unlocked before suspending (also when only one path unlocks: precision first).
Task unlock_first() {
  std::unique_lock lk(mu);
  ++shared_state;
  lk.unlock();
  co_await read_socket();
  lk.lock();
  ++shared_state;
}

// A lock made for tasks, and a try that does not block.
Task task_lock(weft::aio::Lock& l) {
  co_await l.acquire();
  weft::aio::Lock::Scope s;
  co_await read_socket();
  if (wl.acquire(false)) wl.release();
  co_await read_socket();
}

// A lambda inside the coroutine is a function of its own.
Task lambda_inside() {
  auto f = [] {
    std::lock_guard g(mu);
    ++shared_state;
  };
  f();
  co_await read_socket();
}

// Not a coroutine.
int plain() {
  std::lock_guard g(mu);
  return shared_state;
}

// The final suspension: locals are gone by then.
Task guard_to_the_end() {
  co_await read_socket();
  std::lock_guard g(mu);
  ++shared_state;
  co_return;
}
