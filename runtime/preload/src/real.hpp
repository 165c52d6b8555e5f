// real.hpp: the libc functions the interposer forwards to, found with dlsym/dlvsym(RTLD_NEXT).
//
// resolve() runs from the library's constructor and, should an interposed function be called
// before it (another library's constructor), from that first call. Nothing here allocates: we
// do not interpose malloc/calloc, so dlsym's own allocations cannot recurse into us.
#pragma once

#include <pthread.h>
#include <semaphore.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

namespace weft::preload::real {

using MutexInit = int (*)(pthread_mutex_t*, const pthread_mutexattr_t*);
using MutexFn = int (*)(pthread_mutex_t*);
using MutexTimed = int (*)(pthread_mutex_t*, const timespec*);
using MutexClock = int (*)(pthread_mutex_t*, clockid_t, const timespec*);
using CondInit = int (*)(pthread_cond_t*, const pthread_condattr_t*);
using CondFn = int (*)(pthread_cond_t*);
using CondWait = int (*)(pthread_cond_t*, pthread_mutex_t*);
using CondTimed = int (*)(pthread_cond_t*, pthread_mutex_t*, const timespec*);
using CondClock = int (*)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const timespec*);
using RwInit = int (*)(pthread_rwlock_t*, const pthread_rwlockattr_t*);
using RwFn = int (*)(pthread_rwlock_t*);
using RwTimed = int (*)(pthread_rwlock_t*, const timespec*);
using RwClock = int (*)(pthread_rwlock_t*, clockid_t, const timespec*);
using SpinInit = int (*)(pthread_spinlock_t*, int);
using SpinFn = int (*)(pthread_spinlock_t*);
using SemInit = int (*)(sem_t*, int, unsigned);
using SemFn = int (*)(sem_t*);
using SemTimed = int (*)(sem_t*, const timespec*);
using SemClock = int (*)(sem_t*, clockid_t, const timespec*);
using BarrierInit = int (*)(pthread_barrier_t*, const pthread_barrierattr_t*, unsigned);
using BarrierFn = int (*)(pthread_barrier_t*);
using Create = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
using Join = int (*)(pthread_t, void**);
using JoinTimed = int (*)(pthread_t, void**, const timespec*);
using JoinClock = int (*)(pthread_t, void**, clockid_t, const timespec*);
using Exit = void (*)(void*);
using ProcessExit = void (*)(int);
using Detach = int (*)(pthread_t);
using SetName = int (*)(pthread_t, const char*);
using NanoSleep = int (*)(const timespec*, timespec*);
using ClockNanoSleep = int (*)(clockid_t, int, const timespec*, timespec*);
using USleep = int (*)(useconds_t);
using Sleep = unsigned (*)(unsigned);

// The condition-variable functions exist twice in glibc: the current ABI (GLIBC_2.3.2) and the
// old one (GLIBC_2.2.5, whose pthread_cond_t holds a pointer to a current-ABI condvar).
struct CondApi {
  CondInit init;
  CondFn destroy, signal, broadcast;
  CondWait wait;
  CondTimed timedwait;
};

struct Api {
  MutexInit mutex_init;
  MutexFn mutex_destroy, mutex_lock, mutex_trylock, mutex_unlock;
  MutexTimed mutex_timedlock;
  MutexClock mutex_clocklock;
  CondApi cond, cond_old;
  // The GLIBC_2.2.5 entry points work on old-ABI condvars (a pointer to a current one): false
  // when cond_old is an interceptor (libtsan's), which treats every condvar as current.
  bool cond_old_layout = true;
  CondClock cond_clockwait;
  RwInit rw_init;
  RwFn rw_destroy, rw_rdlock, rw_wrlock, rw_tryrdlock, rw_trywrlock, rw_unlock;
  RwTimed rw_timedrdlock, rw_timedwrlock;
  RwClock rw_clockrdlock, rw_clockwrlock;
  SpinInit spin_init;
  SpinFn spin_destroy, spin_lock, spin_trylock, spin_unlock;
  SemInit sem_init;
  SemFn sem_destroy, sem_wait, sem_trywait, sem_post;
  SemTimed sem_timedwait;
  SemClock sem_clockwait;
  BarrierInit barrier_init;
  BarrierFn barrier_destroy, barrier_wait;
  Create create;
  Join join, tryjoin;
  JoinTimed timedjoin;
  JoinClock clockjoin;
  Exit exit;
  ProcessExit process_exit;      // exit()
  ProcessExit process_exit_now;  // _exit() (_Exit is the same function in glibc)
  Detach detach;
  SetName setname;
  NanoSleep nanosleep;
  ClockNanoSleep clock_nanosleep;
  USleep usleep;
  Sleep sleep;
};

extern Api api;
extern std::atomic<bool> resolved;

// Fills `api`. Idempotent. A missing symbol is fatal (the process could not work anyway): a
// one-line message on stderr, then abort.
void resolve() noexcept;

// The resolved table; resolves on first use before the constructor ran.
inline const Api& get() noexcept {
  if (!resolved.load(std::memory_order_acquire)) [[unlikely]] resolve();
  return api;
}

}  // namespace weft::preload::real
