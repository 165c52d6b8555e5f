// rwlock.cpp: pthread_rwlock_* (and so std::shared_mutex), recorded through the protocol.
//
//   lock:      [AcquireBegin(mode) when the try failed and the call will block]
//              Acquired(mode: 1 exclusive, 2 shared) | AcquireFailed(TimedOut | Refused | Error)
//              glibc refuses (EDEADLK, at once) a write lock, or a read lock, asked for by the
//              thread that holds the write lock: no AcquireBegin then.
//   trylock:   Acquired(mode | kAcquiredByTry) | AcquireFailed(WouldBlock | Error)
//   unlock:    Release(0 exclusive, 2 shared), before the real unlock
//   destroy:   DestroyBegin, then the object's end
#include <errno.h>
#include <pthread.h>

#include "real.hpp"
#include "state.hpp"

#define WEFT_EXPORT extern "C" __attribute__((visibility("default")))

namespace weft::preload {
namespace {

const real::Api& libc() noexcept { return real::get(); }

constexpr std::uint64_t kExclusive = static_cast<std::uint64_t>(rt::protocol::Mode::Exclusive);
constexpr std::uint64_t kShared = static_cast<std::uint64_t>(rt::protocol::Mode::Shared);

ObjId rw_id(const Call& c, const pthread_rwlock_t* l) noexcept {
  return use_id(c, l, ObjKind::RWLock, sizeof *l);
}

// glibc records the writer's tid in __cur_writer.
bool i_am_writer(const pthread_rwlock_t* l) noexcept { return l->__data.__cur_writer == my_tid(); }

// Would taking `l` in `mode` block now? A peek at glibc's __readers word (readers count above
// bit 3, bit 1 set while a writer holds it): see g_tsan_behind.
bool looks_busy(const pthread_rwlock_t* l, std::uint64_t mode) noexcept {
  unsigned readers = __atomic_load_n(&l->__data.__readers, __ATOMIC_RELAXED);
  bool writer = (readers & 2u) != 0;
  return mode == kExclusive ? (writer || (readers >> 3) != 0) : writer;
}

rt::AcquireFail failure(int r) noexcept {
  if (r == ETIMEDOUT) return rt::AcquireFail::TimedOut;
  if (r == EDEADLK) return rt::AcquireFail::Refused;
  if (r == EBUSY) return rt::AcquireFail::WouldBlock;
  return rt::AcquireFail::Error;
}

template <class Try, class Block>
int record_rw_lock(pthread_rwlock_t* l, std::uint64_t mode, const void* pc, Try&& try_fn,
                   Block&& block) {
  Sink* s = recording();
  if (s == nullptr) return block();
  Call c(*s, pc);
  ObjId id = rw_id(c, l);
  if (id == 0) return block();
  if (g_chaos) s->chaos_point(id);
  int r = g_tsan_behind ? (looks_busy(l, mode) ? EBUSY : block()) : try_fn();
  if (r == EBUSY) {
    if (!i_am_writer(l)) c.acquire_begin(id, mode);
    r = block();
  }
  if (r == 0) {
    c.acquired(id, {mode});
  } else {
    c.acquire_failed(id, failure(r));
  }
  return r;
}

template <class Try>
int record_rw_try(pthread_rwlock_t* l, std::uint64_t mode, const void* pc, Try&& try_fn) {
  Sink* s = recording();
  if (s == nullptr) return try_fn();
  Call c(*s, pc);
  ObjId id = rw_id(c, l);
  int r = try_fn();
  if (id != 0) {
    if (r == 0) {
      c.acquired(id, {mode, true, false});
    } else {
      c.acquire_failed(id, failure(r));
    }
  }
  return r;
}

}  // namespace
}  // namespace weft::preload

using namespace weft::preload;
namespace rt = weft::rt;

#define WEFT_PC __builtin_return_address(0)

WEFT_EXPORT int pthread_rwlock_init(pthread_rwlock_t* l, const pthread_rwlockattr_t* a) noexcept {
  WEFT_TSAN_FRAME;
  int r = libc().rw_init(l, a);
  if (r == 0) {
    if (Sink* s = recording()) {
      Call c(*s, WEFT_PC);
      register_init(l, ObjKind::RWLock);
    }
  }
  return r;
}

WEFT_EXPORT int pthread_rwlock_destroy(pthread_rwlock_t* l) noexcept {
  WEFT_TSAN_FRAME;
  Sink* s = recording();
  if (s == nullptr) {
    int r = libc().rw_destroy(l);
    if (r == 0 && g_enabled.load(std::memory_order_relaxed) && !t_busy) {
      Busy b;
      destroyed(l, 0);
    }
    return r;
  }
  Call c(*s, WEFT_PC);
  destroy_begin(c, l, ObjKind::RWLock);
  int r = libc().rw_destroy(l);
  if (r == 0) destroyed(l, sizeof *l);
  return r;
}

WEFT_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t* l) noexcept {
  WEFT_TSAN_FRAME;
  return record_rw_lock(
      l, kShared, WEFT_PC, [l] { return libc().rw_tryrdlock(l); },
      [l] { return libc().rw_rdlock(l); });
}
WEFT_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t* l) noexcept {
  WEFT_TSAN_FRAME;
  return record_rw_lock(
      l, kExclusive, WEFT_PC, [l] { return libc().rw_trywrlock(l); },
      [l] { return libc().rw_wrlock(l); });
}
WEFT_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t* l, const timespec* t) noexcept {
  WEFT_TSAN_FRAME;
  return record_rw_lock(
      l, kShared, WEFT_PC, [l] { return libc().rw_tryrdlock(l); },
      [l, t] { return libc().rw_timedrdlock(l, t); });
}
WEFT_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t* l, const timespec* t) noexcept {
  WEFT_TSAN_FRAME;
  return record_rw_lock(
      l, kExclusive, WEFT_PC, [l] { return libc().rw_trywrlock(l); },
      [l, t] { return libc().rw_timedwrlock(l, t); });
}
WEFT_EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t* l, clockid_t clk,
                                           const timespec* t) noexcept {
  WEFT_TSAN_FRAME;
  return record_rw_lock(
      l, kShared, WEFT_PC, [l] { return libc().rw_tryrdlock(l); },
      [l, clk, t] { return libc().rw_clockrdlock(l, clk, t); });
}
WEFT_EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t* l, clockid_t clk,
                                           const timespec* t) noexcept {
  WEFT_TSAN_FRAME;
  return record_rw_lock(
      l, kExclusive, WEFT_PC, [l] { return libc().rw_trywrlock(l); },
      [l, clk, t] { return libc().rw_clockwrlock(l, clk, t); });
}
WEFT_EXPORT int pthread_rwlock_tryrdlock(pthread_rwlock_t* l) noexcept {
  WEFT_TSAN_FRAME;
  return record_rw_try(l, kShared, WEFT_PC, [l] { return libc().rw_tryrdlock(l); });
}
WEFT_EXPORT int pthread_rwlock_trywrlock(pthread_rwlock_t* l) noexcept {
  WEFT_TSAN_FRAME;
  return record_rw_try(l, kExclusive, WEFT_PC, [l] { return libc().rw_trywrlock(l); });
}

WEFT_EXPORT int pthread_rwlock_unlock(pthread_rwlock_t* l) noexcept {
  WEFT_TSAN_FRAME;
  Sink* s = recording();
  if (s == nullptr) return libc().rw_unlock(l);
  Call c(*s, WEFT_PC);
  if (ObjId id = rw_id(c, l)) c.released(id, i_am_writer(l) ? 0 : kShared);
  return libc().rw_unlock(l);
}
