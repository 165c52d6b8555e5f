// mutex.cpp: pthread_mutex_* and pthread_spin_*, recorded through the protocol (state.hpp's Call).
//
//   lock:      [AcquireBegin (only when the try failed and the call will block)]
//              Acquired(depth or 1; kAcquiredOwnerDead after EOWNERDEAD)
//              | AcquireFailed(TimedOut | Refused (EDEADLK) | Error (EINVAL, ENOTRECOVERABLE))
//   trylock:   Acquired(... | kAcquiredByTry) | AcquireFailed(WouldBlock | Error)
//   unlock:    Release(depth after, else 0), emitted before the real unlock; an unlock glibc will
//              refuse (an error-checking, recursive or robust mutex the caller does not own) is
//              Misuse(UnlockNotOwner, EPERM) instead: nothing changed
//   destroy:   DestroyBegin, then the object's end when glibc destroyed it (EBUSY: it did not)
//
// A spin lock is recorded like a default mutex (kind SpinLock): glibc keeps no owner in it.
#include <errno.h>
#include <pthread.h>

#include <type_traits>

#include "detectors/lock_path.hpp"
#include "real.hpp"
#include "state.hpp"

#define WEFT_EXPORT extern "C" __attribute__((visibility("default")))

namespace weft::preload {
namespace {

const real::Api& libc() noexcept { return real::get(); }
// The resolved table without get()'s test, where modes() was 0: the constructor resolved it.
const real::Api& libc_resolved() noexcept { return real::api; }

// glibc keeps the mutex type in __data.__kind: PTHREAD_MUTEX_KIND_MASK_NP = 3 (normal, recursive,
// errorcheck, adaptive), PTHREAD_MUTEX_ROBUST_NORMAL_NP = 16. A PTHREAD_MUTEX_INITIALIZER object
// has 0 there (normal); pthread_mutex_destroy stores -1.
constexpr int kRobustBit = 16;
constexpr int kDestroyedKind = -1;
constexpr unsigned kFutexTidMask = 0x3fffffff;
constexpr int kInconsistentOwner = 0x7fffffff;  // glibc's PTHREAD_MUTEX_INCONSISTENT

int type_of(const pthread_mutex_t* m) noexcept { return m->__data.__kind & 3; }
bool is_recursive(const pthread_mutex_t* m) noexcept {
  return type_of(m) == PTHREAD_MUTEX_RECURSIVE;
}
bool is_robust(const pthread_mutex_t* m) noexcept {
  return m->__data.__kind != kDestroyedKind && (m->__data.__kind & kRobustBit) != 0;
}
ObjKind kind_of(const pthread_mutex_t* m) noexcept {
  return is_recursive(m) ? ObjKind::RecursiveMutex : ObjKind::Mutex;
}

// Acquired's value: the recursion depth for a recursive mutex (glibc's __count), else 1.
std::uint64_t held_depth(const pthread_mutex_t* m) noexcept {
  return is_recursive(m) ? m->__data.__count : 1;
}

bool acquired(int r) noexcept { return r == 0 || r == EOWNERDEAD; }

// A spin lock's address as a table key (pthread_spinlock_t is a volatile int).
const void* spin_addr(pthread_spinlock_t* l) noexcept { return const_cast<const int*>(l); }

rt::AcquireFail failure(int r) noexcept {
  if (r == ETIMEDOUT) return rt::AcquireFail::TimedOut;
  if (r == EDEADLK) return rt::AcquireFail::Refused;
  if (r == EBUSY) return rt::AcquireFail::WouldBlock;
  return rt::AcquireFail::Error;
}

}  // namespace

ObjId mutex_use_id(const CallSteps& c, const pthread_mutex_t* m) noexcept {
  return use_id(c, m, kind_of(m), sizeof *m);
}

std::uint64_t mutex_depth_after_release(const pthread_mutex_t* m) noexcept {
  if (!is_recursive(m)) return 0;
  unsigned n = m->__data.__count;
  return n > 0 ? n - 1 : 0;
}

std::uint64_t mutex_held_depth(const pthread_mutex_t* m) noexcept { return held_depth(m); }

bool mutex_unlock_refused(const pthread_mutex_t* m) noexcept {
  if (m->__data.__kind == kDestroyedKind) return false;
  if (is_robust(m))
    return (static_cast<unsigned>(m->__data.__lock) & kFutexTidMask) !=
           static_cast<unsigned>(my_tid());
  int t = type_of(m);
  if (t != PTHREAD_MUTEX_ERRORCHECK && t != PTHREAD_MUTEX_RECURSIVE) return false;
  return m->__data.__owner != my_tid() || m->__data.__lock == 0;
}

bool mutex_recursive_held_twice(const pthread_mutex_t* m) noexcept {
  return is_recursive(m) && m->__data.__count > 1 && m->__data.__owner == my_tid();
}

namespace {

// The call scope of a lock path: CommonCall when the caller saw modes() == 0, else Call.
template <class C>
C make_call(Sink& s, const void* pc) noexcept {
  if constexpr (std::is_same_v<C, CommonCall>)
    return CommonCall(s, pc);
  else
    return Call(s, pc, Call::kDirect);
}

}  // namespace

template <ObjKind kLock, bool kByTry>
[[gnu::always_inline]] inline void CommonCall::lock_acquired(ObjId id) const noexcept {
  namespace di = rt::detectors::internal;
  di::Detector* d = di::g_lock_path_detector.load(std::memory_order_relaxed);
  if (static_cast<Sink*>(d) == &sink() &&
      di::mutex_event<rt::Ev::Acquired, kLock, kByTry>(*d, id, t_site, memo_)) [[likely]]
    return;
  acquired(id, {1, kByTry});
}

template <ObjKind kLock>
[[gnu::always_inline]] inline void CommonCall::lock_released(ObjId id) const noexcept {
  namespace di = rt::detectors::internal;
  di::Detector* d = di::g_lock_path_detector.load(std::memory_order_relaxed);
  if (static_cast<Sink*>(d) == &sink() &&
      di::mutex_event<rt::Ev::Release, kLock>(*d, id, t_site, memo_)) [[likely]]
    return;
  released(id, 0);
}

namespace {

// The exported functions without a general path of their own (trylock, the spin lock ones):
// the common case (modes() is 0) tests one mode word and the sink and records with CommonCall;
// otherwise Call after recording()'s checks. `plain(api)` makes the real call unrecorded,
// `record(sink, std::type_identity<C>)` the recorded one.
template <class Plain, class Record>
[[gnu::always_inline]] inline int lock_export(void* pc, Plain plain, Record record) noexcept {
  if (modes() == 0) [[likely]] {
    Sink* s = rt::active_sink();
    if (s == nullptr || t_busy) [[likely]]
      return plain(libc_resolved());
    return record(s, std::type_identity<CommonCall>{});
  }
  TsanCallerFrame frame(pc);
  Sink* s = recording();
  if (s == nullptr) [[likely]]
    return plain(libc());
  return record(s, std::type_identity<Call>{});
}

// A blocking acquisition: try first so that AcquireBegin appears only when the thread blocks.
// `C`: Call (any mode) or CommonCall (modes() was 0: no chaos, no ThreadSanitizer behind).
template <class C, class Block>
[[gnu::always_inline]] inline int record_mutex_lock(Sink* s, pthread_mutex_t* m, const void* pc,
                                                    Block&& block) noexcept {
  constexpr bool common = std::is_same_v<C, CommonCall>;
  C c = make_call<C>(*s, pc);
  ObjId id = mutex_use_id(c, m);
  if (id == 0) return block();
  if (!common && g_chaos) s->chaos_point(id);
  int r = !common && g_tsan_behind ? (m->__data.__lock != 0 ? EBUSY : block())
                                   : (common ? libc_resolved() : libc()).mutex_trylock(m);
  if (r == EBUSY) {
    // An errorcheck mutex re-locked by its owner fails at once (EDEADLK): it does not block.
    bool refused = type_of(m) == PTHREAD_MUTEX_ERRORCHECK && m->__data.__owner == my_tid();
    if (!refused) c.acquire_begin(id);
    r = block();
  }
  if (r == 0 && m->__data.__kind == 0) [[likely]] {
    // A default mutex (std::mutex): nothing more to say.
    c.template lock_acquired<ObjKind::Mutex>(id);
  } else if (acquired(r)) {
    c.acquired(id, {held_depth(m), false, r == EOWNERDEAD, is_robust(m)});
  } else {
    if (r == EINVAL && m->__data.__kind == kDestroyedKind)
      c.misuse(id, rt::MisuseCode::UseAfterDestroy, r);
    c.acquire_failed(id, failure(r));
  }
  return r;
}

template <class C>
[[gnu::always_inline]] inline int record_mutex_unlock(Sink* s, pthread_mutex_t* m,
                                                      const void* pc) noexcept {
  const real::Api& api = std::is_same_v<C, CommonCall> ? libc_resolved() : libc();
  C c = make_call<C>(*s, pc);
  ObjId id = mutex_use_id(c, m);
  if (id == 0) return api.mutex_unlock(m);
  if (m->__data.__kind == 0) [[likely]] {
    // A default mutex (std::mutex): glibc checks nothing, the unlock always happens.
    c.template lock_released<ObjKind::Mutex>(id);
    return api.mutex_unlock(m);
  }
  if (mutex_unlock_refused(m)) [[unlikely]] {
    // glibc checks the owner of these kinds and changes nothing: record the refusal.
    int r = api.mutex_unlock(m);
    if (r != 0) {
      c.misuse(id, rt::MisuseCode::UnlockNotOwner, r);
    } else {
      c.released(id, mutex_depth_after_release(m));
    }
    return r;
  }
  // A robust mutex taken from a dead owner and unlocked without pthread_mutex_consistent():
  // glibc marks it unrecoverable; every later lock fails with ENOTRECOVERABLE.
  if (is_robust(m) && m->__data.__owner == kInconsistentOwner) [[unlikely]]
    c.misuse(id, rt::MisuseCode::RobustNotConsistent);
  c.released(id, mutex_depth_after_release(m));
  return api.mutex_unlock(m);
}

// A try: it never blocks, so it orders nothing (std::lock / std::scoped_lock try the rest).
template <class C>
[[gnu::always_inline]] inline int record_mutex_trylock(Sink* s, pthread_mutex_t* m,
                                                       const void* pc) noexcept {
  constexpr bool common = std::is_same_v<C, CommonCall>;
  C c = make_call<C>(*s, pc);
  ObjId id = mutex_use_id(c, m);
  int r = (common ? libc_resolved() : libc()).mutex_trylock(m);
  if (id == 0) return r;
  if (r == 0 && m->__data.__kind == 0) [[likely]] {
    c.template lock_acquired<ObjKind::Mutex, true>(id);
  } else if (acquired(r)) {
    c.acquired(id, {held_depth(m), true, r == EOWNERDEAD, is_robust(m)});
  } else {
    c.acquire_failed(id, failure(r));
  }
  return r;
}

// The general paths of lock and unlock (a rare mode is on, or the thread is busy): out of line,
// so that the exported functions keep only the common case.
// In a program built with weft (kModeHost alone: no chaos, no ThreadSanitizer) the program's own
// calls take the common path too, after the program's Quiet counter (weft's own calls pass).
[[gnu::noinline]] int mutex_lock_general(pthread_mutex_t* m, void* pc) noexcept {
  if (Sink* s = rt::active_sink(); modes() == kModeHost && s != nullptr && !t_busy) {
    if (host_quiet()) return libc_resolved().mutex_lock(m);
    return record_mutex_lock<CommonCall>(s, m, pc, [m] { return libc_resolved().mutex_lock(m); });
  }
  TsanCallerFrame frame(pc);
  Sink* s = recording();
  if (s == nullptr) return libc().mutex_lock(m);
  return record_mutex_lock<Call>(s, m, pc, [m] { return libc().mutex_lock(m); });
}

[[gnu::noinline]] int mutex_unlock_general(pthread_mutex_t* m, void* pc) noexcept {
  if (Sink* s = rt::active_sink(); modes() == kModeHost && s != nullptr && !t_busy) {
    if (host_quiet()) return libc_resolved().mutex_unlock(m);
    return record_mutex_unlock<CommonCall>(s, m, pc);
  }
  TsanCallerFrame frame(pc);
  Sink* s = recording();
  if (s == nullptr) return libc().mutex_unlock(m);
  return record_mutex_unlock<Call>(s, m, pc);
}

}  // namespace
}  // namespace weft::preload

using namespace weft::preload;
namespace rt = weft::rt;

WEFT_EXPORT int pthread_mutex_init(pthread_mutex_t* m, const pthread_mutexattr_t* a) noexcept {
  WEFT_TSAN_FRAME;
  int r = libc().mutex_init(m, a);
  if (r == 0) {
    if (Sink* s = recording()) {
      Call c(*s, __builtin_return_address(0));
      register_init(m, kind_of(m));
    }
  }
  return r;
}

WEFT_EXPORT int pthread_mutex_destroy(pthread_mutex_t* m) noexcept {
  WEFT_TSAN_FRAME;
  Sink* s = recording();
  if (s == nullptr) {
    int r = libc().mutex_destroy(m);
    if (r == 0 && g_enabled.load(std::memory_order_relaxed) && !t_busy) {
      Busy b;
      destroyed(m, 0);
    }
    return r;
  }
  Call c(*s, __builtin_return_address(0));
  ObjId id = destroy_begin(c, m, kind_of(m));
  int r = libc().mutex_destroy(m);
  if (r == 0) {
    destroyed(m, sizeof *m);
  } else if (r == EBUSY && id != 0) {
    c.misuse(id, rt::MisuseCode::DestroyBusy, r);
  }
  return r;
}

// The lock / unlock functions note their caller inside record_mutex_lock's call scope. Their
// common case (modes() is 0, the thread not busy) tests one mode word and the sink.
WEFT_EXPORT int pthread_mutex_lock(pthread_mutex_t* m) noexcept {
  std::uint32_t rare = modes();
  Sink* s = rt::active_sink();
  if (rare == 0) [[likely]] {
    if (s == nullptr) [[likely]]
      return libc_resolved().mutex_lock(m);
    if (!t_busy) [[likely]]
      return record_mutex_lock<CommonCall>(s, m, __builtin_return_address(0),
                                           [m] { return libc_resolved().mutex_lock(m); });
    return libc_resolved().mutex_lock(m);  // the interposer's or the recorder's own lock
  }
  return mutex_lock_general(m, __builtin_return_address(0));
}

WEFT_EXPORT int pthread_mutex_timedlock(pthread_mutex_t* m, const timespec* t) noexcept {
  WEFT_TSAN_FRAME;
  Sink* s = recording();
  if (s == nullptr) return libc().mutex_timedlock(m, t);
  return record_mutex_lock<Call>(s, m, __builtin_return_address(0),
                                 [m, t] { return libc().mutex_timedlock(m, t); });
}

WEFT_EXPORT int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t clk,
                                        const timespec* t) noexcept {
  WEFT_TSAN_FRAME;
  Sink* s = recording();
  if (s == nullptr) return libc().mutex_clocklock(m, clk, t);
  return record_mutex_lock<Call>(s, m, __builtin_return_address(0),
                                 [m, clk, t] { return libc().mutex_clocklock(m, clk, t); });
}

WEFT_EXPORT int pthread_mutex_trylock(pthread_mutex_t* m) noexcept {
  void* pc = __builtin_return_address(0);
  return lock_export(
      pc, [m](const real::Api& api) { return api.mutex_trylock(m); },
      [m, pc]<class C>(Sink* s, std::type_identity<C>) { return record_mutex_trylock<C>(s, m, pc); });
}

WEFT_EXPORT int pthread_mutex_unlock(pthread_mutex_t* m) noexcept {
  std::uint32_t rare = modes();
  Sink* s = rt::active_sink();
  if (rare == 0) [[likely]] {
    if (s == nullptr) [[likely]]
      return libc_resolved().mutex_unlock(m);
    if (!t_busy) [[likely]]
      return record_mutex_unlock<CommonCall>(s, m, __builtin_return_address(0));
    return libc_resolved().mutex_unlock(m);  // the interposer's or the recorder's own unlock
  }
  return mutex_unlock_general(m, __builtin_return_address(0));
}

// ---- spin locks ------------------------------------------------------------------------------

WEFT_EXPORT int pthread_spin_init(pthread_spinlock_t* l, int pshared) noexcept {
  WEFT_TSAN_FRAME;
  int r = libc().spin_init(l, pshared);
  if (r == 0) {
    if (Sink* s = recording()) {
      Call c(*s, __builtin_return_address(0));
      register_init(spin_addr(l), ObjKind::SpinLock);
    }
  }
  return r;
}

WEFT_EXPORT int pthread_spin_destroy(pthread_spinlock_t* l) noexcept {
  WEFT_TSAN_FRAME;
  Sink* s = recording();
  if (s == nullptr) return libc().spin_destroy(l);
  Call c(*s, __builtin_return_address(0));
  destroy_begin(c, spin_addr(l), ObjKind::SpinLock);
  int r = libc().spin_destroy(l);
  // No fingerprint: a destroyed spin lock's bytes are those of a fresh one (0).
  if (r == 0) destroyed(spin_addr(l), 0);
  return r;
}

namespace {
// Would pthread_spin_lock spin now? glibc's x86 spin lock counts down from 1 (free) and is held
// at 0 or below; the generic one is 0 when free (see g_tsan_behind).
bool spin_looks_busy(const pthread_spinlock_t* l) noexcept {
  int v = __atomic_load_n(l, __ATOMIC_RELAXED);
#if defined(__x86_64__) || defined(__i386__)
  return v <= 0;
#else
  return v != 0;
#endif
}
}  // namespace

namespace {
// Spin locks as record_mutex_lock and record_mutex_trylock do mutexes (C: Call or CommonCall).
template <class C>
[[gnu::always_inline]] inline int record_spin_lock(Sink* s, pthread_spinlock_t* l,
                                                   const void* pc) noexcept {
  constexpr bool common = std::is_same_v<C, CommonCall>;
  const real::Api& api = common ? libc_resolved() : libc();
  C c = make_call<C>(*s, pc);
  ObjId id = id_for(spin_addr(l), ObjKind::SpinLock);
  if (id == 0) return api.spin_lock(l);
  if (!common && g_chaos) s->chaos_point(id);
  int r = !common && g_tsan_behind ? (spin_looks_busy(l) ? EBUSY : api.spin_lock(l))
                                   : api.spin_trylock(l);
  if (r == EBUSY) {
    c.acquire_begin(id);
    r = api.spin_lock(l);
  }
  if (r == 0) {
    c.template lock_acquired<ObjKind::SpinLock>(id);
  } else {
    c.acquire_failed(id, failure(r));
  }
  return r;
}

template <class C>
[[gnu::always_inline]] inline int record_spin_trylock(Sink* s, pthread_spinlock_t* l,
                                                      const void* pc) noexcept {
  constexpr bool common = std::is_same_v<C, CommonCall>;
  C c = make_call<C>(*s, pc);
  ObjId id = id_for(spin_addr(l), ObjKind::SpinLock);
  int r = (common ? libc_resolved() : libc()).spin_trylock(l);
  if (id == 0) return r;
  if (r == 0) {
    c.template lock_acquired<ObjKind::SpinLock, true>(id);
  } else {
    c.acquire_failed(id, failure(r));
  }
  return r;
}

template <class C>
[[gnu::always_inline]] inline int record_spin_unlock(Sink* s, pthread_spinlock_t* l,
                                                     const void* pc) noexcept {
  constexpr bool common = std::is_same_v<C, CommonCall>;
  {
    C c = make_call<C>(*s, pc);
    if (ObjId id = id_for(spin_addr(l), ObjKind::SpinLock))
      c.template lock_released<ObjKind::SpinLock>(id);
  }
  return (common ? libc_resolved() : libc()).spin_unlock(l);
}
}  // namespace

// Spin locks, like the mutex functions.
WEFT_EXPORT int pthread_spin_lock(pthread_spinlock_t* l) noexcept {
  void* pc = __builtin_return_address(0);
  return lock_export(
      pc, [l](const real::Api& api) { return api.spin_lock(l); },
      [l, pc]<class C>(Sink* s, std::type_identity<C>) { return record_spin_lock<C>(s, l, pc); });
}

WEFT_EXPORT int pthread_spin_trylock(pthread_spinlock_t* l) noexcept {
  void* pc = __builtin_return_address(0);
  return lock_export(
      pc, [l](const real::Api& api) { return api.spin_trylock(l); },
      [l, pc]<class C>(Sink* s, std::type_identity<C>) { return record_spin_trylock<C>(s, l, pc); });
}

WEFT_EXPORT int pthread_spin_unlock(pthread_spinlock_t* l) noexcept {
  void* pc = __builtin_return_address(0);
  return lock_export(
      pc, [l](const real::Api& api) { return api.spin_unlock(l); },
      [l, pc]<class C>(Sink* s, std::type_identity<C>) { return record_spin_unlock<C>(s, l, pc); });
}
