// Lock and RLock: slow paths and recording.
#include "weft/lock.hpp"

#include "weft/rlock.hpp"
#include "weft/runtime/detectors.hpp"
#include "weft/runtime/protocol.hpp"

namespace weft {

using rt::Ev;

namespace {
// The site to record for an operation called at `where`: `where` itself, unless it lies in a
// system header. std::lock_guard, std::unique_lock and std::scoped_lock call lock()/unlock()
// with their own defaulted source_location (e.g. bits/std_mutex.h), which would hide the user's
// line; then the return address into the caller stands for the site, and readers symbolize it
// through the inlined frames to the user's file:line (rt::site_from_pc). The last file checked
// is remembered per thread, so the common case is one compare.
std::source_location user_site(const std::source_location& where, const void* ra) noexcept {
  thread_local const char* last_file = nullptr;
  thread_local bool last_system = false;
  const char* f = where.file_name();
  if (f != last_file) {
    last_file = f;
    last_system = rt::is_system_header(f);
  }
  return last_system ? rt::site_from_pc(ra) : where;
}
}  // namespace

Lock::Lock(std::string_view name, std::source_location where)
    : id_(rt::new_object(rt::ObjKind::Lock, name, where)) {}

Lock::~Lock() { rt::destroy_object(id_); }

void Lock::throw_unlocked() { throw RuntimeError("release unlocked lock"); }

bool Lock::acquire_slow(bool blocking, double timeout) {
  detail::check_acquire_args(blocking, timeout);
  bool ok = mu_.try_lock();
  if (!ok && blocking) ok = mu_.lock_slow(detail::Deadline::after(timeout));
  if (ok) WEFT_TSAN_ACQUIRE(this);
  return ok;
}

void Lock::release_recorded(rt::Sink* s, const std::source_location& where) {
  rt::detectors::lock_released(*s, id_, user_site(where, __builtin_return_address(0)));
}

bool Lock::acquire_recorded(rt::Sink* s, bool blocking, double timeout,
                            const std::source_location& where_arg) {
  const std::source_location where = user_site(where_arg, __builtin_return_address(0));
  detail::check_acquire_args(blocking, timeout);
  s->chaos_point(id_);
  bool ok = mu_.try_lock();
  if (!ok) {
    if (!blocking) {
      rt::protocol::acquire_failed(*s, id_, rt::AcquireFail::WouldBlock, where);
      return false;
    }
    rt::protocol::acquire_begin(*s, id_, where);
    ok = mu_.lock_slow(detail::Deadline::after(timeout));
    if (!ok) {
      rt::protocol::acquire_failed(*s, id_, rt::AcquireFail::TimedOut, where);
      return false;
    }
  }
  WEFT_TSAN_ACQUIRE(this);
  if (blocking)
    rt::detectors::lock_acquired(*s, id_, where);
  else
    rt::protocol::acquired(*s, id_, {1, true}, where);
  return true;
}

// ---- RLock -----------------------------------------------------------------------------------

RLock::RLock(std::string_view name, std::source_location where)
    : id_(rt::new_object(rt::ObjKind::RLock, name, where)) {
#ifdef WEFT_TSAN
  __tsan_mutex_create(this, 0);
#endif
}

RLock::~RLock() {
#ifdef WEFT_TSAN
  __tsan_mutex_destroy(this, 0);
#endif
  rt::destroy_object(id_);
}

// Takes the underlying mutex for a thread that does not own the RLock yet.
bool RLock::lock_outer(rt::Sink* s, bool blocking, double timeout,
                       const std::source_location& where) {
#ifdef WEFT_TSAN
  // A timed or non-blocking acquire may fail: TSan calls that a try-lock.
  const unsigned try_flag = (!blocking || timeout >= 0) ? __tsan_mutex_try_lock : 0;
  __tsan_mutex_pre_lock(this, try_flag);
#endif
  bool ok = mu_.try_lock();
  if (!ok && blocking) {
    if (s) rt::protocol::acquire_begin(*s, id_, where);
    ok = mu_.lock_slow(detail::Deadline::after(timeout));
  }
#ifdef WEFT_TSAN
  __tsan_mutex_post_lock(this, try_flag | (ok || !try_flag ? 0 : __tsan_mutex_try_lock_failed),
                         0);
#endif
  return ok;
}

bool RLock::acquire(bool blocking, double timeout, std::source_location where) {
  std::uint64_t me = detail::self_ident();
  rt::Sink* s = rt::active_sink();
  if (s) [[unlikely]] {
    where = user_site(where, __builtin_return_address(0));
    s->chaos_point(id_);
  }
  if (owner_.load(std::memory_order_relaxed) == me) {
    ++count_;
    if (s) [[unlikely]]
      rt::protocol::acquired(*s, id_, {count_, !blocking}, where);
    return true;
  }
  detail::check_acquire_args(blocking, timeout);
  if (!lock_outer(s, blocking, timeout, where)) {
    if (s) [[unlikely]] rt::protocol::acquire_failed(*s, id_, blocking ? rt::AcquireFail::TimedOut : rt::AcquireFail::WouldBlock, where);
    return false;
  }
  owner_.store(me, std::memory_order_relaxed);
  count_ = 1;
  if (s) [[unlikely]] rt::protocol::acquired(*s, id_, {1, !blocking}, where);
  return true;
}

void RLock::release(std::source_location where) {
  bool owned = is_owned();
  if (auto* s = rt::active_sink()) [[unlikely]] {
    rt::protocol::released(*s, id_, owned ? count_ - 1 : count_,
                user_site(where, __builtin_return_address(0)));
  }
  if (!owned) throw RuntimeError("cannot release un-acquired lock");
  if (--count_ == 0) {
    owner_.store(0, std::memory_order_relaxed);
#ifdef WEFT_TSAN
    __tsan_mutex_pre_unlock(this, 0);
#endif
    mu_.unlock();
#ifdef WEFT_TSAN
    __tsan_mutex_post_unlock(this, 0);
#endif
  }
}

std::uint32_t RLock::release_save(const std::source_location& where) {
  std::uint32_t count = count_;
  if (auto* s = rt::active_sink()) [[unlikely]] {
    rt::protocol::released(*s, id_, 0, where);
  }
  count_ = 0;
  owner_.store(0, std::memory_order_relaxed);
#ifdef WEFT_TSAN
  __tsan_mutex_pre_unlock(this, 0);
#endif
  mu_.unlock();
#ifdef WEFT_TSAN
  __tsan_mutex_post_unlock(this, 0);
#endif
  return count;
}

void RLock::acquire_restore(std::uint32_t count, const std::source_location& where) {
  rt::Sink* s = rt::active_sink();
  lock_outer(s, true, -1, where);
  owner_.store(detail::self_ident(), std::memory_order_relaxed);
  count_ = count;
  if (s) [[unlikely]] rt::protocol::acquired(*s, id_, {count}, where);
}

}  // namespace weft
