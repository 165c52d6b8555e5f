// Barrier: CPython's filling/draining/resetting/broken state machine under a std::mutex.
#include "weft/barrier.hpp"

#include "weft/detail/sync.hpp"
#include "weft/runtime/protocol.hpp"

namespace weft {

using rt::Ev;

Barrier::Barrier(int parties, std::function<void()> action, double timeout, std::string_view name,
                 std::source_location where)
    : parties_(parties), action_(std::move(action)), timeout_(timeout), id_(0) {
  if (parties < 1) throw ValueError("parties must be >= 1");
  detail::check_wait_timeout(timeout);
  id_ = rt::new_object(rt::ObjKind::Barrier, name, where);
}

Barrier::~Barrier() { rt::destroy_object(id_); }

int Barrier::wait(std::source_location where) { return wait_impl(timeout_, where); }

int Barrier::wait(double timeout, std::source_location where) {
  detail::check_wait_timeout(timeout);
  return wait_impl(timeout, where);
}

void Barrier::break_locked(std::uint64_t reason, const std::source_location& where) {
  state_ = kBroken;
  rt::emit(Ev::BarrierBreak, id_, reason, where);
  cv_.notify_all();
}

int Barrier::wait_impl(double timeout, const std::source_location& where) {
  rt::Sink* s = rt::active_sink();
  std::unique_lock g(mu_);
  // _enter: wait for a previous round to drain or a reset to finish.
  cv_.wait(g, [&] { return state_ != kDraining && state_ != kResetting; });
  if (state_ < 0) throw BrokenBarrierError("barrier is broken");
  int index = count_++;
  if (s) [[unlikely]] s->on_event(Ev::BarrierArrive, id_, static_cast<std::uint64_t>(index), where);
  WEFT_TSAN_RELEASE(this);

  // _exit: the last thread out of a draining/resetting round reopens the barrier.
  auto leave = [&] {
    if (--count_ == 0 && (state_ == kResetting || state_ == kDraining)) {
      state_ = kFilling;
      cv_.notify_all();
    }
  };

  if (index + 1 == parties_) {
    // _release: run the action, then let everyone go.
    if (action_) {
      try {
        action_();
      } catch (...) {
        break_locked(3, where);
        leave();
        throw;
      }
    }
    std::uint64_t gen = generation_++;
    state_ = kDraining;
    cv_.notify_all();
    WEFT_TSAN_ACQUIRE(this);
    if (s) [[unlikely]] s->on_event(Ev::BarrierPass, id_, gen, where);
    leave();
    return index;
  }

  // _wait: until the round passes, breaks, or resets.
  if (s) [[unlikely]] rt::protocol::wait_begin(*s, id_, 0, where);
  std::uint64_t gen = generation_;
  detail::Deadline deadline = detail::Deadline::after(timeout);
  bool passed;
  if (deadline.forever) {
    cv_.wait(g, [&] { return state_ != kFilling; });
    passed = true;
  } else {
    passed = cv_.wait_until(g, deadline.at, [&] { return state_ != kFilling; });
  }
  if (!passed) {
    if (s) [[unlikely]]
      rt::protocol::wait_end(*s, id_, rt::WaitResult::Timeout, where);
    break_locked(1, where);
    leave();
    throw BrokenBarrierError("barrier wait timed out");
  }
  if (state_ < 0) {
    if (s) [[unlikely]]
      rt::protocol::wait_end(*s, id_, rt::WaitResult::Broken, where);
    leave();
    throw BrokenBarrierError("barrier is broken");
  }
  WEFT_TSAN_ACQUIRE(this);
  if (s) [[unlikely]] {
    rt::protocol::wait_end(*s, id_, rt::WaitResult::Notified, where);
    s->on_event(Ev::BarrierPass, id_, gen, where);
  }
  leave();
  return index;
}

void Barrier::reset(std::source_location where) {
  std::lock_guard g(mu_);
  if (count_ > 0) {
    if (state_ == kFilling) {
      state_ = kResetting;
      rt::emit(Ev::BarrierBreak, id_, 2, where);
    } else if (state_ == kBroken) {
      state_ = kResetting;
    }
  } else {
    state_ = kFilling;
  }
  cv_.notify_all();
}

void Barrier::abort(std::source_location where) {
  std::lock_guard g(mu_);
  break_locked(0, where);
}

int Barrier::n_waiting() const {
  std::lock_guard g(mu_);
  return state_ == kFilling ? count_ : 0;
}

bool Barrier::broken() const {
  std::lock_guard g(mu_);
  return state_ == kBroken;
}

}  // namespace weft
