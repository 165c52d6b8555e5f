// weft/asyncio.hpp: weft::aio, Python's asyncio (event loop, tasks, Lock, Event, Condition,
// Semaphore, BoundedSemaphore, Queue) as C++20 coroutines. The contract is docs/asyncio.md.
//
//   weft::aio::Coro<int> fetch(weft::aio::Lock& lock, int x) {
//     auto guard = co_await lock.scoped();          // async with lock:
//     co_await weft::aio::sleep(0.1);               // await asyncio.sleep(0.1)
//     co_return x * 2;
//   }
//   weft::aio::Coro<int> main_coro() {
//     weft::aio::Lock lock{"db"};
//     auto a = weft::aio::create_task(fetch(lock, 1));
//     auto b = weft::aio::create_task(fetch(lock, 2));
//     auto [x, y] = co_await weft::aio::gather(a, b);
//     co_return x + y;
//   }
//   int r = weft::aio::run(main_coro());            // asyncio.run(main())
//
// Everything runs on the thread that calls run(): the primitives are not thread-safe (as in
// CPython), and only to_thread() crosses threads. Coro<T> is a coroutine (awaited inline, like
// `await coro()`), Task<T> a coroutine scheduled on the loop (asyncio.Task).
//
// Recording (weft run): each task is an object of kind aio-task whose events form a lane of its
// own, nested under the thread that runs the loop: TaskResume when the loop resumes it,
// TaskSuspend (with what it waits on and the co_await's site) when it suspends, TaskEnd when it
// ends. The primitives are objects of the aio-* kinds and record the rows threads' primitives
// record (docs/asyncio.md, "Recording"). A task deadlock is also recorded as a finding.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "weft/detail/sync.hpp"
#include "weft/errors.hpp"
#include "weft/executor.hpp"
#include "weft/runtime/event.hpp"

namespace weft::aio {

using weft::CancelledError;  // thrown into a cancelled task at its suspension point
using weft::RuntimeError;
using weft::TimeoutError;  // wait_for() ran out of time
using weft::ValueError;

// Queue::put_nowait() on a full queue (asyncio.QueueFull).
class QueueFull : public Error {
 public:
  QueueFull() : Error("asyncio.QueueFull") {}
  using Error::Error;
};

// Queue::get_nowait() on an empty queue (asyncio.QueueEmpty).
class QueueEmpty : public Error {
 public:
  QueueEmpty() : Error("asyncio.QueueEmpty") {}
  using Error::Error;
};

// Task::result()/exception() of a task that is not done (asyncio.InvalidStateError).
class InvalidStateError : public Error {
 public:
  using Error::Error;
};

// One task that can never resume: its name, what it waits on ("Lock", "Event", "Condition",
// "Semaphore", "Queue.get", "Queue.put", "Queue.join", "Task", "gather") and that object's name.
struct StuckTask {
  std::string task;
  std::string waits_on;
  std::string object;
};

// Thrown by run() when no task is ready, no timer is pending and no to_thread() call is running,
// while tasks are still suspended: they wait for each other (a task deadlock). CPython hangs
// there; weft reports it. what() lists every stuck task.
class DeadlockError : public RuntimeError {
 public:
  explicit DeadlockError(std::vector<StuckTask> stuck);
  const std::vector<StuckTask>& stuck() const noexcept { return stuck_; }

 private:
  std::vector<StuckTask> stuck_;
};

template <class T = void>
class Coro;
template <class T = void>
class Task;
class Lock;
class Event;
class Condition;
class Semaphore;
class BoundedSemaphore;
template <class T>
class Queue;

namespace detail {

using Here = std::source_location;

// Records one event of the running task (when weft run records). The rows are those of
// weft/runtime/event.hpp.
inline void rec_event(rt::Ev kind, rt::ObjId obj, std::uint64_t arg, const Here& where) noexcept {
  rt::emit(kind, obj, arg, where);
}

// A primitive's identity in the trace: created with the primitive, destroyed with it.
struct Recorded {
  Recorded(rt::ObjKind kind, std::string_view name, const Here& where) noexcept
      : id(rt::new_object(kind, name, where)) {}
  ~Recorded() { rt::destroy_object(id); }
  Recorded(const Recorded&) = delete;
  Recorded& operator=(const Recorded&) = delete;
  rt::ObjId id;
};

class Loop;
struct TaskBase;
struct WaitList;

// One suspended co_await: the task it suspends, the primitive's queue it sits in, and what it
// waits for (for DeadlockError). Derived awaiters say how they are woken and withdrawn.
struct Waiter {
  // `obj`: the waited-on primitive's id (0 for a timer or a to_thread() call); `where`: the
  // co_await's site.
  Waiter(const char* kind, const std::string* object, rt::ObjId obj = 0, const Here& where = {}) noexcept
      : kind(kind), object(object), obj(obj), where(where) {}
  virtual ~Waiter() { unlink(); }
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  // The awaited thing happened: leave the queue and make the task ready (once).
  virtual void fire() noexcept;
  // The task was cancelled while waiting: stop waiting (leave the primitive's queue).
  virtual void withdraw() noexcept { unlink(); }
  void unlink() noexcept;
  // Registers the suspension with the running task (call from await_suspend).
  void suspend(std::coroutine_handle<> h) noexcept;
  // In await_resume: true (once) if the task was cancelled; then the caller throws.
  bool cancelled() noexcept;
  // How a cancelled wait ends in the recording: timeout when wait_for() ran out of time, else
  // broken.
  rt::WaitResult cancel_result() const noexcept;

  TaskBase* task = nullptr;
  WaitList* list = nullptr;
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
  bool woken = false;
  const char* kind;
  const std::string* object;
  rt::ObjId obj;
  Here where;
};

// An intrusive FIFO of waiters (a primitive's `_waiters` deque).
struct WaitList {
  WaitList() = default;
  ~WaitList() {
    while (head) head->unlink();
  }
  WaitList(const WaitList&) = delete;
  WaitList& operator=(const WaitList&) = delete;

  void push_back(Waiter* w) noexcept {
    w->list = this;
    w->prev = tail;
    w->next = nullptr;
    (tail ? tail->next : head) = w;
    tail = w;
    ++count;
  }
  bool empty() const noexcept { return head == nullptr; }
  std::size_t size() const noexcept { return count; }
  // Wakes the first waiter; false if there is none.
  bool wake_one() noexcept {
    if (!head) return false;
    head->fire();
    return true;
  }
  void wake_all() noexcept {
    while (head) head->fire();
  }

  Waiter* head = nullptr;
  Waiter* tail = nullptr;
  std::size_t count = 0;
};

inline void Waiter::unlink() noexcept {
  if (!list) return;
  (prev ? prev->next : list->head) = next;
  (next ? next->prev : list->tail) = prev;
  --list->count;
  list = nullptr;
  prev = next = nullptr;
}

enum class TaskState { Pending, Finished, Failed, Cancelled };

// The untyped part of a task: its frames, where it is suspended, its cancellation request.
struct TaskBase : std::enable_shared_from_this<TaskBase> {
  TaskBase(Loop* loop, std::string name, const Here& where)
      : loop(loop), name(std::move(name)), rec(rt::ObjKind::AioTask, this->name, where), resume_site(where) {}
  virtual ~TaskBase() { destroy_frame(); }
  TaskBase(const TaskBase&) = delete;
  TaskBase& operator=(const TaskBase&) = delete;

  bool done() const noexcept { return state != TaskState::Pending; }
  // Task.cancel(): false if done. Otherwise requests cancellation: a task suspended in a wait
  // leaves it and resumes with CancelledError; a ready or running one gets it at its next
  // suspension point; a task that has not started never runs its body.
  bool cancel() noexcept;
  // The waited-for thing happened: ready to resume.
  void wake() noexcept;
  // Called at the final suspension of the task's outermost coroutine.
  void finish(std::exception_ptr e) noexcept;
  // Ends a task without running (more of) it: cancelled before it started, or at shutdown.
  void finish_cancelled() noexcept;
  void destroy_frame() noexcept {
    if (root) {
      auto r = root;
      root = {};
      r.destroy();
    }
  }

  Loop* loop;
  std::string name;
  Recorded rec;                       // the task's lane in a recording
  Here resume_site;                   // where it resumes: created, or its last co_await
  std::coroutine_handle<> root;       // the outermost frame, owned
  std::coroutine_handle<> resume_at;  // the innermost suspended frame
  Waiter* waiting = nullptr;          // set while suspended and not yet woken
  bool started = false;
  bool scheduled = false;
  bool must_cancel = false;
  bool timed_out = false;  // cancelled by wait_for()'s timeout: its wait ends as a timeout
  TaskState state = TaskState::Pending;
  std::exception_ptr error;      // Failed: the exception; Cancelled: a CancelledError
  std::uint64_t finish_seq = 0;  // completion order, for gather()
  WaitList done_waiters;         // tasks awaiting this one
};

inline void Waiter::fire() noexcept {
  if (woken) return;
  woken = true;
  unlink();
  if (task) task->wake();
}

// A loop timer: `w` is null once it fired or was cancelled.
struct Timer {
  std::chrono::steady_clock::time_point at;
  std::uint64_t seq;
  Waiter* w;
};

// The thread-safe hand-off into the loop: closures posted by pool threads, run on the loop thread.
struct Inbox {
  ::weft::detail::QuietMutex mu;
  ::weft::detail::QuietCondVar cv;
  std::vector<std::function<void()>> items;
  int outstanding = 0;  // to_thread() calls submitted and not yet posted back
};

// The event loop of one run() call, on the calling thread.
class Loop {
 public:
  using Clock = std::chrono::steady_clock;

  // Throws RuntimeError if this thread already runs a loop.
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // The loop running on this thread, or null.
  static Loop* current() noexcept;
  // The loop running on this thread; RuntimeError("no running event loop") if none.
  static Loop& get();

  // Registers a new task and makes it ready.
  void add_task(std::shared_ptr<TaskBase> t);
  void schedule(TaskBase* t) noexcept;
  std::string next_task_name() { return "Task-" + std::to_string(++task_counter_); }
  std::uint64_t next_finish_seq() noexcept { return ++finish_counter_; }

  std::shared_ptr<Timer> call_at(Clock::time_point at, Waiter* w);
  void cancel_timer(Timer& t) noexcept;

  // The default executor of to_thread() (created on first use) and the hand-off into the loop.
  ThreadPoolExecutor& executor();
  const std::shared_ptr<Inbox>& inbox() const noexcept { return inbox_; }

  // Runs until `main` is done. Throws DeadlockError when nothing can make progress.
  void run_until(TaskBase* main);
  // asyncio.run()'s epilogue: cancels the remaining tasks and lets them wind down, destroys the
  // frames of those that still do not finish, waits for running to_thread() calls.
  void shutdown() noexcept;

  TaskBase* current_task = nullptr;

 private:
  // One iteration; false if nothing can ever happen again.
  bool run_once();
  void step();
  [[noreturn]] void throw_deadlock();
  void record_deadlock(const std::vector<std::pair<std::string, const TaskBase*>>& stuck) noexcept;

  std::deque<std::shared_ptr<TaskBase>> ready_;
  std::unordered_map<TaskBase*, std::shared_ptr<TaskBase>> tasks_;  // not done
  std::vector<std::shared_ptr<Timer>> timers_;                      // a min-heap
  std::size_t live_timers_ = 0;
  std::uint64_t timer_seq_ = 0;
  std::uint64_t task_counter_ = 0;
  std::uint64_t finish_counter_ = 0;
  std::shared_ptr<Inbox> inbox_ = std::make_shared<Inbox>();
  std::unique_ptr<ThreadPoolExecutor> executor_;
  bool closing_ = false;
  Loop* outer_ = nullptr;
};

inline void TaskBase::wake() noexcept {
  waiting = nullptr;
  loop->schedule(this);
}

inline bool TaskBase::cancel() noexcept {
  if (done()) return false;
  must_cancel = true;
  if (waiting) {
    Waiter* w = waiting;
    waiting = nullptr;
    w->withdraw();
    loop->schedule(this);
  }
  return true;
}

inline void Waiter::suspend(std::coroutine_handle<> h) noexcept {
  task = Loop::current()->current_task;
  task->resume_at = h;
  task->waiting = this;
  task->resume_site = where;
  rec_event(rt::Ev::TaskSuspend, task->rec.id, obj, where);
}

inline rt::WaitResult Waiter::cancel_result() const noexcept {
  return task != nullptr && task->timed_out ? rt::WaitResult::Timeout : rt::WaitResult::Broken;
}

inline bool Waiter::cancelled() noexcept {
  if (!task || !task->must_cancel) return false;
  task->must_cancel = false;
  return true;
}

// ---- coroutines ----

struct PromiseBase {
  std::suspend_always initial_suspend() noexcept { return {}; }
  struct Final {
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      PromiseBase& p = h.promise();
      if (p.continuation) return p.continuation;
      if (p.task) p.task->finish(p.error);
      return std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  Final final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { error = std::current_exception(); }

  std::coroutine_handle<> continuation;  // the awaiting frame (an inline `co_await coro`)
  TaskBase* task = nullptr;              // set for a task's outermost frame
  std::exception_ptr error;
};

template <class T>
struct CoroPromise : PromiseBase {
  Coro<T> get_return_object() noexcept;
  void return_value(T v) { value.emplace(std::move(v)); }
  T take() {
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
  std::optional<T> value;
};

template <>
struct CoroPromise<void> : PromiseBase {
  Coro<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take() {
    if (error) std::rethrow_exception(error);
  }
};

template <class T>
struct TaskImpl;

}  // namespace detail

// A coroutine returning T (Python's `async def`). Lazy: its body starts when it is awaited
// (`co_await f()`, inline in the awaiting task, like `await f()`), passed to create_task(),
// gather(), wait_for(), or run(). Move-only; await it once, as an rvalue.
template <class T>
class [[nodiscard]] Coro {
 public:
  using promise_type = detail::CoroPromise<T>;
  using handle = std::coroutine_handle<promise_type>;

  Coro(Coro&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Coro& operator=(Coro&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  ~Coro() {
    if (h_) h_.destroy();
  }

  struct Awaiter {
    handle h;
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> parent) noexcept {
      h.promise().continuation = parent;
      return h;
    }
    T await_resume() { return h.promise().take(); }
  };
  [[nodiscard]] Awaiter operator co_await() && noexcept { return Awaiter{h_}; }

 private:
  friend promise_type;
  template <class U>
  friend struct detail::TaskImpl;
  explicit Coro(handle h) noexcept : h_(h) {}
  handle release() noexcept { return std::exchange(h_, {}); }
  handle h_;
};

namespace detail {

template <class T>
Coro<T> CoroPromise<T>::get_return_object() noexcept {
  return Coro<T>(std::coroutine_handle<CoroPromise<T>>::from_promise(*this));
}
inline Coro<void> CoroPromise<void>::get_return_object() noexcept {
  return Coro<void>(std::coroutine_handle<CoroPromise<void>>::from_promise(*this));
}

template <class T>
struct TaskImpl : TaskBase {
  TaskImpl(Loop* loop, std::string name, Coro<T>&& c, const Here& where)
      : TaskBase(loop, std::move(name), where) {
    h = c.release();
    h.promise().task = this;
    root = h;
  }
  std::coroutine_handle<CoroPromise<T>> h;
};

// Waits until one of `targets` is done, or `timeout` seconds pass (negative: no limit).
// Withdrawn (the waiting task cancelled), it cancels the targets: cancelling a task that awaits
// a task, gather() or wait_for() cancels what it awaits, as in CPython.
struct MultiWait : Waiter {
  struct Sub : Waiter {
    Sub(MultiWait* parent, const std::string* object) noexcept
        : Waiter("Task", object), parent(parent) {}
    void fire() noexcept override {
      unlink();
      parent->fire();
    }
    MultiWait* parent;
  };

  MultiWait(std::vector<std::shared_ptr<TaskBase>> targets, double timeout, const char* kind,
            const Here& where = {})
      : Waiter(kind, targets.empty() ? nullptr : &targets.front()->name,
               targets.empty() ? 0 : targets.front()->rec.id, where),
        targets(std::move(targets)),
        timeout(timeout) {}
  ~MultiWait() override { drop(); }

  bool any_done() const noexcept {
    for (auto& t : targets)
      if (t->done()) return true;
    return targets.empty();
  }
  bool await_ready() const noexcept { return any_done() || timeout == 0; }
  void await_suspend(std::coroutine_handle<> h) {
    suspend(h);
    subs.reserve(targets.size());
    for (auto& t : targets) {
      subs.push_back(std::make_unique<Sub>(this, &t->name));
      t->done_waiters.push_back(subs.back().get());
    }
    if (timeout > 0)
      timer = task->loop->call_at(
          Loop::Clock::now() + std::chrono::duration_cast<Loop::Clock::duration>(
                                   std::chrono::duration<double>(timeout)),
          this);
  }
  // True if a target is done (false: the timeout passed).
  bool await_resume() {
    drop();
    if (cancelled()) throw CancelledError("task cancelled while awaiting a task");
    return any_done();
  }
  void fire() noexcept override {
    if (woken) return;
    woken = true;
    drop();
    task->wake();
  }
  void withdraw() noexcept override {
    drop();
    for (auto& t : targets) t->cancel();
  }
  void drop() noexcept {
    subs.clear();
    if (timer && task) task->loop->cancel_timer(*timer);
    timer.reset();
  }

  std::vector<std::shared_ptr<TaskBase>> targets;
  std::vector<std::unique_ptr<Sub>> subs;
  double timeout;
  std::shared_ptr<Timer> timer;
};

template <class T>
T task_result(const TaskImpl<T>& t) {
  switch (t.state) {
    case TaskState::Pending:
      throw InvalidStateError("Result is not set.");
    case TaskState::Finished:
      if constexpr (std::is_void_v<T>)
        return;
      else
        return *t.h.promise().value;
    default:
      std::rethrow_exception(t.error);
  }
}

template <class T>
struct TaskAwait : MultiWait {
  TaskAwait(std::shared_ptr<TaskImpl<T>> t, const Here& where)
      : MultiWait({t}, -1, "Task", where), impl(t) {}
  T await_resume() {
    MultiWait::await_resume();
    return task_result(*impl);
  }
  std::shared_ptr<TaskImpl<T>> impl;
};

}  // namespace detail

// asyncio.create_task(): schedules `coro` on the running loop (named `name`, default
// "Task-<n>"). Throws RuntimeError outside run().
template <class T>
[[nodiscard]] Task<T> create_task(Coro<T> coro, std::string_view name = {},
                                  const std::source_location& where = std::source_location::current());

// asyncio.run(): runs `main` in a new event loop on the calling thread and returns its value,
// or rethrows its exception. Afterwards the tasks still pending are cancelled and given the
// chance to finish, and to_thread() calls still running are waited for. Throws DeadlockError
// if the tasks come to wait for each other with nothing else pending, RuntimeError if called
// from a running loop.
template <class T>
T run(Coro<T> main, const std::source_location& where = std::source_location::current());

// asyncio.Task: a coroutine scheduled on the loop. A copyable handle; the loop keeps the task
// alive until it is done, so a Task need not be kept to let it run.
template <class T>
class [[nodiscard]] Task {
 public:
  Task() = default;

  // True once the coroutine returned, threw, or was cancelled.
  bool done() const noexcept { return impl_->done(); }
  bool cancelled() const noexcept { return impl_->state == detail::TaskState::Cancelled; }
  // Task.cancel(): see detail::TaskBase::cancel. False if the task is already done.
  bool cancel() noexcept { return impl_->cancel(); }
  // The value the coroutine returned; rethrows its exception; CancelledError if it was
  // cancelled; InvalidStateError if it is not done.
  T result() const { return detail::task_result(*impl_); }
  // The exception the coroutine threw (null if it returned); CancelledError if it was cancelled;
  // InvalidStateError if it is not done.
  std::exception_ptr exception() const {
    if (!done()) throw InvalidStateError("Exception is not set.");
    if (cancelled()) std::rethrow_exception(impl_->error);
    return impl_->error;
  }
  const std::string& get_name() const noexcept { return impl_->name; }

  // `co_await task`: waits for it and returns result(). Cancelling the awaiting task cancels
  // this one too (CPython).
  [[nodiscard]] detail::TaskAwait<T> operator co_await() const {
    return detail::TaskAwait<T>(impl_, {});
  }

  friend bool operator==(const Task& a, const Task& b) noexcept { return a.impl_ == b.impl_; }

 private:
  template <class U>
  friend Task<U> create_task(Coro<U> coro, std::string_view name, const std::source_location& where);
  template <class U>
  friend U run(Coro<U> main, const std::source_location& where);
  template <class U>
  friend std::shared_ptr<detail::TaskBase> task_base(const Task<U>& t) noexcept;
  explicit Task(std::shared_ptr<detail::TaskImpl<T>> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<detail::TaskImpl<T>> impl_;
};

template <class U>
std::shared_ptr<detail::TaskBase> task_base(const Task<U>& t) noexcept {
  return t.impl_;
}

template <class T>
Task<T> create_task(Coro<T> coro, std::string_view name, const std::source_location& where) {
  detail::Loop& loop = detail::Loop::get();
  auto impl = std::make_shared<detail::TaskImpl<T>>(
      &loop, name.empty() ? loop.next_task_name() : std::string(name), std::move(coro), where);
  loop.add_task(impl);
  return Task<T>(std::move(impl));
}

template <class T>
T run(Coro<T> main, const std::source_location& where) {
  detail::Loop loop;
  Task<T> t = create_task(std::move(main), {}, where);
  std::exception_ptr deadlock;
  try {
    loop.run_until(t.impl_.get());
  } catch (...) {
    deadlock = std::current_exception();
  }
  loop.shutdown();
  if (deadlock) std::rethrow_exception(deadlock);
  if constexpr (std::is_void_v<T>) {
    t.result();
  } else {
    if (t.impl_->state == detail::TaskState::Finished)
      return std::move(*t.impl_->h.promise().value);
    return t.result();
  }
}

namespace detail {

struct SleepAwaiter : Waiter {
  SleepAwaiter(double delay, const Here& where) noexcept : Waiter("sleep", nullptr, 0, where), delay(delay) {}
  ~SleepAwaiter() override { drop(); }
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    suspend(h);
    if (delay <= 0) {  // sleep(0): to the back of the ready queue
      woken = true;
      task->wake();
    } else {
      timer = task->loop->call_at(
          Loop::Clock::now() + std::chrono::duration_cast<Loop::Clock::duration>(
                                   std::chrono::duration<double>(delay)),
          this);
    }
  }
  void await_resume() {
    drop();
    if (cancelled()) throw CancelledError("sleep() cancelled");
  }
  void withdraw() noexcept override { drop(); }
  void drop() noexcept {
    if (timer && task) task->loop->cancel_timer(*timer);
    timer.reset();
  }
  double delay;
  std::shared_ptr<Timer> timer;
};

template <class R>
struct Handoff {
  Waiter* waiter = nullptr;  // null once the awaiting task stopped waiting
  std::optional<Future<R>> future;
};

template <class R, class Fn>
struct ToThread : Waiter {
  // `ex`: the executor to run on; null: the loop's own (to_thread()).
  explicit ToThread(Fn fn, ThreadPoolExecutor* ex = nullptr)
      : Waiter("to_thread", nullptr), fn(std::move(fn)), ex(ex) {}
  ~ToThread() override {
    if (st) st->waiter = nullptr;
  }
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) noexcept {
    suspend(h);
    Loop* loop = task->loop;
    std::shared_ptr<Inbox> inbox = loop->inbox();
    st = std::make_shared<Handoff<R>>();
    st->waiter = this;
    bool counted = false;
    try {
      {
        std::lock_guard g(inbox->mu);
        ++inbox->outstanding;
        counted = true;
      }
      st->future.emplace((ex ? *ex : loop->executor()).submit(std::move(fn)));
      // Runs in the pool thread that completes the call (or here, if it is already done).
      st->future->add_done_callback([inbox, st = st](Future<R>) {
        std::lock_guard g(inbox->mu);
        inbox->items.push_back([st] {
          if (st->waiter) st->waiter->fire();
        });
        --inbox->outstanding;
        inbox->cv.notify_one();
      });
    } catch (...) {
      error = std::current_exception();
      if (counted && !st->future) {
        std::lock_guard g(inbox->mu);
        --inbox->outstanding;
      }
      st->waiter = nullptr;
      woken = true;
      task->wake();
    }
  }
  R await_resume() {
    if (st) st->waiter = nullptr;
    if (error) std::rethrow_exception(error);
    if (cancelled()) throw CancelledError("to_thread() cancelled");  // the call goes on
    return st->future->result();
  }
  void withdraw() noexcept override {
    if (st) st->waiter = nullptr;
  }
  Fn fn;
  ThreadPoolExecutor* ex;
  std::shared_ptr<Handoff<R>> st;
  std::exception_ptr error;
};

}  // namespace detail

// asyncio.sleep(): suspends the task for `seconds` (a loop timer). sleep(0), or a negative
// delay, yields once: the task goes to the back of the ready queue.
[[nodiscard]] inline detail::SleepAwaiter sleep(
    double seconds, const std::source_location& where = std::source_location::current()) {
  return detail::SleepAwaiter(seconds, where);
}

namespace detail {
template <class R, class Fn>
Coro<R> to_thread_coro(Fn fn, ThreadPoolExecutor* ex = nullptr) {
  if constexpr (std::is_void_v<R>) {
    co_await ToThread<R, Fn>(std::move(fn), ex);
  } else {
    co_return co_await ToThread<R, Fn>(std::move(fn), ex);
  }
}
}  // namespace detail

// asyncio.to_thread(): a coroutine that calls f(args...) (copied) on the loop's
// ThreadPoolExecutor and resumes the awaiting task on the loop thread with its value, or
// rethrows its exception. Cancelling the awaiting task does not stop the call; its result is
// dropped (run() waits for it before returning).
template <class F, class... A>
[[nodiscard]] auto to_thread(F&& f, A&&... args) {
  auto call = [f = std::forward<F>(f), ... args = std::forward<A>(args)]() mutable {
    return std::invoke(f, args...);
  };
  using R = std::invoke_result_t<decltype(call)&>;
  return detail::to_thread_coro<R>(std::move(call));
}

// loop.run_in_executor(executor, f, *args): like to_thread(), on `executor` (a weft
// ThreadPoolExecutor the caller owns and keeps alive until the call is done).
template <class F, class... A>
[[nodiscard]] auto run_in_executor(ThreadPoolExecutor& executor, F&& f, A&&... args) {
  auto call = [f = std::forward<F>(f), ... args = std::forward<A>(args)]() mutable {
    return std::invoke(f, args...);
  };
  using R = std::invoke_result_t<decltype(call)&>;
  return detail::to_thread_coro<R>(std::move(call), &executor);
}

namespace detail {

template <class T>
Task<T> as_task(Task<T> t) {
  return t;
}
template <class T>
Task<T> as_task(Coro<T>&& c) {
  return create_task(std::move(c));
}
template <class X>
struct TaskValue;
template <class T>
struct TaskValue<Task<T>> {
  using type = T;
};
template <class T>
using Slot = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

template <class T>
Slot<T> slot_result(const Task<T>& t) {
  if constexpr (std::is_void_v<T>) {
    t.result();
    return {};
  } else {
    return t.result();
  }
}

// gather(): waits until all are done or one fails (the first to fail, in completion order).
inline Coro<void> wait_all_or_first_failure(std::vector<std::shared_ptr<TaskBase>> all) {
  for (;;) {
    TaskBase* failed = nullptr;
    std::vector<std::shared_ptr<TaskBase>> pending;
    for (auto& t : all) {
      if (!t->done())
        pending.push_back(t);
      else if (t->state != TaskState::Finished && (!failed || t->finish_seq < failed->finish_seq))
        failed = t.get();
    }
    if (failed) std::rethrow_exception(failed->error);
    if (pending.empty()) co_return;
    MultiWait w(std::move(pending), -1, "gather");
    co_await w;
  }
}

template <class... T>
Coro<std::tuple<Slot<T>...>> gather_tasks(Task<T>... ts) {
  std::vector<std::shared_ptr<TaskBase>> all{task_base(ts)...};
  co_await wait_all_or_first_failure(std::move(all));
  co_return std::tuple<Slot<T>...>(slot_result(ts)...);
}

template <class T>
Coro<std::vector<Slot<T>>> gather_vector(std::vector<Task<T>> ts) {
  std::vector<std::shared_ptr<TaskBase>> all;
  for (auto& t : ts) all.push_back(task_base(t));
  co_await wait_all_or_first_failure(std::move(all));
  std::vector<Slot<T>> out;
  for (auto& t : ts) out.push_back(slot_result(t));
  co_return out;
}

template <class T>
Coro<T> wait_for_task(Task<T> t, double timeout, Here where) {
  auto base = task_base(t);
  if (timeout < 0) {
    MultiWait w({base}, -1, "Task", where);
    co_await w;
  } else {
    MultiWait w({base}, timeout, "Task", where);
    co_await w;
    if (!t.done()) {
      base->timed_out = true;  // its wait, if it is in one, is recorded as timed out
      t.cancel();  // and wait until it has wound down, as CPython does
      MultiWait w2({base}, -1, "Task", where);
      co_await w2;
      if (t.cancelled()) throw TimeoutError("wait_for(): timed out");
    }
  }
  co_return t.result();
}

}  // namespace detail

// asyncio.gather(): schedules each argument (a Task, or a Coro made a task at once) and returns
// a coroutine giving their results in argument order as a std::tuple (std::monostate for void).
// The first exception to be thrown, in completion order, propagates (the other tasks go on);
// cancelling the awaiting task cancels them all.
template <class... A>
[[nodiscard]] auto gather(A&&... aws) {
  // Braces: the coroutines become tasks left to right (function arguments have no order).
  std::tuple ts{detail::as_task(std::forward<A>(aws))...};
  return std::apply([](auto&... t) { return detail::gather_tasks(t...); }, ts);
}
// gather(*tasks): the results as a std::vector, in order.
template <class T>
[[nodiscard]] Coro<std::vector<detail::Slot<T>>> gather(std::vector<Task<T>> tasks) {
  return detail::gather_vector(std::move(tasks));
}

// asyncio.wait_for(): awaits a Task (or a Coro, made a task at once) for at most `timeout`
// seconds (negative: no limit). On timeout, cancels it, waits until it has finished, and throws
// TimeoutError. Cancelling the awaiting task cancels it too.
template <class A>
[[nodiscard]] auto wait_for(A&& aw, double timeout,
                            const std::source_location& where = std::source_location::current()) {
  return detail::wait_for_task(detail::as_task(std::forward<A>(aw)), timeout, where);
}

// ---- synchronisation primitives (asyncio.Lock, Event, Condition, Semaphore, Queue) ----

// The RAII result of `co_await x.scoped()`: releases on destruction (`async with x:`).
// Its release is recorded at the site of the `co_await x.scoped()` that took it (a destructor
// has no call site of its own).
template <class P>
class [[nodiscard]] Scoped {
 public:
  explicit Scoped(P* p, const std::source_location& where = std::source_location::current()) noexcept
      : p_(p), where_(where) {}
  Scoped(Scoped&& o) noexcept : p_(std::exchange(o.p_, nullptr)), where_(o.where_) {}
  Scoped& operator=(Scoped&&) = delete;
  ~Scoped() {
    if (p_) p_->release(where_);
  }
  // Releases early.
  void release(const std::source_location& where = std::source_location::current()) {
    if (auto* p = std::exchange(p_, nullptr)) p->release(where);
  }
  bool owns() const noexcept { return p_ != nullptr; }

 private:
  P* p_;
  std::source_location where_;
};

namespace detail {
template <class A, class P>
struct ScopedAwait {
  A inner;
  P* p;
  bool await_ready() { return inner.await_ready(); }
  void await_suspend(std::coroutine_handle<> h) { inner.await_suspend(h); }
  Scoped<P> await_resume() {
    inner.await_resume();
    return Scoped<P>(p, inner.where);
  }
};
}  // namespace detail

// asyncio.Lock: a non-reentrant lock for tasks, fair (FIFO): release() hands it to the task
// that has waited longest, and an acquire() never overtakes a waiting task.
class Lock {
 public:
  explicit Lock(std::string_view name = {},
                const std::source_location& where = std::source_location::current())
      : name_(name), rec_(rt::ObjKind::AioLock, name, where) {}
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  struct [[nodiscard]] Acquire : detail::Waiter {
    Acquire(Lock* l, const detail::Here& where) noexcept
        : Waiter("Lock", &l->name_, l->rec_.id, where), lock(l) {}
    bool await_ready() noexcept {
      if (lock->locked_ || !lock->waiters_.empty()) return false;
      lock->locked_ = true;
      detail::rec_event(rt::Ev::Acquired, obj, 1, where);
      return true;
    }
    void await_suspend(std::coroutine_handle<> h) noexcept {
      detail::rec_event(rt::Ev::AcquireBegin, obj, 0, where);
      suspend(h);
      lock->waiters_.push_back(this);
    }
    bool await_resume() {
      if (cancelled()) {
        detail::rec_event(rt::Ev::AcquireFailed, obj, static_cast<std::uint64_t>(rt::AcquireFail::Error), where);
        if (woken) lock->release(where);  // it was handed to us: pass it on
        throw CancelledError("Lock.acquire() cancelled");
      }
      if (task != nullptr)  // it waited (await_ready recorded an acquisition that did not)
        detail::rec_event(rt::Ev::Acquired, obj, 1, where);
      return true;
    }
    Lock* lock;
  };

  // `co_await lock.acquire()`: waits for the lock (FIFO) and takes it; returns true. Cancelled
  // while waiting, the task leaves the queue (or passes the lock on if it was just handed it).
  Acquire acquire(const std::source_location& where = std::source_location::current()) noexcept {
    return Acquire(this, where);
  }
  // `auto g = co_await lock.scoped();`: acquire(), and a guard releasing it at scope exit (the
  // C++ spelling of `async with lock:`).
  [[nodiscard]] detail::ScopedAwait<Acquire, Lock> scoped(
      const std::source_location& where = std::source_location::current()) noexcept {
    return {Acquire(this, where), this};
  }
  // Releases the lock, handing it to the first waiting task. Throws RuntimeError if unlocked.
  void release(const std::source_location& where = std::source_location::current()) {
    if (!locked_) throw RuntimeError("Lock is not acquired.");
    detail::rec_event(rt::Ev::Release, rec_.id, 0, where);
    if (!waiters_.wake_one()) locked_ = false;  // else it stays locked, owned by the woken task
  }
  bool locked() const noexcept { return locked_; }
  std::size_t waiters() const noexcept { return waiters_.size(); }
  const std::string& name() const noexcept { return name_; }
  rt::ObjId id() const noexcept { return rec_.id; }

 private:
  bool locked_ = false;
  detail::WaitList waiters_;
  std::string name_;
  detail::Recorded rec_;
};

namespace detail {
// Waits in a WaitList until woken; the caller handles what a cancellation must give back.
// Records WaitBegin(obj, lock) before suspending and WaitEnd(obj) when it resumes; `spurious`
// (chaos) wakes it at once, as a spurious wake-up.
struct ListWait : Waiter {
  ListWait(WaitList& l, const char* kind, const std::string* object, rt::ObjId obj,
           const Here& where, rt::ObjId lock = 0) noexcept
      : Waiter(kind, object, obj, where), l(&l), lock(lock) {}
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) noexcept {
    if (lock == 0) rec_event(rt::Ev::WaitBegin, obj, 0, where);  // else the caller did, before release
    suspend(h);
    l->push_back(this);
    if (spurious) fire();
  }
  void await_resume() {
    bool c = cancelled();
    rec_event(rt::Ev::WaitEnd, obj,
         static_cast<std::uint64_t>(c          ? cancel_result()
                                    : spurious ? rt::WaitResult::Spurious
                                               : rt::WaitResult::Notified),
         where);
    if (c) throw CancelledError(std::string(kind) + " wait cancelled");
  }
  WaitList* l;
  rt::ObjId lock;
  bool spurious = false;
};
}  // namespace detail

// asyncio.Event.
class Event {
 public:
  explicit Event(std::string_view name = {},
                 const std::source_location& where = std::source_location::current())
      : name_(name), rec_(rt::ObjKind::AioEvent, name, where) {}
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  struct [[nodiscard]] Wait : detail::Waiter {
    Wait(Event* e, const detail::Here& where) noexcept
        : Waiter("Event", &e->name_, e->rec_.id, where), ev(e) {}
    bool await_ready() const noexcept { return ev->set_; }
    void await_suspend(std::coroutine_handle<> h) noexcept {
      detail::rec_event(rt::Ev::WaitBegin, obj, 0, where);
      suspend(h);
      ev->waiters_.push_back(this);
    }
    bool await_resume() {
      bool c = cancelled();
      if (task != nullptr)  // it did wait
        detail::rec_event(rt::Ev::WaitEnd, obj,
                     static_cast<std::uint64_t>(c ? cancel_result() : rt::WaitResult::Notified),
                     where);
      if (c) throw CancelledError("Event.wait() cancelled");
      return true;
    }
    Event* ev;
  };

  // Sets the flag and wakes every waiting task.
  void set(const std::source_location& where = std::source_location::current()) noexcept {
    detail::rec_event(rt::Ev::Set, rec_.id, set_ ? 0 : waiters_.size(), where);
    if (set_) return;
    set_ = true;
    waiters_.wake_all();
  }
  void clear(const std::source_location& where = std::source_location::current()) noexcept {
    detail::rec_event(rt::Ev::Clear, rec_.id, 0, where);
    set_ = false;
  }
  bool is_set() const noexcept { return set_; }
  // `co_await ev.wait()`: returns true at once if set, else when set() is called.
  Wait wait(const std::source_location& where = std::source_location::current()) noexcept {
    return Wait(this, where);
  }
  std::size_t waiters() const noexcept { return waiters_.size(); }
  rt::ObjId id() const noexcept { return rec_.id; }

 private:
  bool set_ = false;
  detail::WaitList waiters_;
  std::string name_;
  detail::Recorded rec_;
};

// asyncio.Condition: owns a Lock, or uses the one given.
class Condition {
 public:
  explicit Condition(std::string_view name = {},
                     const std::source_location& where = std::source_location::current())
      : own_(std::make_unique<Lock>(name, where)),
        lock_(own_.get()),
        name_(name),
        rec_(rt::ObjKind::AioCondition, name, where) {}
  explicit Condition(Lock& lock, std::string_view name = {},
                     const std::source_location& where = std::source_location::current())
      : lock_(&lock), name_(name), rec_(rt::ObjKind::AioCondition, name, where) {}
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  Lock::Acquire acquire(const std::source_location& where = std::source_location::current()) noexcept {
    return lock_->acquire(where);
  }
  [[nodiscard]] detail::ScopedAwait<Lock::Acquire, Lock> scoped(
      const std::source_location& where = std::source_location::current()) noexcept {
    return lock_->scoped(where);
  }
  void release(const std::source_location& where = std::source_location::current()) {
    lock_->release(where);
  }
  bool locked() const noexcept { return lock_->locked(); }
  rt::ObjId id() const noexcept { return rec_.id; }

  // `co_await cond.wait()`: releases the lock, waits for notify(), re-acquires the lock and
  // returns true. Throws RuntimeError if the lock is not held. Cancelled, it still re-acquires
  // the lock before CancelledError propagates, and passes on a notification it had received.
  //
  // Under weft run --chaos the wait may return at once, as a spurious wake-up (CPython's
  // documentation allows them too): a wait must sit in a loop that re-checks its predicate.
  [[nodiscard]] Coro<bool> wait(std::source_location where = std::source_location::current()) {
    if (!lock_->locked()) throw RuntimeError("cannot wait on un-acquired lock");
    detail::rec_event(rt::Ev::WaitBegin, rec_.id, lock_->id(), where);
    lock_->release(where);
    bool was_cancelled = false;
    {
      detail::ListWait w(waiters_, "Condition", &name_, rec_.id, where, lock_->id());
      if (rt::Sink* s = rt::active_sink(); s != nullptr && s->chaos_enabled()) [[unlikely]]
        w.spurious = s->inject_spurious_wakeup(rec_.id, false);
      try {
        co_await w;
      } catch (const CancelledError&) {
        was_cancelled = true;
        if (w.woken) wake(1, 1, where);
      }
    }
    for (;;) {  // re-acquire, even if cancelled again meanwhile
      try {
        co_await lock_->acquire(where);
        break;
      } catch (const CancelledError&) {
        was_cancelled = true;
      }
    }
    if (was_cancelled) throw CancelledError("Condition.wait() cancelled");
    co_return true;
  }

  // `co_await cond.wait_for(pred)`: waits until pred() is truthy and returns its value.
  template <class Pred>
  [[nodiscard]] Coro<std::invoke_result_t<Pred&>> wait_for(
      Pred pred, std::source_location where = std::source_location::current()) {
    auto r = pred();
    while (!r) {
      co_await wait(where);
      r = pred();
    }
    co_return r;
  }

  // Wakes up to n waiting tasks (they run once they re-acquire the lock). Throws RuntimeError
  // if the lock is not held.
  void notify(std::size_t n = 1, const std::source_location& where = std::source_location::current()) {
    if (!lock_->locked()) throw RuntimeError("cannot notify on un-acquired lock");
    wake(n, n, where);
  }
  void notify_all(const std::source_location& where = std::source_location::current()) {
    if (!lock_->locked()) throw RuntimeError("cannot notify on un-acquired lock");
    wake(waiters_.size(), 0xffffffff, where);
  }
  std::size_t waiters() const noexcept { return waiters_.size(); }

 private:
  // Wakes up to n waiters; `requested` is what the Notify row says was asked (all: 0xffffffff).
  void wake(std::size_t n, std::uint64_t requested, const detail::Here& where) noexcept {
    std::uint64_t woken = 0;
    for (std::size_t i = 0; i < n && waiters_.wake_one(); ++i) ++woken;
    detail::rec_event(rt::Ev::Notify, rec_.id, (std::min<std::uint64_t>(requested, 0xffffffff) << 32) | woken, where);
  }
  std::unique_ptr<Lock> own_;
  Lock* lock_;
  detail::WaitList waiters_;
  std::string name_;
  detail::Recorded rec_;
};

// asyncio.Semaphore: a counter; acquire() waits (FIFO) while it is 0.
class Semaphore {
 public:
  // Throws ValueError if `value` < 0.
  explicit Semaphore(long value = 1, std::string_view name = {},
                     const std::source_location& where = std::source_location::current())
      : value_(value), name_(name), rec_(rt::ObjKind::AioSemaphore, name, where) {
    if (value < 0) throw ValueError("Semaphore initial value must be >= 0");
  }
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  struct [[nodiscard]] Acquire : detail::Waiter {
    Acquire(Semaphore* s, const detail::Here& where) noexcept
        : Waiter("Semaphore", &s->name_, s->rec_.id, where), sem(s) {}
    bool await_ready() noexcept {
      if (sem->locked()) return false;
      --sem->value_;
      detail::rec_event(rt::Ev::Acquired, obj, static_cast<std::uint64_t>(sem->value_), where);
      return true;
    }
    void await_suspend(std::coroutine_handle<> h) noexcept {
      detail::rec_event(rt::Ev::AcquireBegin, obj, 0, where);
      suspend(h);
      sem->waiters_.push_back(this);
    }
    bool await_resume() {
      if (cancelled()) {
        detail::rec_event(rt::Ev::AcquireFailed, obj, static_cast<std::uint64_t>(rt::AcquireFail::Error), where);
        if (woken) sem->give_back();  // a unit was handed to us: pass it on
        throw CancelledError("Semaphore.acquire() cancelled");
      }
      if (task != nullptr)  // it waited (await_ready recorded an acquisition that did not)
        detail::rec_event(rt::Ev::Acquired, obj, static_cast<std::uint64_t>(sem->value_), where);
      return true;
    }
    Semaphore* sem;
  };

  // `co_await sem.acquire()`: takes one unit, waiting (FIFO) while there is none; returns true.
  Acquire acquire(const std::source_location& where = std::source_location::current()) noexcept {
    return Acquire(this, where);
  }
  [[nodiscard]] detail::ScopedAwait<Acquire, Semaphore> scoped(
      const std::source_location& where = std::source_location::current()) noexcept {
    return {Acquire(this, where), this};
  }
  // Adds one unit, handing it to the first waiting task.
  void release(const std::source_location& where = std::source_location::current()) {
    detail::rec_event(rt::Ev::Release, rec_.id,
                 static_cast<std::uint64_t>(waiters_.empty() ? value_ + 1 : value_), where);
    give_back();
  }
  rt::ObjId id() const noexcept { return rec_.id; }
  // True if acquire() would wait.
  bool locked() const noexcept { return value_ == 0 || !waiters_.empty(); }
  // The counter (CPython's `_value`).
  long value() const noexcept { return value_; }

 protected:
  void give_back() noexcept {
    ++value_;
    if (!waiters_.empty()) {
      --value_;
      waiters_.wake_one();
    }
  }
  long value_;
  detail::WaitList waiters_;
  std::string name_;
  detail::Recorded rec_;
};

// asyncio.BoundedSemaphore: release() above the initial value throws ValueError.
class BoundedSemaphore : public Semaphore {
 public:
  explicit BoundedSemaphore(long value = 1, std::string_view name = {},
                            const std::source_location& where = std::source_location::current())
      : Semaphore(value, name, where), bound_(value) {}
  void release(const std::source_location& where = std::source_location::current()) {
    if (value_ >= bound_) throw ValueError("BoundedSemaphore released too many times");
    Semaphore::release(where);
  }
  [[nodiscard]] detail::ScopedAwait<Acquire, BoundedSemaphore> scoped(
      const std::source_location& where = std::source_location::current()) noexcept {
    return {Acquire(this, where), this};
  }

 private:
  long bound_;
};

using weft::BrokenBarrierError;

// asyncio.Barrier (Python 3.11): `parties` tasks meet; each `co_await b.wait()` returns its
// arrival index (0 .. parties-1) once the last has arrived. abort() breaks it for good: waiting
// and later wait()s throw BrokenBarrierError. reset() sends the waiting tasks
// BrokenBarrierError and makes the barrier usable again (CPython's reset() is a coroutine that
// first lets a passing generation drain; here passing tasks are already on their way).
// A cancelled waiter leaves and is not counted.
class Barrier {
 public:
  // Throws ValueError if `parties` < 1.
  explicit Barrier(int parties, std::string_view name = {},
                   const std::source_location& where = std::source_location::current())
      : parties_(parties), name_(name), rec_(rt::ObjKind::AioBarrier, name, where) {
    if (parties < 1) throw ValueError("parties must be > 0");
  }
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  [[nodiscard]] Coro<int> wait(std::source_location where = std::source_location::current()) {
    if (broken_) throw BrokenBarrierError("Barrier aborted");
    int index = count_++;
    detail::rec_event(rt::Ev::BarrierArrive, rec_.id, static_cast<std::uint64_t>(index), where);
    if (count_ == parties_) {
      count_ = 0;
      ++generation_;
      detail::rec_event(rt::Ev::BarrierPass, rec_.id, generation_, where);
      waiters_.wake_all();
      co_return index;
    }
    const std::uint64_t generation = generation_, breaks = breaks_;
    {
      Arrival w(this, where);
      co_await w;
      if (w.was_cancelled) {
        if (generation_ == generation && breaks_ == breaks && count_ > 0) --count_;
        throw CancelledError("Barrier.wait() cancelled");
      }
    }
    if (breaks_ != breaks) throw BrokenBarrierError(broken_ ? "Barrier aborted" : "Barrier reset");
    detail::rec_event(rt::Ev::BarrierPass, rec_.id, generation_, where);
    co_return index;
  }
  // Breaks the barrier: every waiting task, and every later wait(), gets BrokenBarrierError.
  void abort(const std::source_location& where = std::source_location::current()) {
    detail::rec_event(rt::Ev::BarrierBreak, rec_.id, 0, where);
    broken_ = true;
    ++breaks_;
    count_ = 0;
    waiters_.wake_all();
  }
  // Back to the empty, unbroken state; the tasks waiting now get BrokenBarrierError.
  void reset(const std::source_location& where = std::source_location::current()) {
    detail::rec_event(rt::Ev::BarrierBreak, rec_.id, 2, where);
    broken_ = false;
    ++breaks_;
    count_ = 0;
    waiters_.wake_all();
  }
  int parties() const noexcept { return parties_; }
  int n_waiting() const noexcept { return count_; }
  bool broken() const noexcept { return broken_; }
  rt::ObjId id() const noexcept { return rec_.id; }

 private:
  struct Arrival : detail::Waiter {
    Arrival(Barrier* b, const detail::Here& where) noexcept
        : Waiter("Barrier", &b->name_, b->rec_.id, where), b(b) {}
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) noexcept {
      suspend(h);
      b->waiters_.push_back(this);
    }
    void await_resume() noexcept { was_cancelled = cancelled(); }
    Barrier* b;
    bool was_cancelled = false;
  };
  int parties_;
  int count_ = 0;
  std::uint64_t generation_ = 0, breaks_ = 0;
  bool broken_ = false;
  detail::WaitList waiters_;
  std::string name_;
  detail::Recorded rec_;
};

// asyncio.Queue: FIFO, at most `maxsize` items (<= 0: unbounded).
template <class T>
class Queue {
 public:
  explicit Queue(long maxsize = 0, std::string_view name = {},
                 const std::source_location& where = std::source_location::current())
      : maxsize_(maxsize), name_(name), rec_(rt::ObjKind::AioQueue, name, where) {}
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // `co_await q.put(x)`: waits while the queue is full, then appends.
  [[nodiscard]] Coro<void> put(T item, std::source_location where = std::source_location::current()) {
    while (full()) {
      detail::ListWait w(putters_, "Queue.put", &name_, rec_.id, where);
      try {
        co_await w;
      } catch (const CancelledError&) {
        if (w.woken && !full()) putters_.wake_one();  // pass the free slot on
        throw;
      }
    }
    put_nowait(std::move(item), where);
  }
  // `co_await q.get()`: waits while the queue is empty, then removes and returns the first item.
  // A cancelled getter takes nothing: items stay in the queue, a wake-up it had is passed on.
  [[nodiscard]] Coro<T> get(std::source_location where = std::source_location::current()) {
    while (empty()) {
      detail::ListWait w(getters_, "Queue.get", &name_, rec_.id, where);
      try {
        co_await w;
      } catch (const CancelledError&) {
        if (w.woken && !empty()) getters_.wake_one();  // pass the item on
        throw;
      }
    }
    co_return get_nowait(where);
  }
  // Appends, or throws QueueFull.
  void put_nowait(T item, const std::source_location& where = std::source_location::current()) {
    if (full()) throw QueueFull();
    detail::rec_event(rt::Ev::QueuePut, rec_.id, items_.size() + 1, where);
    items_.push_back(std::move(item));
    ++unfinished_;
    getters_.wake_one();
  }
  // Removes and returns the first item, or throws QueueEmpty.
  T get_nowait(const std::source_location& where = std::source_location::current()) {
    if (empty()) throw QueueEmpty();
    detail::rec_event(rt::Ev::QueueGet, rec_.id, items_.size() - 1, where);
    T item = std::move(items_.front());
    items_.pop_front();
    putters_.wake_one();
    return item;
  }
  // One item taken by get() is processed. Throws ValueError if called more often than items
  // were put.
  void task_done() {
    if (unfinished_ <= 0) throw ValueError("task_done() called too many times");
    if (--unfinished_ == 0) joiners_.wake_all();
  }
  // `co_await q.join()`: waits until task_done() was called for every item put.
  [[nodiscard]] Coro<void> join(std::source_location where = std::source_location::current()) {
    if (unfinished_ > 0) {
      detail::ListWait w(joiners_, "Queue.join", &name_, rec_.id, where);
      co_await w;
    }
  }
  std::size_t qsize() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  bool full() const noexcept {
    return maxsize_ > 0 && static_cast<long>(items_.size()) >= maxsize_;
  }
  long maxsize() const noexcept { return maxsize_; }

 private:
  long maxsize_;
  std::deque<T> items_;
  detail::WaitList getters_, putters_, joiners_;
  long unfinished_ = 0;
  std::string name_;
  detail::Recorded rec_;
};

}  // namespace weft::aio
