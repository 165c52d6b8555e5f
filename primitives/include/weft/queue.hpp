// weft/queue.hpp: weft::Queue, Python's queue.Queue.
//
//   weft::Queue<std::string> jobs{10, "jobs"};      // at most 10 items; 0: unbounded
//   // producer                       // consumer
//   jobs.put("a");                    auto j = jobs.get();
//                                     handle(j);
//   jobs.join();                      jobs.task_done();
//
// A FIFO queue for passing items between threads, with Python's task accounting: join()
// blocks until every item that was put has been matched by a task_done().
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <source_location>
#include <string_view>
#include <utility>

#include "weft/detail/sync.hpp"
#include "weft/errors.hpp"
#include "weft/runtime/event.hpp"

namespace weft {

template <class T>
class Queue {
 public:
  // A queue holding at most `maxsize` items (0: no limit).
  explicit Queue(std::size_t maxsize = 0, std::string_view name = {},
                 std::source_location where = std::source_location::current())
      : maxsize_(maxsize), id_(rt::new_object(rt::ObjKind::Queue, name, where)) {}
  ~Queue() { rt::destroy_object(id_); }
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // Queue::put()
  //
  // Appends `item`. If the queue is full: with `block` false throws Full at once; otherwise
  // blocks until there is room, or for at most `timeout` seconds (>= 0) and then throws Full.
  //
  // Memory ordering: everything before put() is visible to the thread that get()s the item.
  void put(T item, bool block = true, double timeout = -1,
           std::source_location where = std::source_location::current()) {
    detail::check_wait_timeout(timeout);
    std::unique_lock g(mu_);
    if (maxsize_ > 0 && items_.size() >= maxsize_) {
      if (!block) throw Full();
      if (!wait_until(g, not_full_, timeout, where,
                      [&] { return items_.size() < maxsize_; }))
        throw Full();
    }
    items_.push_back(std::move(item));
    ++unfinished_;
    rt::emit(rt::Ev::QueuePut, id_, items_.size(), where);
    not_empty_.notify_one();
  }
  void put_nowait(T item, std::source_location where = std::source_location::current()) {
    put(std::move(item), false, -1, where);
  }

  // Queue::get()
  //
  // Removes and returns the oldest item. If the queue is empty: with `block` false throws Empty
  // at once; otherwise blocks until an item arrives, or for at most `timeout` seconds (>= 0)
  // and then throws Empty.
  T get(bool block = true, double timeout = -1,
        std::source_location where = std::source_location::current()) {
    detail::check_wait_timeout(timeout);
    std::unique_lock g(mu_);
    if (items_.empty()) {
      if (!block) throw Empty();
      if (!wait_until(g, not_empty_, timeout, where, [&] { return !items_.empty(); }))
        throw Empty();
    }
    T item = std::move(items_.front());
    items_.pop_front();
    rt::emit(rt::Ev::QueueGet, id_, items_.size(), where);
    not_full_.notify_one();
    return item;
  }
  T get_nowait(std::source_location where = std::source_location::current()) {
    return get(false, -1, where);
  }

  // Marks one item taken by get() as processed. Never blocks. Throws ValueError if called more
  // times than items were put.
  void task_done() {
    std::lock_guard g(mu_);
    if (unfinished_ == 0) throw ValueError("task_done() called too many times");
    if (--unfinished_ == 0) all_done_.notify_all();
  }

  // Blocks until every item put so far has been matched by a task_done().
  // Memory ordering: what consumers did before task_done() is visible after join() returns.
  void join(std::source_location where = std::source_location::current()) {
    std::unique_lock g(mu_);
    wait_until(g, all_done_, -1, where, [&] { return unfinished_ == 0; });
  }

  // Snapshots (they may change at once).
  std::size_t qsize() const {
    std::lock_guard g(mu_);
    return items_.size();
  }
  bool empty() const { return qsize() == 0; }
  bool full() const {
    std::lock_guard g(mu_);
    return maxsize_ > 0 && items_.size() >= maxsize_;
  }
  std::size_t maxsize() const { return maxsize_; }
  rt::ObjId id() const noexcept { return id_; }

 private:
  // Waits on `cv` until `ready()`, recording WaitBegin/WaitEnd when it has to block.
  template <class Ready>
  bool wait_until(detail::QuietCondVar::Lock& g, detail::QuietCondVar& cv, double timeout,
                  const std::source_location& where, Ready ready) {
    if (ready()) return true;
    rt::Sink* s = rt::active_sink();
    if (s) [[unlikely]] s->on_event(rt::Ev::WaitBegin, id_, 0, where);
    detail::Deadline deadline = detail::Deadline::after(timeout);
    bool ok = true;
    if (deadline.forever)
      cv.wait(g, ready);
    else
      ok = cv.wait_until(g, deadline.at, ready);
    if (s) [[unlikely]] {
      s->on_event(rt::Ev::WaitEnd, id_,
                  static_cast<std::uint64_t>(ok ? rt::WaitResult::Notified
                                                : rt::WaitResult::Timeout),
                  where);
    }
    return ok;
  }

  mutable ::weft::detail::QuietMutex mu_;
  ::weft::detail::QuietCondVar not_empty_, not_full_, all_done_;
  std::deque<T> items_;
  std::size_t maxsize_;
  std::size_t unfinished_ = 0;
  rt::ObjId id_;
};

}  // namespace weft
