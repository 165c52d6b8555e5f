// Cases for event-as-condition: Events used where a Condition (state + lock + predicate) is
// needed.
#include <atomic>
#include <coroutine>
#include <deque>
#include <mutex>
#include <semaphore>

// A stand-in with the shape of weft::Event (primitives/include/weft/event.hpp).
namespace weft {
class Event {
 public:
  bool is_set() const { return flag_; }
  void set() { flag_ = true; }
  void clear() { flag_ = false; }
  bool wait(double timeout = -1) { return flag_ || timeout < 0; }

 private:
  bool flag_ = false;
};
}  // namespace weft

weft::Event data_ready;
bool has_data = false;
int data = 0;
void consume(int);

// ---- positives ---------------------------------------------------------------------------

// The consumer loop of the tutorial's "Event as a condition" mistake.
void consumer_loop() {
  for (;;) {
    data_ready.wait();
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'data_ready' is waited on, then reset by 'clear': a set() that arrives between the two is lost; use a Condition with its lock and a predicate [event-as-condition]
    data_ready.clear();
    // CHECK-NOTES: :[[@LINE-1]]:5: note: 'data_ready' is reset here
    consume(data);
  }
}

// Check-then-wait on other shared state, on an event that is reset elsewhere.
void check_then_wait() {
  if (!has_data) data_ready.wait();
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'data_ready' is waited on after checking 'has_data' without a lock: the check and the wait are not atomic; use a Condition with its lock and a predicate [event-as-condition]
  consume(data);
}

class Pipe {
 public:
  void take() {
    while (items_ == 0) wake_.wait(false);
    // CHECK-MESSAGES: :[[@LINE-1]]:25: warning: 'wake_' is waited on after checking 'items_' without a lock: the check and the wait are not atomic; use a Condition with its lock and a predicate [event-as-condition]
    --items_;
    wake_.store(false);
  }
  void flag_consumer() {
    seen_.wait(false);
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'seen_' is waited on, then reset by 'clear': a set() that arrives between the two is lost; use a Condition with its lock and a predicate [event-as-condition]
    seen_.clear();
    // CHECK-NOTES: :[[@LINE-1]]:5: note: 'seen_' is reset here
  }
  void atomic_consumer() {
    wake_.wait(false);
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'wake_' is waited on, then reset by 'store': a set() that arrives between the two is lost; use a Condition with its lock and a predicate [event-as-condition]
    wake_.store(false);
    // CHECK-NOTES: :[[@LINE-1]]:5: note: 'wake_' is reset here
  }
  // The signal is handled before the reset: a set() during the handling is lost just the same.
  void handle_then_reset() {
    wake_.wait(false);
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'wake_' is waited on, then reset by 'store': a set() that arrives between the two is lost; use a Condition with its lock and a predicate [event-as-condition]
    --items_;
    consume(items_);
    wake_.store(false);
    // CHECK-NOTES: :[[@LINE-1]]:5: note: 'wake_' is reset here
  }

 private:
  int items_ = 0;
  std::atomic<bool> wake_{false};
  std::atomic_flag seen_;
};

// The tutorial's "wrong" worker: the check is an early exit before the wait, not the loop's
// condition.
weft::Event changed;
bool resource_available = false;
void early_exit_worker() {
  while (true) {
    if (resource_available) break;
    changed.clear();
    changed.wait();
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'changed' is waited on after checking 'resource_available' without a lock: the check and the wait are not atomic; use a Condition with its lock and a predicate [event-as-condition]
  }
}

// ---- negatives ---------------------------------------------------------------------------

// Between the wait and the reset the event is looked at again: not the blind wait-then-reset.
weft::Event tick;
void recheck_between() {
  tick.wait();
  if (tick.is_set()) consume(1);
  tick.clear();
}

// The early exit checks a local: nothing another thread changes.
weft::Event round_done;
void local_exit(int rounds) {
  for (int i = 0;; ++i) {
    if (i == rounds) return;
    round_done.wait();
    consume(i);
  }
  round_done.clear();
}

// A one-shot stop signal re-checked through the event itself: the tutorial's worker loop.
weft::Event stop_event;
void worker() {
  while (!stop_event.is_set()) {
    consume(1);
    stop_event.wait(0.1);
  }
}

// A one-shot start signal, never cleared: once set it stays set, so the unlocked check is
// harmless.
weft::Event started;
bool configured = false;
void wait_started() {
  if (!configured) started.wait();
}

// The check is made under a lock.
std::mutex mu;
void locked_check() {
  std::unique_lock<std::mutex> lk(mu);
  if (!has_data) data_ready.wait();
}

// The early exit is checked under a lock.
void early_exit_locked() {
  std::unique_lock<std::mutex> lk(mu);
  while (true) {
    if (resource_available) break;
    changed.wait();
  }
}

// The atomic's own wait loop: re-checks the same atomic.
std::atomic<bool> go{false};
void own_loop() {
  while (!go.load()) go.wait(false);
  go = false;
}

// A local copy of the state is not shared.
void local_state() {
  bool local = has_data;
  if (!local) data_ready.wait(1.0);
}

// ---- std::binary_semaphore used as an auto-reset event -----------------------------------

std::mutex qm;
std::deque<int> queue;
std::binary_semaphore items_ready{0};

// The producer signals each item with a release() and waits for nothing: two items pushed
// before the consumer wakes are one token (and a release past max() is undefined behaviour).
void produce(int x) {
  {
    std::lock_guard<std::mutex> g(qm);
    queue.push_back(x);
  }
  items_ready.release();
}

// The consumer takes one item per acquire(): the second of two coalesced items waits forever.
void consume_loop() {
  for (;;) {
    items_ready.acquire();
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'items_ready' is a binary_semaphore used as an auto-reset event: release() calls that arrive before this acquire() coalesce into one, so signals are lost; use a Condition with its lock and a predicate, or a counting_semaphore that counts the items [event-as-condition]
    // CHECK-NOTES: :[[@LINE-8]]:3: note: 'items_ready' is released here as a signal
    std::lock_guard<std::mutex> g(qm);
    int x = queue.front();
    queue.pop_front();
    consume(x);
  }
}

// Check-then-acquire: a token left from a round where the check passed lets acquire() return
// while the state is still not ready.
bool item_waiting = false;
void take_one() {
  if (!item_waiting) items_ready.acquire();
  // CHECK-MESSAGES: :[[@LINE-1]]:22: warning: 'items_ready' is acquired after checking 'item_waiting' without a lock: the check and the acquire are not atomic, and a release() left from an earlier round lets it return while the state is unchanged; use a Condition with its lock and a predicate [event-as-condition]
  consume(1);
}

class Doorbell {
 public:
  void ring() { bell_.release(); }
  void serve() {
    while (running_) {
      if (bell_.try_acquire_for(std::chrono::milliseconds(10)))
      // CHECK-MESSAGES: :[[@LINE-1]]:11: warning: 'bell_' is a binary_semaphore used as an auto-reset event: release() calls that arrive before this try_acquire_for() coalesce into one, so signals are lost; use a Condition with its lock and a predicate, or a counting_semaphore that counts the items [event-as-condition]
      // CHECK-NOTES: :[[@LINE-5]]:17: note: 'bell_' is released here as a signal
        consume(2);
    }
  }

 private:
  std::atomic<bool> running_{true};
  std::binary_semaphore bell_{0};
};

// ---- semaphore negatives -----------------------------------------------------------------

// A pool of slots: acquire, use, release in the same function (counting and binary alike).
std::counting_semaphore<4> slots{4};
std::binary_semaphore one_slot{1};
bool closed = false;
void use_pool() {
  for (int i = 0; i < 8; ++i) {
    slots.acquire();
    consume(i);
    slots.release();
  }
  if (!closed) {
    one_slot.acquire();
    consume(0);
    one_slot.release();
  }
}

// A one-slot hand-off with two semaphores (ping-pong): the producer waits for `empty` before
// each release of `full`, so releases never pile up.
std::binary_semaphore empty{1}, full{0};
int slot_value = 0;
void handoff_producer() {
  for (int i = 0; i < 8; ++i) {
    empty.acquire();
    slot_value = i;
    full.release();
  }
}
void handoff_consumer() {
  for (int i = 0; i < 8; ++i) {
    full.acquire();
    consume(slot_value);
    empty.release();
  }
}

// A one-shot start signal: released once, acquired once, not in a loop.
std::binary_semaphore start_gate{0};
void start() { start_gate.release(); }
void wait_for_start() {
  start_gate.acquire();
  consume(3);
}

// A check made under a lock.
void locked_take() {
  std::unique_lock<std::mutex> lk(qm);
  if (queue.empty()) items_ready.acquire();
}

// ---- a reset placed after the request that makes another thread set() the event ---------

weft::Event reply_ready;
std::atomic<bool> reply_flag{false};
void send_command(int);
void log_line(const char*);

void request_then_clear(int cmd) {
  send_command(cmd);
  reply_ready.clear();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'reply_ready' is reset by 'clear' after 'send_command' and then waited on: a set() that answers 'send_command' before the reset is lost and the wait may never return; reset it before the request, or use a Condition with its lock and a predicate [event-as-condition]
  // CHECK-NOTES: :[[@LINE-3]]:3: note: 'send_command' is called here, before the reset
  // CHECK-NOTES: :[[@LINE+1]]:3: note: 'reply_ready' is waited on here
  reply_ready.wait();
  consume(data);
}

void request_then_store(int cmd) {
  send_command(cmd);
  log_line("sent");
  reply_flag.store(false);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'reply_flag' is reset by 'store' after 'log_line' and then waited on: a set() that answers 'log_line' before the reset is lost and the wait may never return; reset it before the request, or use a Condition with its lock and a predicate [event-as-condition]
  reply_flag.wait(false);
}

// Negatives: the reset before the request; a reset with no request before it; a reset not
// followed by a wait; a wait-then-reset pair (reported as such above, not twice).
void clear_then_request(int cmd) {
  reply_ready.clear();
  send_command(cmd);
  reply_ready.wait();
}

void clear_first() {
  reply_ready.clear();
  reply_ready.wait();
}

void request_then_clear_no_wait(int cmd) {
  send_command(cmd);
  reply_ready.clear();
}

void checked_between(int cmd) {
  send_command(cmd);
  if (reply_ready.is_set()) return;
  reply_ready.clear();
  reply_ready.wait();
}

// A wait for something else before the reset is no request to another thread: the reset is
// not reported as coming after it.
weft::Event other_done;
void wait_other_then_clear() {
  other_done.wait();
  reply_ready.clear();
  reply_ready.wait();
}

// The check-then-wait race with a call between the check and the reset (the corpus's
// 001-tutorial-wrong-event shape): one finding, at the wait, not a second one at the reset.
std::atomic<bool> job_done{false};
weft::Event job_event;
void start_job();
void check_call_reset_wait() {
  while (true) {
    if (job_done) break;
    start_job();
    job_event.clear();
    job_event.wait();
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'job_event' is waited on after checking 'job_done' without a lock: the check and the wait are not atomic; use a Condition with its lock and a predicate [event-as-condition]
  }
}

// ---- asyncio.Event's same mistake in weft::aio (issue 18): `co_await ev.wait()` ------------

// A stand-in with the shape of weft::aio::Event and weft::aio::Condition
// (primitives/include/weft/asyncio.hpp).
namespace weft::aio {
struct Awaited {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  bool await_resume() const noexcept { return true; }
};
class Event {
 public:
  struct Wait {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    bool await_resume() const noexcept { return true; }
  };
  void set();
  void clear();
  bool is_set() const;
  Wait wait();
};
class Condition {
 public:
  Awaited acquire();
  void release();
  Awaited wait();
  void notify(int n = 1);
};
}  // namespace weft::aio
struct AioTask {
  struct promise_type {
    AioTask get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() {}
  };
};
weft::aio::Awaited send_async(int);

weft::aio::Event aio_ready;
weft::aio::Event aio_reply;

// The tutorial's consumer in a task: a set() made while the woken task waits to run (the
// producer goes on until it awaits) is erased by the clear().
AioTask aio_consumer_loop() {
  for (;;) {
    co_await aio_ready.wait();
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'aio_ready' is waited on, then reset by 'clear': a set() that arrives between the two is lost; use a Condition with its lock and a predicate [event-as-condition]
    aio_ready.clear();
    // CHECK-NOTES: :[[@LINE-1]]:5: note: 'aio_ready' is reset here
    consume(data);
  }
}

// The same with the signal handled before the reset.
AioTask aio_handle_then_clear() {
  while (true) {
    co_await aio_ready.wait();
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'aio_ready' is waited on, then reset by 'clear': a set() that arrives between the two is lost; use a Condition with its lock and a predicate [event-as-condition]
    consume(data);
    aio_ready.clear();
    // CHECK-NOTES: :[[@LINE-1]]:5: note: 'aio_ready' is reset here
  }
}

// A request that suspends (the reply's task runs meanwhile), then the reset: the reply is lost.
AioTask aio_request_then_clear(int cmd) {
  co_await send_async(cmd);
  aio_reply.clear();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'aio_reply' is reset by 'clear' after 'send_async' and then waited on: a set() that answers 'send_async' before the reset is lost and the wait may never return; reset it before the request, or use a Condition with its lock and a predicate [event-as-condition]
  // CHECK-NOTES: :[[@LINE-3]]:12: note: 'send_async' is called here, before the reset
  // CHECK-NOTES: :[[@LINE+1]]:3: note: 'aio_reply' is waited on here
  co_await aio_reply.wait();
}

// Negatives.

// A one-shot signal: awaited once, never reset.
weft::aio::Event aio_started;
AioTask aio_wait_started() {
  co_await aio_started.wait();
  consume(1);
}

// The reset before the request, in a request/response whose request goes through a Condition:
// the reply cannot come before the clear.
weft::aio::Condition aio_requests;
int aio_pending = 0;
AioTask aio_clear_then_request(int cmd) {
  aio_reply.clear();
  co_await aio_requests.acquire();
  aio_pending = cmd;
  aio_requests.notify();
  aio_requests.release();
  co_await aio_reply.wait();
}

// A request made without a co_await: no other task runs before the reset, so nothing is lost.
void send_now(int);
AioTask aio_request_no_suspend(int cmd) {
  send_now(cmd);
  aio_reply.clear();
  co_await aio_reply.wait();
}

// Check-then-wait on one event loop: no task switch between the check and the wait (nothing is
// awaited there), so no other task changes `has_data` in between.
AioTask aio_check_then_wait() {
  if (!has_data) co_await aio_ready.wait();
  consume(data);
}

// weft::aio::Condition used properly: the state is checked and waited for under its lock.
bool aio_has_item = false;
AioTask aio_condition_consumer() {
  for (;;) {
    co_await aio_requests.acquire();
    while (!aio_has_item) co_await aio_requests.wait();
    aio_has_item = false;
    aio_requests.release();
    consume(2);
  }
}

// ---- the check's lock is the lock model's may-hold set at the wait (issue 14) ----------------
// A lock taken and released before the check does not cover it: reported. (The old scan took
// any lock statement before the wait for a locked check.)
weft::Event batch_ready;
bool batch_full = false;
std::mutex stats_mu;
int waits = 0;
void count_then_check() {
  stats_mu.lock();
  ++waits;
  stats_mu.unlock();
  if (!batch_full) batch_ready.wait();
  // CHECK-MESSAGES: :[[@LINE-1]]:20: warning: 'batch_ready' is waited on after checking 'batch_full' without a lock: the check and the wait are not atomic; use a Condition with its lock and a predicate [event-as-condition]
  batch_ready.clear();
}
// Held on one path (a lock taken on one branch): not evidently unlocked, silent.
void maybe_locked(bool quiet) {
  std::unique_lock<std::mutex> lk(stats_mu, std::defer_lock);
  if (!quiet) lk.lock();
  if (!batch_full) batch_ready.wait();
}
