// Semaphore, BoundedSemaphore and Event: a counter or flag under a std::mutex.
#include "weft/semaphore.hpp"

#include "weft/event.hpp"
#include "weft/runtime/protocol.hpp"

namespace weft {

using rt::Ev;

Semaphore::Semaphore(long value, std::string_view name, std::source_location where)
    : Semaphore(value, -1, rt::ObjKind::Semaphore, name, where) {}

Semaphore::Semaphore(long value, long bound, rt::ObjKind kind, std::string_view name,
                     const std::source_location& where)
    : value_(value), bound_(bound), id_(0) {
  if (value < 0) throw ValueError("semaphore initial value must be >= 0");
  id_ = rt::new_object(kind, name, where);
}

Semaphore::~Semaphore() { rt::destroy_object(id_); }

BoundedSemaphore::BoundedSemaphore(long value, std::string_view name, std::source_location where)
    : Semaphore(value, value, rt::ObjKind::BoundedSemaphore, name, where) {}

long Semaphore::value() const {
  std::lock_guard g(mu_);
  return value_;
}

bool Semaphore::acquire(bool blocking, double timeout, std::source_location where) {
  detail::check_acquire_args(blocking, timeout);
  rt::Sink* s = rt::active_sink();
  if (s) [[unlikely]] s->chaos_point(id_);
  std::unique_lock g(mu_);
  if (value_ == 0) {
    if (!blocking) {
      if (s) [[unlikely]] rt::protocol::acquire_failed(*s, id_, rt::AcquireFail::WouldBlock, where);
      return false;
    }
    if (s) [[unlikely]] rt::protocol::acquire_begin(*s, id_, where);
    detail::Deadline deadline = detail::Deadline::after(timeout);
    while (value_ == 0) {
      if (deadline.forever) {
        cv_.wait(g);
      } else if (cv_.wait_until(g, deadline.at) == std::cv_status::timeout && value_ == 0) {
        if (s) [[unlikely]] rt::protocol::acquire_failed(*s, id_, rt::AcquireFail::TimedOut, where);
        return false;
      }
    }
  }
  long after = --value_;
  WEFT_TSAN_ACQUIRE(this);
  if (s) [[unlikely]] {
    auto arg = static_cast<std::uint64_t>(after);
    rt::protocol::acquired(*s, id_, {arg, !blocking}, where);
  }
  return true;
}

void Semaphore::release(long n, std::source_location where) {
  if (n < 1) throw ValueError("n must be one or more");
  rt::Sink* s = rt::active_sink();
  std::lock_guard g(mu_);
  if (bound_ >= 0 && value_ + n > bound_) {
    if (s) [[unlikely]] rt::protocol::released(*s, id_, static_cast<std::uint64_t>(value_), where);
    throw ValueError("Semaphore released too many times");
  }
  value_ += n;
  if (s) [[unlikely]] rt::protocol::released(*s, id_, static_cast<std::uint64_t>(value_), where);
  WEFT_TSAN_RELEASE(this);
  if (n == 1)
    cv_.notify_one();
  else
    cv_.notify_all();
}

// ---- Event -----------------------------------------------------------------------------------

Event::Event(std::string_view name, std::source_location where)
    : id_(rt::new_object(rt::ObjKind::Event, name, where)) {}

Event::~Event() { rt::destroy_object(id_); }

bool Event::is_set() const {
  std::lock_guard g(mu_);
  return flag_;
}

void Event::set(std::source_location where) {
  std::lock_guard g(mu_);
  flag_ = true;
  ++generation_;
  if (auto* s = rt::active_sink()) [[unlikely]] s->on_event(Ev::Set, id_, waiters_, where);
  WEFT_TSAN_RELEASE(this);
  cv_.notify_all();
}

void Event::clear(std::source_location where) {
  std::lock_guard g(mu_);
  flag_ = false;
  if (auto* s = rt::active_sink()) [[unlikely]] s->on_event(Ev::Clear, id_, 0, where);
}

bool Event::wait(double timeout, std::source_location where) {
  detail::check_wait_timeout(timeout);
  std::unique_lock g(mu_);
  if (flag_) {
    WEFT_TSAN_ACQUIRE(this);
    return true;
  }
  rt::Sink* s = rt::active_sink();
  if (s) [[unlikely]] rt::protocol::wait_begin(*s, id_, 0, where);
  std::uint64_t gen = generation_;
  detail::Deadline deadline = detail::Deadline::after(timeout);
  ++waiters_;
  bool seen = false;
  while (!(seen = flag_ || generation_ != gen)) {
    if (deadline.forever) {
      cv_.wait(g);
    } else if (cv_.wait_until(g, deadline.at) == std::cv_status::timeout) {
      seen = flag_ || generation_ != gen;
      break;
    }
  }
  --waiters_;
  if (seen) WEFT_TSAN_ACQUIRE(this);
  if (s) [[unlikely]] {
    rt::protocol::wait_end(*s, id_, seen ? rt::WaitResult::Notified : rt::WaitResult::Timeout,
                           where);
  }
  return seen;
}

}  // namespace weft
