// Condition: a FIFO list of waiters, each sleeping on its own futex word.
#include "weft/condition.hpp"
#include "weft/runtime/protocol.hpp"

#include <string>

namespace weft {

using rt::Ev;

struct Condition::Waiter {
  std::atomic<std::uint32_t> signaled{0};
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
  bool linked = false;
};

Condition::Condition(std::string_view name, std::source_location where)
    : owned_(std::make_unique<RLock>(name.empty() ? std::string() : std::string(name) + ".lock", where)),
      rlock_(owned_.get()),
      id_(rt::new_object(rt::ObjKind::Condition, name, where)) {}

Condition::Condition(Lock& lock, std::string_view name, std::source_location where)
    : lock_(&lock), id_(rt::new_object(rt::ObjKind::Condition, name, where)) {}

Condition::Condition(RLock& lock, std::string_view name, std::source_location where)
    : rlock_(&lock), id_(rt::new_object(rt::ObjKind::Condition, name, where)) {}

Condition::~Condition() { rt::destroy_object(id_); }

bool Condition::acquire(bool blocking, double timeout, std::source_location where) {
  return rlock_ ? rlock_->acquire(blocking, timeout, where)
                : lock_->acquire(blocking, timeout, where);
}

void Condition::release(std::source_location where) {
  if (rlock_)
    rlock_->release(where);
  else
    lock_->release(where);
}

bool Condition::is_owned() const noexcept {
  return rlock_ ? rlock_->is_owned() : lock_->locked();
}

std::uint32_t Condition::release_save(const std::source_location& where) {
  if (rlock_) return rlock_->release_save(where);
  lock_->release(where);
  return 1;
}

void Condition::acquire_restore(std::uint32_t saved, const std::source_location& where) {
  if (rlock_)
    rlock_->acquire_restore(saved, where);
  else
    lock_->acquire(true, -1, where);
}

bool Condition::wait(double timeout, std::source_location where) {
  detail::check_wait_timeout(timeout);
  rt::Sink* s = rt::active_sink();
  if (s) [[unlikely]] rt::protocol::wait_begin(*s, id_, lock_id(), where);
  if (!is_owned()) throw RuntimeError("cannot wait on un-acquired lock");

  if (s && s->inject_spurious_wakeup(id_, timeout >= 0)) [[unlikely]] {
    std::uint32_t saved = release_save(where);
    rt::protocol::wait_end(*s, id_, rt::WaitResult::Spurious, where);
    acquire_restore(saved, where);
    return true;
  }

  Waiter w;
  {
    std::lock_guard g(waiters_mu_);
    w.prev = tail_;
    if (tail_)
      tail_->next = &w;
    else
      head_ = &w;
    tail_ = &w;
    w.linked = true;
  }
  std::uint32_t saved = release_save(where);

  detail::Deadline deadline = detail::Deadline::after(timeout);
  bool notified = true;
  while (w.signaled.load(std::memory_order_acquire) == 0) {
    if (!detail::futex_wait(w.signaled, 0, deadline)) {
      notified = w.signaled.load(std::memory_order_acquire) != 0;
      break;
    }
  }
  {
    // Also orders us after the notifier's futex_wake on `w`, so `w` may die after this.
    std::lock_guard g(waiters_mu_);
    if (w.linked) {  // timed out and nobody chose us: leave the list
      notified = false;
      if (w.prev)
        w.prev->next = w.next;
      else
        head_ = w.next;
      if (w.next)
        w.next->prev = w.prev;
      else
        tail_ = w.prev;
      w.linked = false;
    } else {
      notified = true;
    }
  }
  if (auto* s2 = rt::active_sink()) [[unlikely]] {
    rt::protocol::wait_end(*s2, id_, notified ? rt::WaitResult::Notified : rt::WaitResult::Timeout,
                           where);
  }
  acquire_restore(saved, where);
  return notified;
}

void Condition::notify_impl(std::uint32_t requested, int n, const std::source_location& where) {
  rt::Sink* s = rt::active_sink();
  if (s) [[unlikely]] s->chaos_point(id_);
  if (!is_owned()) {
    if (s) [[unlikely]]
      s->on_event(Ev::Notify, id_, static_cast<std::uint64_t>(requested) << 32, where);
    throw RuntimeError("cannot notify on un-acquired lock");
  }
  std::lock_guard g(waiters_mu_);
  std::uint32_t woken = 0;
  for (Waiter* w = head_; w && static_cast<int>(woken) < n; w = w->next) ++woken;
  if (s) [[unlikely]]
    s->on_event(Ev::Notify, id_, (static_cast<std::uint64_t>(requested) << 32) | woken, where);
  // Under chaos, not necessarily the longest waiters: asked once, so that recording without
  // chaos pays no chaos_pick() call per woken waiter.
  bool pick = s && woken > 0 && s->chaos_enabled();
  std::uint32_t waiting = woken;
  if (pick) [[unlikely]] {
    waiting = 0;
    for (Waiter* w = head_; w; w = w->next) ++waiting;
  }
  for (std::uint32_t i = 0; i < woken; ++i, --waiting) {
    Waiter* w = head_;
    if (pick) [[unlikely]]
      for (std::uint32_t k = s->chaos_pick(id_, waiting); k > 0 && w->next; --k) w = w->next;
    if (w->prev)
      w->prev->next = w->next;
    else
      head_ = w->next;
    if (w->next)
      w->next->prev = w->prev;
    else
      tail_ = w->prev;
    w->prev = w->next = nullptr;
    w->linked = false;
    w->signaled.store(1, std::memory_order_release);
    detail::futex_wake(w->signaled, 1);
  }
}

void Condition::notify(int n, std::source_location where) {
  notify_impl(n < 0 ? 0u : static_cast<std::uint32_t>(n), n < 0 ? 0 : n, where);
}

void Condition::notify_all(std::source_location where) {
  notify_impl(0xffffffffu, 0x7fffffff, where);
}

}  // namespace weft
