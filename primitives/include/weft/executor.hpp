// weft/executor.hpp: weft::Future, weft::ThreadPoolExecutor and weft::as_completed, Python's
// concurrent.futures.
//
//   weft::ThreadPoolExecutor pool{4, "fetch"};
//   weft::Future<int> f = pool.submit([](int x) { return x * x; }, 7);
//   f.result();                                   // 49, rethrows the task's exception
//   auto squares = pool.map([](int x) { return x * x; }, std::vector{1, 2, 3});
//   for (auto& g : weft::as_completed(futures)) use(g.result());
//
// A Future is a copyable handle to the shared state of one task: pending -> running ->
// finished, or pending -> cancelled.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/detail/sync.hpp"
#include "weft/errors.hpp"
#include "weft/runtime/event.hpp"
#include "weft/thread.hpp"

namespace weft {

template <class T>
class Future;

namespace detail {

enum class FutureState { Pending, Running, Cancelled, Finished };

// Collects the futures that complete while as_completed() waits.
struct CompletionWaiter {
  ::weft::detail::QuietMutex mu;
  ::weft::detail::QuietCondVar cv;
  std::vector<const void*> done;  // FutureCore addresses, in completion order
};

// The untyped part of a future's shared state.
struct FutureCore {
  explicit FutureCore(const std::source_location& where)
      : id(rt::new_object(rt::ObjKind::Future, {}, where)) {}
  ~FutureCore() { rt::destroy_object(id); }
  FutureCore(const FutureCore&) = delete;
  FutureCore& operator=(const FutureCore&) = delete;

  bool done_locked() const { return state == FutureState::Cancelled || state == FutureState::Finished; }
  // Wakes result() callers and as_completed() waiters. Call with `mu` held.
  void notify_locked() {
    cv.notify_all();
    for (auto& w : waiters) {
      std::lock_guard g(w->mu);
      w->done.push_back(this);
      w->cv.notify_all();
    }
    waiters.clear();
  }
  // Blocks (with `lk` on `mu`) until done or `deadline`; records the wait. True if done.
  bool wait_done(::weft::detail::QuietCondVar::Lock& lk, double timeout,
                 const std::source_location& where) {
    if (done_locked()) return true;
    rt::Sink* s = rt::active_sink();
    if (s) [[unlikely]] s->on_event(rt::Ev::WaitBegin, id, 0, where);
    Deadline deadline = Deadline::after(timeout);
    bool ok;
    if (deadline.forever) {
      cv.wait(lk, [&] { return done_locked(); });
      ok = true;
    } else {
      ok = cv.wait_until(lk, deadline.at, [&] { return done_locked(); });
    }
    if (s) [[unlikely]] {
      s->on_event(rt::Ev::WaitEnd, id,
                  static_cast<std::uint64_t>(ok ? rt::WaitResult::Notified
                                                : rt::WaitResult::Timeout),
                  where);
    }
    return ok;
  }

  mutable ::weft::detail::QuietMutex mu;
  ::weft::detail::QuietCondVar cv;
  FutureState state = FutureState::Pending;
  std::exception_ptr error;
  std::vector<std::shared_ptr<CompletionWaiter>> waiters;
  rt::ObjId id;
  rt::ObjId executor = 0;
};

// Prints an exception thrown by a done-callback (it does not stop the other callbacks).
void report_callback_exception(std::exception_ptr e) noexcept;

template <class T>
struct FutureShared : FutureCore {
  using FutureCore::FutureCore;
  using Value = std::conditional_t<std::is_void_v<T>, char, T>;
  std::optional<Value> value;
  std::vector<std::function<void(Future<T>)>> callbacks;
};

}  // namespace detail

template <class T>
class Future {
 public:
  // A pending future not tied to an executor (Python's Future()); complete it with
  // set_result() or set_exception().
  explicit Future(std::source_location where = std::source_location::current())
      : st_(std::make_shared<detail::FutureShared<T>>(where)) {}

  // Future::result()
  //
  // Blocks until the future is done (at most `timeout` seconds if `timeout` >= 0; negative: no
  // limit) and returns the task's value, or rethrows the exception the task threw.
  //
  // Throws TimeoutError if it is still not done after `timeout`; CancelledError if it was
  // cancelled.
  //
  // Memory ordering: everything the task did is visible after result() returns or throws the
  // task's exception.
  T result(double timeout = -1, std::source_location where = std::source_location::current()) {
    detail::check_wait_timeout(timeout);
    std::unique_lock lk(st_->mu);
    if (!st_->wait_done(lk, timeout, where)) throw TimeoutError("future not done in time");
    if (st_->state == detail::FutureState::Cancelled) throw CancelledError("future was cancelled");
    if (st_->error) std::rethrow_exception(st_->error);
    if constexpr (!std::is_void_v<T>) return *st_->value;
  }

  // Like result(), but returns the task's exception (null if it returned normally) instead of
  // rethrowing it. Throws TimeoutError and CancelledError as result() does.
  std::exception_ptr exception(double timeout = -1,
                               std::source_location where = std::source_location::current()) {
    detail::check_wait_timeout(timeout);
    std::unique_lock lk(st_->mu);
    if (!st_->wait_done(lk, timeout, where)) throw TimeoutError("future not done in time");
    if (st_->state == detail::FutureState::Cancelled) throw CancelledError("future was cancelled");
    return st_->error;
  }

  // True once the task finished (value or exception) or the future was cancelled.
  bool done() const {
    std::lock_guard g(st_->mu);
    return st_->done_locked();
  }
  // True while the task runs.
  bool running() const {
    std::lock_guard g(st_->mu);
    return st_->state == detail::FutureState::Running;
  }
  bool cancelled() const {
    std::lock_guard g(st_->mu);
    return st_->state == detail::FutureState::Cancelled;
  }

  // Future::cancel()
  //
  // Cancels a future that has not started: returns true (also if it was already cancelled),
  // runs the done-callbacks and wakes waiters. Returns false if the task is running or done.
  // Never blocks.
  bool cancel(std::source_location where = std::source_location::current()) {
    std::vector<std::function<void(Future<T>)>> cbs;
    {
      std::lock_guard g(st_->mu);
      if (st_->state == detail::FutureState::Running ||
          st_->state == detail::FutureState::Finished)
        return false;
      if (st_->state == detail::FutureState::Cancelled) return true;
      st_->state = detail::FutureState::Cancelled;
      rt::emit(rt::Ev::TaskEnd, st_->id, 2, where);
      st_->notify_locked();
      cbs.swap(st_->callbacks);
    }
    run_callbacks(cbs);
    return true;
  }

  // Calls `fn(future)` when the future is done, in the thread that completes or cancels it;
  // at once, in the calling thread, if it is already done. An exception thrown by `fn` is
  // printed to stderr and does not stop the other callbacks.
  void add_done_callback(std::function<void(Future<T>)> fn) {
    {
      std::lock_guard g(st_->mu);
      if (!st_->done_locked()) {
        st_->callbacks.push_back(std::move(fn));
        return;
      }
    }
    try {
      fn(*this);
    } catch (...) {
      detail::report_callback_exception(std::current_exception());
    }
  }

  // For executors (as in CPython): moves a pending future to running and returns true, or
  // returns false if it was cancelled. Throws RuntimeError in any other state.
  bool set_running_or_notify_cancel() {
    std::lock_guard g(st_->mu);
    if (st_->state == detail::FutureState::Cancelled) return false;
    if (st_->state != detail::FutureState::Pending)
      throw RuntimeError("Future in unexpected state");
    st_->state = detail::FutureState::Running;
    return true;
  }

  // Completes the future with a value (no argument for Future<void>) or an exception, wakes
  // result() callers and runs the done-callbacks. Throws RuntimeError if already done.
  template <class U = T>
    requires(!std::is_void_v<U>)
  void set_result(U value) {
    complete([&] { st_->value.emplace(std::move(value)); });
  }
  template <class U = T>
    requires std::is_void_v<U>
  void set_result() {
    complete([&] { st_->value.emplace(); });
  }
  void set_exception(std::exception_ptr e) {
    complete([&] { st_->error = std::move(e); });
  }

  // The object id of the future in the trace.
  rt::ObjId id() const noexcept { return st_->id; }
  // True if both handles share one state.
  friend bool operator==(const Future& a, const Future& b) { return a.st_ == b.st_; }

 private:
  template <class U>
  friend std::vector<Future<U>> as_completed(std::vector<Future<U>> fs, double timeout,
                                             std::source_location where);
  friend class ThreadPoolExecutor;

  template <class Fill>
  void complete(Fill fill) {
    std::vector<std::function<void(Future<T>)>> cbs;
    {
      std::lock_guard g(st_->mu);
      if (st_->done_locked()) throw RuntimeError("future is already done");
      fill();
      st_->state = detail::FutureState::Finished;
      st_->notify_locked();
      cbs.swap(st_->callbacks);
    }
    run_callbacks(cbs);
  }
  void run_callbacks(std::vector<std::function<void(Future<T>)>>& cbs) {
    for (auto& cb : cbs) {
      try {
        cb(*this);
      } catch (...) {
        detail::report_callback_exception(std::current_exception());
      }
    }
  }

  std::shared_ptr<detail::FutureShared<T>> st_;
};

class ThreadPoolExecutor {
 public:
  // A pool of at most `max_workers` threads (0: min(32, hardware threads + 4)), started on
  // demand and named "<prefix>_<i>" (default prefix "ThreadPoolExecutor-<n>"). `initializer`
  // runs first in each worker; if it throws, the pool is broken: pending and later tasks fail
  // with RuntimeError. Throws ValueError if `max_workers` < 0.
  explicit ThreadPoolExecutor(int max_workers = 0, std::string thread_name_prefix = {},
                              std::function<void()> initializer = {},
                              std::source_location where = std::source_location::current());
  // shutdown(true): waits for every submitted task, like leaving Python's `with` block.
  ~ThreadPoolExecutor();
  ThreadPoolExecutor(const ThreadPoolExecutor&) = delete;
  ThreadPoolExecutor& operator=(const ThreadPoolExecutor&) = delete;

  // ThreadPoolExecutor::submit()
  //
  // Schedules `fn(args...)` (arguments are copied or moved in) and returns its Future. Never
  // blocks. Throws RuntimeError after shutdown() or when the pool is broken.
  //
  // Memory ordering: everything before submit() is visible to the task.
  template <class F, class... A>
  auto submit(F&& fn, A&&... args) -> Future<std::invoke_result_t<F, A...>> {
    return submit_at(location_, std::forward<F>(fn), std::forward<A>(args)...);
  }
  // submit() recording `where` as the call site (submit() itself cannot take a defaulted
  // source_location after its parameter pack; it records the executor's construction site).
  template <class F, class... A>
  auto submit_at(std::source_location where, F&& fn, A&&... args)
      -> Future<std::invoke_result_t<F, A...>> {
    using R = std::invoke_result_t<F, A...>;
    Future<R> fut(where);
    fut.st_->executor = id_;
    rt::ObjId exec = id_;
    auto call = [fn = std::forward<F>(fn), ... args = std::forward<A>(args)]() mutable -> R {
      return std::invoke(fn, args...);
    };
    Item item;
    item.run = [fut, call = std::move(call), exec, where]() mutable {
      if (!fut.set_running_or_notify_cancel()) return;
      rt::emit(rt::Ev::TaskStart, fut.id(), exec, where);
      std::exception_ptr err;
      if constexpr (std::is_void_v<R>) {
        try {
          call();
        } catch (...) {
          err = std::current_exception();
        }
        rt::emit(rt::Ev::TaskEnd, fut.id(), err ? 1 : 0, where);
        if (err)  // moved: the worker keeps no reference to the published exception
          fut.set_exception(std::move(err));
        else
          fut.set_result();
      } else {
        std::optional<R> value;
        try {
          value.emplace(call());
        } catch (...) {
          err = std::current_exception();
        }
        rt::emit(rt::Ev::TaskEnd, fut.id(), err ? 1 : 0, where);
        if (err)  // moved: the worker keeps no reference to the published exception
          fut.set_exception(std::move(err));
        else
          fut.set_result(std::move(*value));
      }
    };
    item.cancel = [fut]() mutable { fut.cancel(); };
    item.fail = [fut](std::exception_ptr e) mutable {
      if (fut.set_running_or_notify_cancel()) fut.set_exception(e);
    };
    enqueue(std::move(item), fut.id(), where);
    return fut;
  }

  // ThreadPoolExecutor::map()
  //
  // Runs `fn(item)` for each element of `items` in the pool and returns the results in input
  // order, blocking until all are done. If a call throws, rethrows the exception of the first
  // failing item in input order after cancelling the items not yet started.
  template <class F, class Range>
  auto map(F&& fn, const Range& items) {
    using Item = decltype(*std::begin(items));
    using R = std::invoke_result_t<F&, Item>;
    static_assert(!std::is_void_v<R>, "map() needs a function that returns a value");
    std::vector<Future<R>> futures;
    for (const auto& x : items) futures.push_back(submit(fn, x));
    std::vector<R> out;
    out.reserve(futures.size());
    for (std::size_t i = 0; i < futures.size(); ++i) {
      try {
        out.push_back(futures[i].result());
      } catch (...) {
        for (std::size_t j = i + 1; j < futures.size(); ++j) futures[j].cancel();
        throw;
      }
    }
    return out;
  }

  // ThreadPoolExecutor::shutdown()
  //
  // Stops accepting tasks. With `cancel_futures`, cancels the tasks that have not started.
  // With `wait`, blocks until every worker has finished the remaining tasks and exited.
  // Calling it again is harmless.
  void shutdown(bool wait = true, bool cancel_futures = false,
                std::source_location where = std::source_location::current());

  rt::ObjId id() const noexcept { return id_; }

 private:
  struct Item {
    std::function<void()> run;
    std::function<void()> cancel;
    std::function<void(std::exception_ptr)> fail;
  };
  void enqueue(Item item, rt::ObjId future, const std::source_location& where);
  void worker();

  ::weft::detail::QuietMutex mu_;
  ::weft::detail::QuietCondVar cv_;
  std::vector<Item> queue_;  // FIFO: taken from head_
  std::size_t head_ = 0;
  bool shutdown_ = false;
  std::string broken_;
  int idle_ = 0;
  int max_workers_;
  std::string prefix_;
  std::function<void()> initializer_;
  std::vector<std::unique_ptr<Thread>> threads_;
  std::source_location location_;
  rt::ObjId id_;
};

// as_completed()
//
// Waits for every distinct future in `fs` and returns them in the order they completed
// (those already done first, in their order in `fs`). Throws TimeoutError if they are not all
// done after `timeout` seconds (negative: no limit).
template <class T>
std::vector<Future<T>> as_completed(std::vector<Future<T>> fs, double timeout = -1,
                                    std::source_location where = std::source_location::current()) {
  detail::check_wait_timeout(timeout);
  std::vector<Future<T>> out, pending;
  auto waiter = std::make_shared<detail::CompletionWaiter>();
  for (auto& f : fs) {
    bool seen = false;
    for (auto& o : out) seen = seen || o == f;
    for (auto& p : pending) seen = seen || p == f;
    if (seen) continue;
    std::lock_guard g(f.st_->mu);
    if (f.st_->done_locked()) {
      out.push_back(f);
    } else {
      f.st_->waiters.push_back(waiter);
      pending.push_back(f);
    }
  }
  detail::Deadline deadline = detail::Deadline::after(timeout);
  std::size_t total = out.size() + pending.size();
  std::unique_lock lk(waiter->mu);
  std::size_t taken = 0;
  while (out.size() < total) {
    bool ok = true;
    if (deadline.forever)
      waiter->cv.wait(lk, [&] { return waiter->done.size() > taken; });
    else
      ok = waiter->cv.wait_until(lk, deadline.at, [&] { return waiter->done.size() > taken; });
    if (!ok) {
      lk.unlock();
      for (auto& p : pending) {
        std::lock_guard g(p.st_->mu);
        auto& ws = p.st_->waiters;
        ws.erase(std::remove(ws.begin(), ws.end(), waiter), ws.end());
      }
      throw TimeoutError(std::to_string(total - out.size()) + " (of " + std::to_string(total) +
                         ") futures unfinished");
    }
    for (; taken < waiter->done.size(); ++taken)
      for (auto& p : pending)
        if (static_cast<const void*>(static_cast<const detail::FutureCore*>(p.st_.get())) ==
            waiter->done[taken])
          out.push_back(p);
  }
  (void)where;
  return out;
}

}  // namespace weft
