// sem.cpp: POSIX semaphores (sem_init/destroy/wait/timedwait/clockwait/trywait/post), recorded
// through the protocol.
//
//   sem_wait:   [AcquireBegin] Acquired(value after) | AcquireFailed(TimedOut on a timeout or
//               EINTR, Error otherwise)
//   sem_post:   Release(value after), before the real post; values read with sem_getvalue.
//               A post glibc refuses (EOVERFLOW at SEM_VALUE_MAX) is Misuse(SemOverflow).
//   sem_init:   a value past SEM_VALUE_MAX (EINVAL) is Misuse(SemInitInvalid)
//   sem_destroy: DestroyBegin (the detectors check for waiters), then the object's end
#include <errno.h>
#include <limits.h>
#include <semaphore.h>

#include "real.hpp"
#include "state.hpp"

#define WEFT_EXPORT extern "C" __attribute__((visibility("default")))

namespace weft::preload {
namespace {

const real::Api& libc() noexcept { return real::get(); }

ObjId sem_id(const Call& c, const sem_t* s) noexcept {
  return use_id(c, s, ObjKind::PosixSemaphore, sizeof *s);
}

std::uint64_t sem_value(sem_t* s) noexcept {
  int v = 0;
  if (sem_getvalue(s, &v) != 0 || v < 0) return 0;
  return static_cast<std::uint64_t>(v);
}

template <class Block>
int record_sem_wait(sem_t* sem, const void* pc, Block&& block) {
  Sink* s = recording();
  if (s == nullptr) return block();
  Call c(*s, pc);
  ObjId id = sem_id(c, sem);
  if (id == 0) return block();
  if (g_chaos) s->chaos_point(id);
  int r = libc().sem_trywait(sem);
  int err = r == 0 ? 0 : errno;
  if (r != 0 && err == EAGAIN) {
    c.acquire_begin(id);
    r = block();
    err = r == 0 ? 0 : errno;
  }
  if (r == 0) {
    c.acquired(id, {sem_value(sem)});
  } else {
    bool gave_up = err == ETIMEDOUT || err == EINTR;
    c.acquire_failed(id, gave_up ? rt::AcquireFail::TimedOut : rt::AcquireFail::Error);
  }
  errno = err;
  return r;
}

}  // namespace
}  // namespace weft::preload

using namespace weft::preload;
namespace rt = weft::rt;

#define WEFT_PC __builtin_return_address(0)

WEFT_EXPORT int sem_init(sem_t* s, int pshared, unsigned value) noexcept {
  WEFT_TSAN_FRAME;
  int r = libc().sem_init(s, pshared, value);
  if (Sink* sink = recording()) {
    KeepErrno keep;
    Call c(*sink, WEFT_PC);
    if (r == 0) {
      register_init(s, ObjKind::PosixSemaphore);
    } else if (keep.saved == EINVAL && value > SEM_VALUE_MAX) {
      if (ObjId id = register_init(s, ObjKind::PosixSemaphore))
        c.misuse(id, rt::MisuseCode::SemInitInvalid, EINVAL);
    }
  }
  return r;
}

WEFT_EXPORT int sem_destroy(sem_t* s) noexcept {
  WEFT_TSAN_FRAME;
  Sink* sink = recording();
  if (sink == nullptr) {
    int r = libc().sem_destroy(s);
    if (r == 0 && g_enabled.load(std::memory_order_relaxed) && !t_busy) {
      KeepErrno keep;
      Busy b;
      destroyed(s, 0);
    }
    return r;
  }
  KeepErrno keep;
  Call c(*sink, WEFT_PC);
  destroy_begin(c, s, ObjKind::PosixSemaphore);
  int r = libc().sem_destroy(s);
  keep.saved = errno;
  if (r == 0) destroyed(s, sizeof *s);
  return r;
}

WEFT_EXPORT int sem_wait(sem_t* s) {
  WEFT_TSAN_FRAME;
  return record_sem_wait(s, WEFT_PC, [s] { return libc().sem_wait(s); });
}
WEFT_EXPORT int sem_timedwait(sem_t* s, const timespec* t) {
  WEFT_TSAN_FRAME;
  return record_sem_wait(s, WEFT_PC, [s, t] { return libc().sem_timedwait(s, t); });
}
WEFT_EXPORT int sem_clockwait(sem_t* s, clockid_t clk, const timespec* t) {
  WEFT_TSAN_FRAME;
  return record_sem_wait(s, WEFT_PC, [s, clk, t] { return libc().sem_clockwait(s, clk, t); });
}

WEFT_EXPORT int sem_trywait(sem_t* s) noexcept {
  WEFT_TSAN_FRAME;
  Sink* sink = recording();
  if (sink == nullptr) return libc().sem_trywait(s);
  Call c(*sink, WEFT_PC);
  ObjId id = sem_id(c, s);
  int r = libc().sem_trywait(s);
  int err = r == 0 ? 0 : errno;
  if (id != 0) {
    if (r == 0) {
      c.acquired(id, {sem_value(s), true, false});
    } else {
      c.acquire_failed(id, err == EAGAIN ? rt::AcquireFail::WouldBlock : rt::AcquireFail::Error);
    }
  }
  errno = err;
  return r;
}

WEFT_EXPORT int sem_post(sem_t* s) noexcept {
  WEFT_TSAN_FRAME;
  Sink* sink = recording();
  if (sink == nullptr) return libc().sem_post(s);
  KeepErrno keep;
  Call c(*sink, WEFT_PC);
  ObjId id = sem_id(c, s);
  std::uint64_t v = sem_value(s);
  if (id != 0 && v >= SEM_VALUE_MAX) [[unlikely]] {
    // glibc refuses with EOVERFLOW and changes nothing.
    int r = libc().sem_post(s);
    keep.saved = r == 0 ? keep.saved : errno;
    if (r != 0) {
      c.misuse(id, rt::MisuseCode::SemOverflow, keep.saved);
    } else {
      c.released(id, sem_value(s));
    }
    return r;
  }
  if (id != 0) c.released(id, v + 1);
  int r = libc().sem_post(s);
  if (r != 0) keep.saved = errno;
  return r;
}
