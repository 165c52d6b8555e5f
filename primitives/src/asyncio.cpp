// weft::aio's event loop: ready queue, timer heap, the to_thread() hand-off, deadlock detection.
#include "weft/asyncio.hpp"

#include <algorithm>
#include <map>

namespace weft::aio {

namespace {

std::string deadlock_message(const std::vector<StuckTask>& stuck) {
  std::map<std::string, int> kinds;
  for (auto& s : stuck) ++kinds[s.waits_on];
  std::string m = "asyncio deadlock: " + std::to_string(stuck.size()) +
                  (stuck.size() == 1 ? " task is" : " tasks are") +
                  " suspended and nothing can wake them (no task ready, no timer, no to_thread() "
                  "call pending) - ";
  bool first = true;
  for (auto& [k, n] : kinds) {
    m += (first ? "" : ", ") + std::to_string(n) + " on " + k;
    first = false;
  }
  m += ":";
  for (auto& s : stuck) {
    m += "\n  " + s.task + " waits on " + s.waits_on;
    if (!s.object.empty()) m += " '" + s.object + "'";
  }
  return m;
}

thread_local detail::Loop* tls_loop = nullptr;

bool timer_after(const std::shared_ptr<detail::Timer>& a, const std::shared_ptr<detail::Timer>& b) {
  return a->at != b->at ? a->at > b->at : a->seq > b->seq;
}

}  // namespace

DeadlockError::DeadlockError(std::vector<StuckTask> stuck)
    : RuntimeError(deadlock_message(stuck)), stuck_(std::move(stuck)) {}

namespace detail {

namespace {
// TaskEnd's arg: 0 result, 1 exception, 2 cancelled (as for a Future's task).
std::uint64_t end_code(TaskState s) {
  return s == TaskState::Finished ? 0 : s == TaskState::Failed ? 1 : 2;
}
}  // namespace

void TaskBase::finish(std::exception_ptr e) noexcept {
  if (e) {
    error = e;
    try {
      std::rethrow_exception(e);
    } catch (const CancelledError&) {
      state = TaskState::Cancelled;
    } catch (...) {
      state = TaskState::Failed;
    }
  } else if (must_cancel) {  // cancelled right before the coroutine returned (CPython)
    error = std::make_exception_ptr(CancelledError("task cancelled"));
    state = TaskState::Cancelled;
  } else {
    state = TaskState::Finished;
  }
  must_cancel = false;
  waiting = nullptr;
  finish_seq = loop->next_finish_seq();
  rec_event(rt::Ev::TaskEnd, rec.id, end_code(state), {});
  done_waiters.wake_all();
}

void TaskBase::finish_cancelled() noexcept {
  if (done()) return;
  must_cancel = false;
  waiting = nullptr;
  error = std::make_exception_ptr(CancelledError("task cancelled"));
  state = TaskState::Cancelled;
  finish_seq = loop->next_finish_seq();
  // Ended without running (more): its lane still ends, where it stood.
  rec_event(rt::Ev::TaskResume, rec.id, 0, resume_site);
  rec_event(rt::Ev::TaskEnd, rec.id, end_code(state), {});
  done_waiters.wake_all();
}

Loop::Loop() {
  if (tls_loop) throw RuntimeError("asyncio.run() cannot be called from a running event loop");
  tls_loop = this;
}

Loop::~Loop() {
  shutdown();
  tls_loop = nullptr;
}

Loop* Loop::current() noexcept { return tls_loop; }

Loop& Loop::get() {
  if (!tls_loop) throw RuntimeError("no running event loop");
  return *tls_loop;
}

void Loop::add_task(std::shared_ptr<TaskBase> t) {
  TaskBase* p = t.get();
  tasks_.emplace(p, std::move(t));
  schedule(p);
}

void Loop::schedule(TaskBase* t) noexcept {
  if (closing_ || t->scheduled || t->done()) return;
  t->scheduled = true;
  ready_.push_back(t->shared_from_this());
}

std::shared_ptr<Timer> Loop::call_at(Clock::time_point at, Waiter* w) {
  auto t = std::make_shared<Timer>(Timer{at, ++timer_seq_, w});
  timers_.push_back(t);
  std::push_heap(timers_.begin(), timers_.end(), timer_after);
  ++live_timers_;
  return t;
}

void Loop::cancel_timer(Timer& t) noexcept {
  if (!t.w) return;
  t.w = nullptr;
  --live_timers_;
}

ThreadPoolExecutor& Loop::executor() {
  if (!executor_) executor_ = std::make_unique<ThreadPoolExecutor>(0, "asyncio");
  return *executor_;
}

void Loop::step() {
  std::shared_ptr<TaskBase> t = std::move(ready_.front());
  ready_.pop_front();
  t->scheduled = false;
  if (t->done()) return;
  std::coroutine_handle<> h;
  if (!t->started) {
    t->started = true;
    if (t->must_cancel) {  // cancelled before it ran: its body never runs
      t->finish_cancelled();
      tasks_.erase(t.get());
      return;
    }
    h = t->root;
  } else {
    h = std::exchange(t->resume_at, {});
  }
  current_task = t.get();
  rec_event(rt::Ev::TaskResume, t->rec.id, 0, t->resume_site);
  h.resume();
  current_task = nullptr;
  if (!t->done() && t->must_cancel && t->waiting) {
    // Cancelled while it ran (or before, without suspending since): the CancelledError goes to
    // the suspension point it just reached.
    Waiter* w = std::exchange(t->waiting, nullptr);
    w->withdraw();
    schedule(t.get());
  }
  if (t->done()) tasks_.erase(t.get());
}

bool Loop::run_once() {
  std::vector<std::function<void()>> posted;
  {
    std::unique_lock lk(inbox_->mu);
    if (ready_.empty() && inbox_->items.empty()) {
      while (!timers_.empty() && !timers_.front()->w) {
        std::pop_heap(timers_.begin(), timers_.end(), timer_after);
        timers_.pop_back();
      }
      if (live_timers_ == 0 && inbox_->outstanding == 0) return false;
      // Block (not spin) until a to_thread() result arrives or the next timer is due.
      auto has_items = [&] { return !inbox_->items.empty(); };
      if (live_timers_ > 0)
        inbox_->cv.wait_until(lk, timers_.front()->at, has_items);
      else
        inbox_->cv.wait(lk, has_items);
    }
    posted.swap(inbox_->items);
  }
  for (auto& f : posted) f();
  auto now = Clock::now();
  while (!timers_.empty() && timers_.front()->at <= now) {
    std::pop_heap(timers_.begin(), timers_.end(), timer_after);
    std::shared_ptr<Timer> t = std::move(timers_.back());
    timers_.pop_back();
    if (Waiter* w = t->w) {
      cancel_timer(*t);
      w->fire();
    }
  }
  // The tasks ready now; those they make ready run in the next iteration (after timers).
  for (std::size_t n = ready_.size(); n > 0 && !ready_.empty(); --n) step();
  return true;
}

void Loop::throw_deadlock() {
  std::vector<StuckTask> stuck;
  std::vector<std::pair<std::string, const TaskBase*>> order;
  for (auto& [p, t] : tasks_) {
    if (t->done()) continue;
    StuckTask s{t->name, "?", {}};
    if (t->waiting) {
      s.waits_on = t->waiting->kind;
      if (t->waiting->object) s.object = *t->waiting->object;
    }
    stuck.push_back(std::move(s));
    order.emplace_back(t->name, t.get());
  }
  std::sort(stuck.begin(), stuck.end(),
            [](const StuckTask& a, const StuckTask& b) { return a.task < b.task; });
  std::sort(order.begin(), order.end());
  record_deadlock(order);
  throw DeadlockError(std::move(stuck));
}

// The task deadlock as a finding of the recording: each stuck task ({object:N}: its lane) and
// what it waits on, with the sites of their co_awaits.
void Loop::record_deadlock(const std::vector<std::pair<std::string, const TaskBase*>>& stuck) noexcept {
  rt::Sink* sink = rt::active_sink();
  if (sink == nullptr) return;
  try {
    rt::FindingRecord f;
    f.kind = std::string(rt::bug_kind::kDeadlock);
    std::string m = "asyncio deadlock: ";
    m += std::to_string(stuck.size());
    m += stuck.size() == 1 ? " task is" : " tasks are";
    m += " suspended and nothing can wake them (no task ready, no timer, no to_thread() call "
         "pending), so the event loop of {thread:";
    m += std::to_string(rt::current_thread_index());
    m += "} stopped with DeadlockError:";
    f.threads = {rt::current_thread_index()};
    bool first = true;
    for (const auto& [name, t] : stuck) {
      m += first ? " " : "; ";
      first = false;
      m += "{object:" + std::to_string(t->rec.id) + "}";
      f.objects.push_back(t->rec.id);
      if (t->waiting == nullptr) continue;
      m += " waits on ";
      if (t->waiting->obj != 0) {
        m += "{object:" + std::to_string(t->waiting->obj) + "}";
        f.objects.push_back(t->waiting->obj);
      } else {
        m += t->waiting->kind;
      }
      if (t->waiting->where.file_name()[0] != '\0') {
        m += " at ";
        m += t->waiting->where.file_name();
        m += ":" + std::to_string(t->waiting->where.line());
        f.sites.push_back(t->waiting->where);
      }
    }
    f.message = std::move(m);
    sink->on_finding(f);
  } catch (...) {  // out of memory: the exception still reports it
  }
}

void Loop::run_until(TaskBase* main) {
  while (!main->done()) {
    if (!run_once()) throw_deadlock();
  }
}

void Loop::shutdown() noexcept {
  if (closing_) return;
  try {
    // Like asyncio.run(): cancel what is left and let it wind down.
    std::vector<std::shared_ptr<TaskBase>> rest;
    for (auto& [p, t] : tasks_) rest.push_back(t);
    for (auto& t : rest) t->cancel();
    while (!tasks_.empty() && run_once()) {
    }
  } catch (...) {
  }
  closing_ = true;
  // Tasks that still wait (they caught CancelledError and waited again): destroy their frames,
  // which unlinks their waiters and runs their destructors.
  auto rest = std::move(tasks_);
  tasks_.clear();
  for (auto& [p, t] : rest) {
    t->destroy_frame();
    t->finish_cancelled();
  }
  ready_.clear();
  executor_.reset();  // waits for to_thread() calls still running
  std::vector<std::function<void()>> posted;
  {
    std::lock_guard g(inbox_->mu);
    posted.swap(inbox_->items);
  }
  posted.clear();
  timers_.clear();
  live_timers_ = 0;
}

}  // namespace detail
}  // namespace weft::aio
