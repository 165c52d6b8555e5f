// cond.cpp: pthread_cond_* (both glibc ABIs), recorded through the protocol.
//
//   wait:      WaitBegin(cond, mutex) Release(mutex, depth after) ... WaitEnd(cond, Notified |
//              Timeout | Spurious (chaos)) Acquired(mutex)
//              A wait glibc fails at once without releasing anything (an invalid timespec:
//              EINVAL; an error-checking, recursive or robust mutex the caller does not own:
//              EPERM) is WaitBegin(cond, mutex) WaitEnd(cond, Failed): the mutex keeps its state.
//   notify:    Notify(cond, requested << 32 | woken), before the real call; requested is 1 for
//              signal, 0xffffffff for broadcast; woken (best effort, the interposer cannot
//              know) = min(requested, threads inside a wait on this condvar at that moment,
//              read from glibc's waiter count __wrefs >> 3)
//   destroy:   DestroyBegin (the detectors check for waiters), then the object's end
//
// Chaos (weft run --chaos) injects a spurious wake-up only into a wait that would really block:
// never into one that fails or whose deadline has already passed, so no call's result changes
// meaning.
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "real.hpp"
#include "state.hpp"

#define WEFT_EXPORT extern "C" __attribute__((visibility("default")))

namespace weft::preload {
namespace {

const real::Api& libc() noexcept { return real::get(); }

ObjId cond_id(const Call& c, const pthread_cond_t* cv) noexcept {
  return use_id(c, cv, ObjKind::CondVar, sizeof *cv);
}

// The condvar glibc really works on: an old-ABI condvar holds a pointer to a current-ABI one,
// allocated on first use (nullptr before).
const pthread_cond_t* current_abi(const pthread_cond_t* cv, bool old_abi) noexcept {
  return old_abi ? *reinterpret_cast<const pthread_cond_t* const*>(cv) : cv;
}

// Threads inside a wait on `cv` per glibc (current ABI: __wrefs >> 3).
std::uint32_t cond_waiters(const pthread_cond_t* cv, bool old_abi) noexcept {
  cv = current_abi(cv, old_abi);
  return cv == nullptr ? 0 : static_cast<std::uint32_t>(cv->__data.__wrefs >> 3);
}

// The clock of a pthread_cond_timedwait deadline: the condvar's (bit 0 of __wrefs).
clockid_t cond_clock(const pthread_cond_t* cv, bool old_abi) noexcept {
  cv = current_abi(cv, old_abi);
  return cv != nullptr && (cv->__data.__wrefs & 1) ? CLOCK_MONOTONIC : CLOCK_REALTIME;
}

bool valid_deadline(const timespec* t) noexcept {
  return t->tv_nsec >= 0 && t->tv_nsec < 1000000000;
}

bool deadline_passed(const timespec* t, clockid_t clk) noexcept {
  timespec now;
  if (clock_gettime(clk, &now) != 0) return false;
  return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

// A wait of any flavour. `deadline`: nullptr for an untimed wait; `clk` its clock.
template <class Wait>
int record_cond_wait(pthread_cond_t* cv, pthread_mutex_t* m, const timespec* deadline,
                     clockid_t clk, const void* pc, Wait&& wait) {
  Sink* s = recording();
  if (s == nullptr) return wait();
  ObjId cid, mid;
  {
    Call c(*s, pc);
    cid = cond_id(c, cv);
    mid = mutex_use_id(c, m);
    if (cid == 0 || mid == 0) return wait();
    c.wait_begin(cid, mid);
    if ((deadline != nullptr && !valid_deadline(deadline)) || mutex_unlock_refused(m)) {
      // glibc returns EINVAL / EPERM before touching the mutex.
      int r = wait();
      if (r != 0) {
        c.wait_end(cid, rt::WaitResult::Failed);
        return r;
      }
      // It waited after all (a glibc that checks less): record what the wait did.
      c.released(mid, mutex_depth_after_release(m));
      c.wait_end(cid, rt::WaitResult::Notified);
      c.acquired(mid, {mutex_held_depth(m)});
      return r;
    }
    // A recursive mutex held more than once stays held through the wait: glibc only lowers its
    // count, so whoever should notify cannot take it.
    if (mutex_recursive_held_twice(m)) c.misuse(mid, rt::MisuseCode::WaitRecursiveHeld);
    c.released(mid, mutex_depth_after_release(m));
    bool blocks = deadline == nullptr || !deadline_passed(deadline, clk);
    if (blocks && s->inject_spurious_wakeup(cid, deadline != nullptr)) {
      // weft run --chaos: return at once as a spurious wake-up; the mutex is still held.
      c.wait_end(cid, rt::WaitResult::Spurious);
      c.acquired(mid, {mutex_held_depth(m)});
      return 0;
    }
  }
  // pthread_cancel in the wait: glibc re-locks the mutex before it unwinds, so record that too
  // (a cleanup handler then unlocks it).
  struct OnCancel {
    ObjId cid, mid;
    pthread_mutex_t* m;
    ~OnCancel() {
      if (cid == 0) return;
      Sink* s = rt::active_sink();
      if (s == nullptr) return;
      Busy b;
      rt::protocol::wait_end(*s, cid, rt::WaitResult::Notified, t_site);
      rt::protocol::acquired(*s, mid, {mutex_held_depth(m)}, t_site);
    }
  } on_cancel{cid, mid, m};
  int r = wait();
  on_cancel.cid = 0;
  if (Sink* s2 = rt::active_sink()) {
    Busy b;
    auto why = r == 0           ? rt::WaitResult::Notified
               : r == ETIMEDOUT ? rt::WaitResult::Timeout
                                : rt::WaitResult::Failed;
    rt::protocol::wait_end(*s2, cid, why, t_site);
    rt::protocol::acquired(*s2, mid, {mutex_held_depth(m)}, t_site);
  }
  return r;
}

// `widen`: the broadcast of the same ABI, which chaos may use in place of a signal.
int record_notify(pthread_cond_t* cv, bool all, bool old_abi, const void* pc,
                  int (*call)(pthread_cond_t*), int (*widen)(pthread_cond_t*) = nullptr) {
  Sink* s = recording();
  if (s == nullptr) return call(cv);
  {
    Call c(*s, pc);
    if (ObjId id = cond_id(c, cv)) {
      if (g_chaos) s->chaos_point(id);
      std::uint64_t requested = all ? 0xffffffffu : 1u;
      std::uint64_t woken = cond_waiters(cv, old_abi);
      if (woken > requested) woken = requested;
      c.event(Ev::Notify, id, requested << 32 | woken);
      // weft run --chaos: glibc picks the signalled waiter, so let them all race for it.
      if (!all && widen != nullptr && woken > 0 && g_chaos && s->chaos_pick(id, 2) != 0)
        call = widen;
    }
  }
  return call(cv);
}

const real::CondApi& cond_api(bool old_abi) noexcept {
  return old_abi ? libc().cond_old : libc().cond;
}

int cond_init(pthread_cond_t* cv, const pthread_condattr_t* a, bool old_abi, const void* pc) {
  int r = cond_api(old_abi).init(cv, a);
  if (r == 0) {
    if (Sink* s = recording()) {
      Call c(*s, pc);
      register_init(cv, ObjKind::CondVar);
    }
  }
  return r;
}

int cond_destroy(pthread_cond_t* cv, bool old_abi, const void* pc) {
  Sink* s = recording();
  if (s == nullptr) {
    int r = cond_api(old_abi).destroy(cv);
    if (r == 0 && g_enabled.load(std::memory_order_relaxed) && !t_busy) {
      Busy b;
      destroyed(cv, 0);
    }
    return r;
  }
  {
    Call c(*s, pc);
    destroy_begin(c, cv, ObjKind::CondVar);
  }
  // glibc's destroy waits for the waiters it has woken: not inside our bookkeeping.
  int r = cond_api(old_abi).destroy(cv);
  if (r == 0 && recording() != nullptr) {
    Busy b;
    destroyed(cv, sizeof *cv);
  }
  return r;
}

}  // namespace
}  // namespace weft::preload

using namespace weft::preload;
namespace rt = weft::rt;

#define WEFT_COND_VERSIONS(fn, impl_new, impl_old)                       \
  __asm__(".symver " #impl_new ", " #fn "@@GLIBC_2.3.2");               \
  __asm__(".symver " #impl_old ", " #fn "@GLIBC_2.2.5");

WEFT_COND_VERSIONS(pthread_cond_init, weft_cond_init_232, weft_cond_init_225)
WEFT_COND_VERSIONS(pthread_cond_destroy, weft_cond_destroy_232, weft_cond_destroy_225)
WEFT_COND_VERSIONS(pthread_cond_wait, weft_cond_wait_232, weft_cond_wait_225)
WEFT_COND_VERSIONS(pthread_cond_timedwait, weft_cond_timedwait_232, weft_cond_timedwait_225)
WEFT_COND_VERSIONS(pthread_cond_signal, weft_cond_signal_232, weft_cond_signal_225)
WEFT_COND_VERSIONS(pthread_cond_broadcast, weft_cond_broadcast_232, weft_cond_broadcast_225)

#define WEFT_PC __builtin_return_address(0)

WEFT_EXPORT int weft_cond_init_232(pthread_cond_t* c, const pthread_condattr_t* a) {
  WEFT_TSAN_FRAME;
  return cond_init(c, a, false, WEFT_PC);
}
WEFT_EXPORT int weft_cond_init_225(pthread_cond_t* c, const pthread_condattr_t* a) {
  WEFT_TSAN_FRAME;
  return cond_init(c, a, libc().cond_old_layout, WEFT_PC);
}
WEFT_EXPORT int weft_cond_destroy_232(pthread_cond_t* c) {
  WEFT_TSAN_FRAME;
  return cond_destroy(c, false, WEFT_PC);
}
WEFT_EXPORT int weft_cond_destroy_225(pthread_cond_t* c) {
  WEFT_TSAN_FRAME;
  return cond_destroy(c, libc().cond_old_layout, WEFT_PC);
}
WEFT_EXPORT int weft_cond_wait_232(pthread_cond_t* c, pthread_mutex_t* m) {
  WEFT_TSAN_FRAME;
  auto call = libc().cond.wait;
  return record_cond_wait(c, m, nullptr, CLOCK_REALTIME, WEFT_PC, [=] { return call(c, m); });
}
WEFT_EXPORT int weft_cond_wait_225(pthread_cond_t* c, pthread_mutex_t* m) {
  WEFT_TSAN_FRAME;
  auto call = libc().cond_old.wait;
  return record_cond_wait(c, m, nullptr, CLOCK_REALTIME, WEFT_PC, [=] { return call(c, m); });
}
WEFT_EXPORT int weft_cond_timedwait_232(pthread_cond_t* c, pthread_mutex_t* m,
                                        const timespec* t) {
  WEFT_TSAN_FRAME;
  auto call = libc().cond.timedwait;
  return record_cond_wait(c, m, t, cond_clock(c, false), WEFT_PC,
                          [=] { return call(c, m, t); });
}
WEFT_EXPORT int weft_cond_timedwait_225(pthread_cond_t* c, pthread_mutex_t* m,
                                        const timespec* t) {
  WEFT_TSAN_FRAME;
  auto call = libc().cond_old.timedwait;
  return record_cond_wait(c, m, t, cond_clock(c, libc().cond_old_layout), WEFT_PC,
                          [=] { return call(c, m, t); });
}
WEFT_EXPORT int weft_cond_signal_232(pthread_cond_t* c) {
  WEFT_TSAN_FRAME;
  return record_notify(c, false, false, WEFT_PC, libc().cond.signal, libc().cond.broadcast);
}
WEFT_EXPORT int weft_cond_signal_225(pthread_cond_t* c) {
  WEFT_TSAN_FRAME;
  return record_notify(c, false, libc().cond_old_layout, WEFT_PC, libc().cond_old.signal,
                       libc().cond_old.broadcast);
}
WEFT_EXPORT int weft_cond_broadcast_232(pthread_cond_t* c) {
  WEFT_TSAN_FRAME;
  return record_notify(c, true, false, WEFT_PC, libc().cond.broadcast);
}
WEFT_EXPORT int weft_cond_broadcast_225(pthread_cond_t* c) {
  WEFT_TSAN_FRAME;
  return record_notify(c, true, libc().cond_old_layout, WEFT_PC, libc().cond_old.broadcast);
}

// std::condition_variable::wait_for / wait_until with steady_clock land here (glibc >= 2.30).
WEFT_EXPORT int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clk,
                                       const timespec* t) {
  WEFT_TSAN_FRAME;
  return record_cond_wait(c, m, t, clk, WEFT_PC,
                          [=] { return libc().cond_clockwait(c, m, clk, t); });
}
