// interpose.cpp: the pthread / semaphore functions libweft_preload.so defines in place of libc's.
//
// Every function has the same shape:
//
//   if (Sink* s = recording()) { Busy b; ...look up the object, forward, emit events... }
//   else forward to libc
//
// so with no recording active (or inside our own bookkeeping) the cost is three loads and a
// call through a pointer. Events follow the conventions table in weft/runtime/event.hpp:
//
//   lock:       [AcquireBegin (only when the try failed)] Acquired(depth or 1)
//               errorcheck re-lock by the owner (EDEADLK, never blocks): AcquireFailed(0)
//   trylock:    Acquired (arg | kAcquiredByTry) | AcquireFailed(0);  timed/clock lock timeout: AcquireFailed(1)
//   unlock:     Release(depth after, else 0), emitted before the real unlock
//   rwlock:     as a mutex; Acquired arg 1 = exclusive (write), 2 = shared (read);
//               Release arg 0 = exclusive, 2 = shared
//   cond wait:  WaitBegin(cond, mutex) Release(mutex) ... WaitEnd(cond, Notified|Timeout)
//               Acquired(mutex)
//   notify:     Notify(cond, requested << 32 | woken), before the real call; requested is 1 for
//               signal, 0xffffffff for broadcast; woken (best effort, the interposer cannot
//               know) = min(requested, threads inside a wait on this condvar at that moment,
//               read from glibc's waiter count __wrefs >> 3)
//   sem_wait:   [AcquireBegin] Acquired(value after) | AcquireFailed(1 on timeout or EINTR)
//   sem_post:   Release(value after), before the real post; values read with sem_getvalue
//   barrier:    BarrierArrive(index) [BarrierPass(generation) by the last arriver]
//               WaitBegin(barrier, 0) ... WaitEnd(barrier, Notified)
//   threads:    ThreadStart(parent thread object) in the new thread, ThreadEnd(0) when its
//               function returns, it calls pthread_exit, or pthread_cancel unwinds it;
//               JoinBegin ... JoinEnd(0 joined, 1 not joined: busy, timed out or error)
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <unwind.h>
#include <semaphore.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "real.hpp"
#include "state.hpp"

#define WEFT_EXPORT extern "C" __attribute__((visibility("default")))

namespace weft::preload {

std::atomic<bool> g_enabled{false};
bool g_chaos = false;
thread_local bool t_busy WEFT_PRELOAD_TLS = false;
thread_local ThreadCtl* t_ctl WEFT_PRELOAD_TLS = nullptr;
thread_local pid_t t_tid WEFT_PRELOAD_TLS = 0;
constinit thread_local std::source_location t_site WEFT_PRELOAD_TLS{};
constinit thread_local PcSite t_pc_sites[kPcSites] WEFT_PRELOAD_TLS{};

pid_t my_tid() noexcept {
  if (t_tid == 0) t_tid = static_cast<pid_t>(syscall(SYS_gettid));
  return t_tid;
}
ObjectTable g_objects;
ObjectTable g_barriers;

namespace {

thread_local ObjId t_self WEFT_PRELOAD_TLS = 0;  // this thread's Thread object (0: none yet)
thread_local bool t_ended WEFT_PRELOAD_TLS = false;

const real::Api& libc() noexcept { return real::get(); }

std::uintptr_t addr_key(const void* p) noexcept { return reinterpret_cast<std::uintptr_t>(p); }
std::uintptr_t thread_key(pthread_t t) noexcept { return static_cast<std::uintptr_t>(t) | 1u; }

// ---- mutexes -------------------------------------------------------------------------------

// glibc keeps the mutex type in __data.__kind (PTHREAD_MUTEX_KIND_MASK_NP = 3); a
// PTHREAD_MUTEX_INITIALIZER object has 0 there (normal) until something else is stored.
bool is_recursive(const pthread_mutex_t* m) noexcept {
  return (m->__data.__kind & 3) == PTHREAD_MUTEX_RECURSIVE;
}

ObjId mutex_id(const pthread_mutex_t* m) noexcept {
  return id_for(m, is_recursive(m) ? ObjKind::RecursiveMutex : ObjKind::Mutex);
}

// Acquired's arg: the recursion depth for a recursive mutex (glibc's __count), else 1.
std::uint64_t held_depth(const pthread_mutex_t* m) noexcept {
  return is_recursive(m) ? m->__data.__count : 1;
}

// Release's arg: the depth after the unlock about to happen, else 0.
std::uint64_t depth_after_release(const pthread_mutex_t* m) noexcept {
  if (!is_recursive(m)) return 0;
  unsigned c = m->__data.__count;
  return c > 0 ? c - 1 : 0;
}

bool acquired(int r) noexcept { return r == 0 || r == EOWNERDEAD; }

// A blocking acquisition: try first so that AcquireBegin appears only when the thread blocks.
// `pc`: the caller's return address.
template <class Block>
int record_mutex_lock(Sink* s, pthread_mutex_t* m, const void* pc, Block&& block) noexcept {
  Busy b;
  note_site(pc);
  check_pending_name();
  ObjId id = mutex_id(m);
  if (id == 0) return block();
  if (g_chaos) s->chaos_point(id);
  int r = libc().mutex_trylock(m);
  if (r == EBUSY) {
    // An errorcheck mutex re-locked by its owner fails at once (EDEADLK): it does not block.
    bool refused = (m->__data.__kind & 3) == PTHREAD_MUTEX_ERRORCHECK &&
                   m->__data.__owner == my_tid();
    if (!refused) emit(Ev::AcquireBegin, id, 0);
    r = block();
  }
  if (acquired(r)) {
    emit(Ev::Acquired, id, held_depth(m));
  } else if (r == ETIMEDOUT) {
    emit(Ev::AcquireFailed, id, 1);
  } else {
    emit(Ev::AcquireFailed, id, 0);
  }
  return r;
}

// ---- threads -------------------------------------------------------------------------------

bool is_main_thread() noexcept { return getpid() == static_cast<pid_t>(syscall(SYS_gettid)); }

// This thread's Thread object, created on first need for threads we did not start (the main
// thread, threads started before recording began).
ObjId self_thread() noexcept {
  if (t_self == 0) t_self = rt::new_object(ObjKind::Thread, is_main_thread() ? "main" : "");
  return t_self;
}

// Drops one reference; the last one unmaps and frees the thread's state. The table lock is taken
// with the thread marked busy, so a signal handler on this thread cannot spin on it.
void release_ctl(ThreadCtl* c) noexcept {
  if (c->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  bool was_busy = t_busy;
  t_busy = true;
  g_objects.erase(thread_key(c->handle), reinterpret_cast<std::uint64_t>(c));
  std::free(c->pending_name.exchange(nullptr));
  delete c;
  t_busy = was_busy;
}

// The calling thread ends (its function returned, or it called pthread_exit).
void finish_thread() noexcept {
  ThreadCtl* c = t_ctl;
  if (c == nullptr && t_self == 0) return;
  if (t_ended) return;
  t_ended = true;
  if (recording() != nullptr) {
    Busy b;
    check_pending_name();
    emit(Ev::ThreadEnd, c ? c->id : t_self, 0);
  }
  if (c != nullptr) {
    t_ctl = nullptr;
    release_ctl(c);
  }
}

// Ends the thread's record when pthread_cancel unwinds its stack (glibc cancels by a forced
// unwind, which runs C++ destructors, after the C cleanup handlers of inner frames), so a
// cancelled thread gets its ThreadEnd, and exit-holding-lock sees the mutexes it still holds.
struct EndOnUnwind {
  EndOnUnwind() = default;
  EndOnUnwind(const EndOnUnwind&) = delete;
  EndOnUnwind& operator=(const EndOnUnwind&) = delete;
  ~EndOnUnwind() {
    if (t_ended) return;  // the normal path already ended it
    t_site = {};
    finish_thread();
  }
};

void* thread_trampoline(void* p) {
  EndOnUnwind end_on_unwind;
  auto* c = static_cast<ThreadCtl*>(p);
  c->handle = pthread_self();
  t_ctl = c;
  t_self = c->id;
  t_site = {};  // ThreadStart and ThreadEnd have no call site
  if (recording() != nullptr) {
    Busy b;
    check_pending_name();
    emit(Ev::ThreadStart, c->id, c->parent);
  }
  void* result = c->fn(c->arg);
  t_site = {};
  finish_thread();
  return result;
}

ThreadCtl* ctl_of(pthread_t t) noexcept {
  return reinterpret_cast<ThreadCtl*>(g_objects.find(thread_key(t)));
}

// A join of any flavour: JoinBegin, the real call, JoinEnd(0) and cleanup when it joined.
template <class Call>
int record_join(pthread_t t, Call&& call) {
  if (recording() == nullptr) {
    if (!g_enabled.load(std::memory_order_relaxed)) return call();
    // Not recording now, but the thread may have been started while recording: keep its
    // bookkeeping straight.
    ThreadCtl* c = ctl_of(t);
    int r = call();
    if (r == 0 && c != nullptr) release_ctl(c);
    return r;
  }
  ThreadCtl* c;
  {
    Busy b;
    check_pending_name();
    c = ctl_of(t);
    if (c != nullptr) emit(Ev::JoinBegin, c->id, 0);
  }
  int r = call();
  if (c != nullptr) {
    Busy b;
    emit(Ev::JoinEnd, c->id, r == 0 ? 0 : 1);
    if (r == 0) release_ctl(c);
  }
  return r;
}

// ---- condition variables -------------------------------------------------------------------

ObjId cond_id(const pthread_cond_t* c) noexcept { return id_for(c, ObjKind::CondVar); }

// Threads inside a wait on `c` per glibc (current ABI: __wrefs >> 3). An old-ABI condvar holds a
// pointer to a current-ABI one, allocated on first use.
std::uint32_t cond_waiters(const pthread_cond_t* c, bool old_abi) noexcept {
  if (old_abi) {
    const pthread_cond_t* inner = *reinterpret_cast<pthread_cond_t* const*>(c);
    if (inner == nullptr) return 0;
    c = inner;
  }
  return static_cast<std::uint32_t>(c->__data.__wrefs >> 3);
}

template <class Call>
int record_cond_wait(pthread_cond_t* c, pthread_mutex_t* m, bool timed, Call&& call) {
  Sink* s = recording();
  if (s == nullptr) return call();
  ObjId cid, mid;
  {
    Busy b;
    check_pending_name();
    cid = cond_id(c);
    mid = mutex_id(m);
    if (cid == 0 || mid == 0) {
      cid = 0;
    } else {
      emit(Ev::WaitBegin, cid, mid);
      emit(Ev::Release, mid, depth_after_release(m));
      if (s->inject_spurious_wakeup(cid, timed)) {
        // weft run --chaos: return at once as a spurious wake-up; the mutex is still held.
        emit(Ev::WaitEnd, cid, static_cast<std::uint64_t>(rt::WaitResult::Spurious));
        emit(Ev::Acquired, mid, held_depth(m));
        return 0;
      }
    }
  }
  // pthread_cancel in the wait: glibc re-locks the mutex before it unwinds, so record that too
  // (a cleanup handler then unlocks it).
  struct OnCancel {
    ObjId cid, mid;
    pthread_mutex_t* m;
    ~OnCancel() {
      if (cid == 0) return;
      Busy b;
      emit(Ev::WaitEnd, cid, static_cast<std::uint64_t>(rt::WaitResult::Notified));
      emit(Ev::Acquired, mid, held_depth(m));
    }
  } on_cancel{cid, mid, m};
  int r = call();
  on_cancel.cid = 0;
  if (cid != 0) {
    Busy b;
    auto why = r == ETIMEDOUT ? rt::WaitResult::Timeout : rt::WaitResult::Notified;
    emit(Ev::WaitEnd, cid, static_cast<std::uint64_t>(why));
    emit(Ev::Acquired, mid, held_depth(m));
  }
  return r;
}

// `widen`: the broadcast of the same ABI, which chaos may use in place of a signal.
int record_notify(pthread_cond_t* c, bool all, bool old_abi, int (*call)(pthread_cond_t*),
                  int (*widen)(pthread_cond_t*) = nullptr) {
  Sink* s = recording();
  if (s == nullptr) return call(c);
  {
    Busy b;
    check_pending_name();
    if (ObjId id = cond_id(c)) {
      if (g_chaos) s->chaos_point(id);
      std::uint64_t requested = all ? 0xffffffffu : 1u;
      std::uint64_t woken = cond_waiters(c, old_abi);
      if (woken > requested) woken = requested;
      emit(Ev::Notify, id, requested << 32 | woken);
      // weft run --chaos: glibc picks the signalled waiter, so let them all race for it.
      if (!all && widen != nullptr && woken > 0 && g_chaos && s->chaos_pick(id, 2) != 0)
        call = widen;
    }
  }
  return call(c);
}

int record_cond_init(pthread_cond_t* c, const pthread_condattr_t* a, real::CondInit call) {
  int r = call(c, a);
  if (r == 0 && recording() != nullptr) {
    Busy b;
    ObjId id = make_object(ObjKind::CondVar, c);
    if (ObjId old = g_objects.replace(addr_key(c), id)) rt::destroy_object(old);
  }
  return r;
}

// Forgets the object at `addr` (its address may be reused for another object).
void forget(const void* addr) noexcept {
  if (!g_enabled.load(std::memory_order_relaxed) || t_busy) return;
  Busy b;
  if (ObjId old = g_objects.erase(addr_key(addr))) rt::destroy_object(old);
}

// ---- rwlocks -------------------------------------------------------------------------------

constexpr std::uint64_t kExclusive = 1;
constexpr std::uint64_t kShared = 2;

template <class Try, class Block>
int record_rw_lock(pthread_rwlock_t* l, std::uint64_t mode, Try&& try_fn, Block&& block) {
  Sink* s = recording();
  if (s == nullptr) return block();
  Busy b;
  check_pending_name();
  ObjId id = id_for(l, ObjKind::RWLock);
  if (id == 0) return block();
  if (g_chaos) s->chaos_point(id);
  int r = try_fn();
  if (r == EBUSY) {
    emit(Ev::AcquireBegin, id, 0);
    r = block();
  }
  if (r == 0) {
    emit(Ev::Acquired, id, mode);
  } else {
    emit(Ev::AcquireFailed, id, r == ETIMEDOUT ? 1 : 0);
  }
  return r;
}

template <class Try>
int record_rw_try(pthread_rwlock_t* l, std::uint64_t mode, Try&& try_fn) {
  if (recording() == nullptr) return try_fn();
  Busy b;
  check_pending_name();
  ObjId id = id_for(l, ObjKind::RWLock);
  int r = try_fn();
  if (id != 0) {
    if (r == 0) {
      emit(Ev::Acquired, id, mode | rt::kAcquiredByTry);
    } else {
      emit(Ev::AcquireFailed, id, 0);
    }
  }
  return r;
}

// ---- semaphores ----------------------------------------------------------------------------

std::uint64_t sem_value(sem_t* s) noexcept {
  int v = 0;
  if (sem_getvalue(s, &v) != 0 || v < 0) return 0;
  return static_cast<std::uint64_t>(v);
}

template <class Block>
int record_sem_wait(sem_t* sem, Block&& block) {
  Sink* s = recording();
  if (s == nullptr) return block();
  Busy b;
  check_pending_name();
  ObjId id = id_for(sem, ObjKind::PosixSemaphore);
  if (id == 0) return block();
  if (g_chaos) s->chaos_point(id);
  int r = libc().sem_trywait(sem);
  int err = r == 0 ? 0 : errno;
  if (r != 0 && err == EAGAIN) {
    emit(Ev::AcquireBegin, id, 0);
    r = block();
    err = r == 0 ? 0 : errno;
  }
  if (r == 0) {
    emit(Ev::Acquired, id, sem_value(sem));
  } else {
    emit(Ev::AcquireFailed, id, 1);
  }
  errno = err;
  return r;
}

// ---- barriers ------------------------------------------------------------------------------

struct BarrierState {
  ObjId id;
  unsigned parties;  // 0 when the barrier was initialised before recording began
  std::atomic<std::uint64_t> arrivals{0};
};

BarrierState* barrier_state(pthread_barrier_t* b, unsigned parties_if_new) noexcept {
  std::uint64_t v = g_barriers.find(addr_key(b));
  if (v == 0 && !g_barriers.full()) {
    auto* st = new (std::nothrow) BarrierState{0, parties_if_new};
    if (st == nullptr) return nullptr;
    st->id = make_object(ObjKind::PosixBarrier, b);
    bool inserted;
    v = g_barriers.insert_if_absent(addr_key(b), reinterpret_cast<std::uint64_t>(st), &inserted);
    if (!inserted) {  // another thread got there first, or the table is full
      rt::destroy_object(st->id);
      delete st;
    }
  }
  return reinterpret_cast<BarrierState*>(v);
}

// The executable segments of one loaded object, found with dl_iterate_phdr (no allocation).
struct TextRanges {
  std::uintptr_t lo[4] = {}, hi[4] = {};
  int n = 0;
  bool contains(std::uintptr_t a) const noexcept {
    for (int i = 0; i < n; ++i)
      if (a >= lo[i] && a < hi[i]) return true;
    return false;
  }
  void add_text_of(const dl_phdr_info* info) noexcept {
    for (int i = 0; i < info->dlpi_phnum && n < 4; ++i) {
      const ElfW(Phdr)& ph = info->dlpi_phdr[i];
      if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
      lo[n] = info->dlpi_addr + ph.p_vaddr;
      hi[n] = lo[n] + ph.p_memsz;
      ++n;
    }
  }
};

struct Libraries {
  TextRanges libstdcxx, self;  // self: this preload library
};

int find_libraries(dl_phdr_info* info, std::size_t, void* out) noexcept {
  auto* libs = static_cast<Libraries*>(out);
  if (info->dlpi_name != nullptr && std::strstr(info->dlpi_name, "/libstdc++.so") != nullptr)
    libs->libstdcxx.add_text_of(info);
  TextRanges mine;
  mine.add_text_of(info);
  if (mine.contains(reinterpret_cast<std::uintptr_t>(&find_libraries))) libs->self = mine;
  return 0;
}

const Libraries& libraries() noexcept {
  static const Libraries libs = [] {
    Libraries l;
    ::dl_iterate_phdr(find_libraries, &l);
    return l;
  }();
  return libs;
}

struct Unwind {
  const Libraries* libs;
  bool seen_lib = false;  // passed a libstdc++ frame: the next frame outside it is the caller
  int depth = 0;
  const void* found = nullptr;
};

_Unwind_Reason_Code unwind_step(_Unwind_Context* ctx, void* arg) noexcept {
  auto* w = static_cast<Unwind*>(arg);
  if (++w->depth > 32) return _URC_END_OF_STACK;
  std::uintptr_t ip = _Unwind_GetIP(ctx);
  if (ip == 0) return _URC_NO_REASON;
  if (w->libs->libstdcxx.contains(ip - 1)) {
    w->seen_lib = true;
  } else if (w->seen_lib) {
    // Below libstdc++ only weft's thread trampoline: the program's frames were tail calls.
    if (!w->libs->self.contains(ip - 1)) w->found = reinterpret_cast<const void*>(ip);
    return _URC_END_OF_STACK;
  }
  return _URC_NO_REASON;
}

}  // namespace

const void* user_pc(const void* pc) noexcept {
  const Libraries& libs = libraries();
  if (!libs.libstdcxx.contains(reinterpret_cast<std::uintptr_t>(pc) - 1)) [[likely]]
    return pc;
  Unwind w{&libs};
  _Unwind_Backtrace(unwind_step, &w);
  return w.found != nullptr ? w.found : pc;
}

ObjId make_object(ObjKind kind, const void* addr) noexcept {
  char name[2 + 16 + 1];
  std::snprintf(name, sizeof name, "%p", addr);
  return rt::new_object(kind, name, t_site);  // first use: where the program touched it
}

ObjId create_id_for(const void* addr, ObjKind kind) noexcept {
  if (g_objects.full()) return 0;
  ObjId id = make_object(kind, addr);
  bool inserted;
  ObjId stored = g_objects.insert_if_absent(addr_key(addr), id, &inserted);
  if (!inserted) rt::destroy_object(id);  // another thread got there first, or the table is full
  return stored;
}

void deliver_pending_name() noexcept {
  char* name = t_ctl->pending_name.exchange(nullptr, std::memory_order_acq_rel);
  if (name == nullptr) return;
  rt::name_current_thread(name);
  std::free(name);
}

}  // namespace weft::preload

using namespace weft::preload;
namespace rt = weft::rt;

// ---- mutexes -------------------------------------------------------------------------------

WEFT_EXPORT int pthread_mutex_init(pthread_mutex_t* m, const pthread_mutexattr_t* a) noexcept {
  WEFT_NOTE_CALLER();
  int r = libc().mutex_init(m, a);
  if (r == 0 && recording() != nullptr) {
    Busy b;
    ObjId id = make_object(is_recursive(m) ? ObjKind::RecursiveMutex : ObjKind::Mutex, m);
    if (ObjId old = g_objects.replace(addr_key(m), id)) rt::destroy_object(old);
  }
  return r;
}

WEFT_EXPORT int pthread_mutex_destroy(pthread_mutex_t* m) noexcept {
  WEFT_NOTE_CALLER();
  int r = libc().mutex_destroy(m);
  if (r == 0) forget(m);
  return r;
}

// The lock / unlock functions note their caller inside record_mutex_lock's Busy scope (no
// WEFT_NOTE_CALLER: recording() is the same test).
WEFT_EXPORT int pthread_mutex_lock(pthread_mutex_t* m) noexcept {
  Sink* s = recording();
  if (s == nullptr) [[likely]]
    return libc().mutex_lock(m);
  return record_mutex_lock(s, m, __builtin_return_address(0),
                           [m] { return libc().mutex_lock(m); });
}

WEFT_EXPORT int pthread_mutex_timedlock(pthread_mutex_t* m, const timespec* t) noexcept {
  Sink* s = recording();
  if (s == nullptr) return libc().mutex_timedlock(m, t);
  return record_mutex_lock(s, m, __builtin_return_address(0),
                           [m, t] { return libc().mutex_timedlock(m, t); });
}

WEFT_EXPORT int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t clk,
                                        const timespec* t) noexcept {
  Sink* s = recording();
  if (s == nullptr) return libc().mutex_clocklock(m, clk, t);
  return record_mutex_lock(s, m, __builtin_return_address(0),
                           [m, clk, t] { return libc().mutex_clocklock(m, clk, t); });
}

WEFT_EXPORT int pthread_mutex_trylock(pthread_mutex_t* m) noexcept {
  WEFT_NOTE_CALLER();
  Sink* s = recording();
  if (s == nullptr) return libc().mutex_trylock(m);
  Busy b;
  check_pending_name();
  ObjId id = mutex_id(m);
  int r = libc().mutex_trylock(m);
  if (id != 0) {
    if (acquired(r)) {
      // A try never blocks, so it orders nothing (std::lock / std::scoped_lock try the rest).
      emit(Ev::Acquired, id, held_depth(m) | rt::kAcquiredByTry);
    } else {
      emit(Ev::AcquireFailed, id, 0);
    }
  }
  return r;
}

WEFT_EXPORT int pthread_mutex_unlock(pthread_mutex_t* m) noexcept {
  Sink* s = recording();
  if (s == nullptr) [[likely]]
    return libc().mutex_unlock(m);
  Busy b;
  note_site(__builtin_return_address(0));
  check_pending_name();
  if (ObjId id = mutex_id(m)) emit(Ev::Release, id, depth_after_release(m));
  return libc().mutex_unlock(m);
}

// ---- condition variables: both ABIs, bound by symbol version -------------------------------

#define WEFT_COND_VERSIONS(fn, impl_new, impl_old)                       \
  __asm__(".symver " #impl_new ", " #fn "@@GLIBC_2.3.2");               \
  __asm__(".symver " #impl_old ", " #fn "@GLIBC_2.2.5");

WEFT_COND_VERSIONS(pthread_cond_init, weft_cond_init_232, weft_cond_init_225)
WEFT_COND_VERSIONS(pthread_cond_destroy, weft_cond_destroy_232, weft_cond_destroy_225)
WEFT_COND_VERSIONS(pthread_cond_wait, weft_cond_wait_232, weft_cond_wait_225)
WEFT_COND_VERSIONS(pthread_cond_timedwait, weft_cond_timedwait_232, weft_cond_timedwait_225)
WEFT_COND_VERSIONS(pthread_cond_signal, weft_cond_signal_232, weft_cond_signal_225)
WEFT_COND_VERSIONS(pthread_cond_broadcast, weft_cond_broadcast_232, weft_cond_broadcast_225)

namespace {
const real::CondApi& cond_api(bool old_abi) noexcept {
  return old_abi ? libc().cond_old : libc().cond;
}
int cond_init(pthread_cond_t* c, const pthread_condattr_t* a, bool old_abi) {
  return record_cond_init(c, a, cond_api(old_abi).init);
}
int cond_destroy(pthread_cond_t* c, bool old_abi) {
  int r = cond_api(old_abi).destroy(c);
  if (r == 0) forget(c);
  return r;
}
int cond_wait(pthread_cond_t* c, pthread_mutex_t* m, bool old_abi) {
  auto call = cond_api(old_abi).wait;
  return record_cond_wait(c, m, false, [=] { return call(c, m); });
}
int cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const timespec* t, bool old_abi) {
  auto call = cond_api(old_abi).timedwait;
  return record_cond_wait(c, m, true, [=] { return call(c, m, t); });
}
}  // namespace

WEFT_EXPORT int weft_cond_init_232(pthread_cond_t* c, const pthread_condattr_t* a) {
  WEFT_NOTE_CALLER();
  return cond_init(c, a, false);
}
WEFT_EXPORT int weft_cond_init_225(pthread_cond_t* c, const pthread_condattr_t* a) {
  WEFT_NOTE_CALLER();
  return cond_init(c, a, true);
}
WEFT_EXPORT int weft_cond_destroy_232(pthread_cond_t* c) { return cond_destroy(c, false); }
WEFT_EXPORT int weft_cond_destroy_225(pthread_cond_t* c) { return cond_destroy(c, true); }
WEFT_EXPORT int weft_cond_wait_232(pthread_cond_t* c, pthread_mutex_t* m) {
  WEFT_NOTE_CALLER();
  return cond_wait(c, m, false);
}
WEFT_EXPORT int weft_cond_wait_225(pthread_cond_t* c, pthread_mutex_t* m) {
  WEFT_NOTE_CALLER();
  return cond_wait(c, m, true);
}
WEFT_EXPORT int weft_cond_timedwait_232(pthread_cond_t* c, pthread_mutex_t* m,
                                        const timespec* t) {
  WEFT_NOTE_CALLER();
  return cond_timedwait(c, m, t, false);
}
WEFT_EXPORT int weft_cond_timedwait_225(pthread_cond_t* c, pthread_mutex_t* m,
                                        const timespec* t) {
  WEFT_NOTE_CALLER();
  return cond_timedwait(c, m, t, true);
}
WEFT_EXPORT int weft_cond_signal_232(pthread_cond_t* c) {
  WEFT_NOTE_CALLER();
  return record_notify(c, false, false, libc().cond.signal, libc().cond.broadcast);
}
WEFT_EXPORT int weft_cond_signal_225(pthread_cond_t* c) {
  WEFT_NOTE_CALLER();
  return record_notify(c, false, true, libc().cond_old.signal, libc().cond_old.broadcast);
}
WEFT_EXPORT int weft_cond_broadcast_232(pthread_cond_t* c) {
  WEFT_NOTE_CALLER();
  return record_notify(c, true, false, libc().cond.broadcast);
}
WEFT_EXPORT int weft_cond_broadcast_225(pthread_cond_t* c) {
  WEFT_NOTE_CALLER();
  return record_notify(c, true, true, libc().cond_old.broadcast);
}

// std::condition_variable::wait_for / wait_until with steady_clock land here (glibc >= 2.30).
WEFT_EXPORT int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clk,
                                       const timespec* t) {
  WEFT_NOTE_CALLER();
  return record_cond_wait(c, m, true, [=] { return libc().cond_clockwait(c, m, clk, t); });
}

// ---- rwlocks -------------------------------------------------------------------------------

WEFT_EXPORT int pthread_rwlock_init(pthread_rwlock_t* l, const pthread_rwlockattr_t* a) noexcept {
  WEFT_NOTE_CALLER();
  int r = libc().rw_init(l, a);
  if (r == 0 && recording() != nullptr) {
    Busy b;
    ObjId id = make_object(ObjKind::RWLock, l);
    if (ObjId old = g_objects.replace(addr_key(l), id)) rt::destroy_object(old);
  }
  return r;
}

WEFT_EXPORT int pthread_rwlock_destroy(pthread_rwlock_t* l) noexcept {
  WEFT_NOTE_CALLER();
  int r = libc().rw_destroy(l);
  if (r == 0) forget(l);
  return r;
}

WEFT_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t* l) noexcept {
  WEFT_NOTE_CALLER();
  return record_rw_lock(
      l, kShared, [l] { return libc().rw_tryrdlock(l); }, [l] { return libc().rw_rdlock(l); });
}
WEFT_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t* l) noexcept {
  WEFT_NOTE_CALLER();
  return record_rw_lock(
      l, kExclusive, [l] { return libc().rw_trywrlock(l); }, [l] { return libc().rw_wrlock(l); });
}
WEFT_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t* l, const timespec* t) noexcept {
  WEFT_NOTE_CALLER();
  return record_rw_lock(
      l, kShared, [l] { return libc().rw_tryrdlock(l); },
      [l, t] { return libc().rw_timedrdlock(l, t); });
}
WEFT_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t* l, const timespec* t) noexcept {
  WEFT_NOTE_CALLER();
  return record_rw_lock(
      l, kExclusive, [l] { return libc().rw_trywrlock(l); },
      [l, t] { return libc().rw_timedwrlock(l, t); });
}
WEFT_EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t* l, clockid_t clk,
                                           const timespec* t) noexcept {
  WEFT_NOTE_CALLER();
  return record_rw_lock(
      l, kShared, [l] { return libc().rw_tryrdlock(l); },
      [l, clk, t] { return libc().rw_clockrdlock(l, clk, t); });
}
WEFT_EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t* l, clockid_t clk,
                                           const timespec* t) noexcept {
  WEFT_NOTE_CALLER();
  return record_rw_lock(
      l, kExclusive, [l] { return libc().rw_trywrlock(l); },
      [l, clk, t] { return libc().rw_clockwrlock(l, clk, t); });
}
WEFT_EXPORT int pthread_rwlock_tryrdlock(pthread_rwlock_t* l) noexcept {
  WEFT_NOTE_CALLER();
  return record_rw_try(l, kShared, [l] { return libc().rw_tryrdlock(l); });
}
WEFT_EXPORT int pthread_rwlock_trywrlock(pthread_rwlock_t* l) noexcept {
  WEFT_NOTE_CALLER();
  return record_rw_try(l, kExclusive, [l] { return libc().rw_trywrlock(l); });
}

WEFT_EXPORT int pthread_rwlock_unlock(pthread_rwlock_t* l) noexcept {
  WEFT_NOTE_CALLER();
  if (recording() == nullptr) return libc().rw_unlock(l);
  Busy b;
  check_pending_name();
  if (ObjId id = id_for(l, ObjKind::RWLock)) {
    // glibc records the writer's tid in __cur_writer; anything else is a reader's unlock.
    bool exclusive = l->__data.__cur_writer == my_tid();
    emit(Ev::Release, id, exclusive ? 0 : kShared);
  }
  return libc().rw_unlock(l);
}

// ---- semaphores ----------------------------------------------------------------------------

WEFT_EXPORT int sem_init(sem_t* s, int pshared, unsigned value) noexcept {
  WEFT_NOTE_CALLER();
  int r = libc().sem_init(s, pshared, value);
  if (r == 0 && recording() != nullptr) {
    int err = errno;
    Busy b;
    ObjId id = make_object(ObjKind::PosixSemaphore, s);
    if (ObjId old = g_objects.replace(addr_key(s), id)) rt::destroy_object(old);
    errno = err;
  }
  return r;
}

WEFT_EXPORT int sem_destroy(sem_t* s) noexcept {
  WEFT_NOTE_CALLER();
  int r = libc().sem_destroy(s);
  int err = errno;
  if (r == 0) forget(s);
  errno = err;
  return r;
}

WEFT_EXPORT int sem_wait(sem_t* s) {
  WEFT_NOTE_CALLER();
  return record_sem_wait(s, [s] { return libc().sem_wait(s); });
}
WEFT_EXPORT int sem_timedwait(sem_t* s, const timespec* t) {
  WEFT_NOTE_CALLER();
  return record_sem_wait(s, [s, t] { return libc().sem_timedwait(s, t); });
}
WEFT_EXPORT int sem_clockwait(sem_t* s, clockid_t clk, const timespec* t) {
  WEFT_NOTE_CALLER();
  return record_sem_wait(s, [s, clk, t] { return libc().sem_clockwait(s, clk, t); });
}

WEFT_EXPORT int sem_trywait(sem_t* s) noexcept {
  WEFT_NOTE_CALLER();
  if (recording() == nullptr) return libc().sem_trywait(s);
  Busy b;
  check_pending_name();
  ObjId id = id_for(s, ObjKind::PosixSemaphore);
  int r = libc().sem_trywait(s);
  int err = r == 0 ? 0 : errno;
  if (id != 0)
    emit(r == 0 ? Ev::Acquired : Ev::AcquireFailed, id,
         r == 0 ? sem_value(s) | rt::kAcquiredByTry : 0);
  errno = err;
  return r;
}

WEFT_EXPORT int sem_post(sem_t* s) noexcept {
  WEFT_NOTE_CALLER();
  if (recording() == nullptr) return libc().sem_post(s);
  {
    int err = errno;
    Busy b;
    check_pending_name();
    if (ObjId id = id_for(s, ObjKind::PosixSemaphore)) emit(Ev::Release, id, sem_value(s) + 1);
    errno = err;
  }
  return libc().sem_post(s);
}

// ---- barriers ------------------------------------------------------------------------------

WEFT_EXPORT int pthread_barrier_init(pthread_barrier_t* b, const pthread_barrierattr_t* a,
                                     unsigned count) noexcept {
  WEFT_NOTE_CALLER();
  int r = libc().barrier_init(b, a, count);
  if (r == 0 && recording() != nullptr) {
    Busy busy;
    auto* st = new (std::nothrow) BarrierState{make_object(ObjKind::PosixBarrier, b), count};
    if (st != nullptr) {
      if (auto* old = reinterpret_cast<BarrierState*>(
              g_barriers.replace(addr_key(b), reinterpret_cast<std::uint64_t>(st)))) {
        rt::destroy_object(old->id);
        delete old;
      }
    }
  }
  return r;
}

WEFT_EXPORT int pthread_barrier_destroy(pthread_barrier_t* b) noexcept {
  WEFT_NOTE_CALLER();
  int r = libc().barrier_destroy(b);
  if (r == 0 && g_enabled.load(std::memory_order_relaxed) && !t_busy) {
    Busy busy;
    if (auto* st = reinterpret_cast<BarrierState*>(g_barriers.erase(addr_key(b)))) {
      rt::destroy_object(st->id);
      delete st;
    }
  }
  return r;
}

WEFT_EXPORT int pthread_barrier_wait(pthread_barrier_t* b) noexcept {
  WEFT_NOTE_CALLER();
  if (recording() == nullptr) return libc().barrier_wait(b);
  BarrierState* st;
  {
    Busy busy;
    check_pending_name();
    st = barrier_state(b, 0);
    if (st != nullptr) {
      std::uint64_t n = st->arrivals.fetch_add(1, std::memory_order_relaxed);
      std::uint64_t index = st->parties ? n % st->parties : n;
      emit(Ev::BarrierArrive, st->id, index);
      if (st->parties != 0 && index + 1 == st->parties) {
        emit(Ev::BarrierPass, st->id, n / st->parties);
      }
      emit(Ev::WaitBegin, st->id, 0);
    }
  }
  int r = libc().barrier_wait(b);
  if (st != nullptr) {
    Busy busy;
    if (st->parties == 0 && r == PTHREAD_BARRIER_SERIAL_THREAD) emit(Ev::BarrierPass, st->id, 0);
    emit(Ev::WaitEnd, st->id, static_cast<std::uint64_t>(rt::WaitResult::Notified));
  }
  return r;
}

// ---- threads -------------------------------------------------------------------------------

WEFT_EXPORT int pthread_create(pthread_t* t, const pthread_attr_t* attr, void* (*fn)(void*),
                               void* arg) noexcept {
  WEFT_NOTE_CALLER();
  if (recording() == nullptr) return libc().create(t, attr, fn, arg);
  ThreadCtl* c;
  {
    Busy b;
    check_pending_name();
    c = new (std::nothrow) ThreadCtl{};
    if (c == nullptr) return libc().create(t, attr, fn, arg);
    c->fn = fn;
    c->arg = arg;
    c->parent = self_thread();
    c->id = rt::new_object(ObjKind::Thread, "", t_site);
    int detached = PTHREAD_CREATE_JOINABLE;
    if (attr != nullptr) pthread_attr_getdetachstate(attr, &detached);
    if (detached == PTHREAD_CREATE_DETACHED) c->refs.store(1, std::memory_order_relaxed);
  }
  bool joinable = c->refs.load(std::memory_order_relaxed) == 2;
  int r = libc().create(t, attr, thread_trampoline, c);
  Busy b;
  if (r != 0) {
    rt::destroy_object(c->id);
    delete c;
  } else if (joinable) {
    // A detached thread may already be gone (and c freed): only joinable ones are mapped.
    g_objects.replace(thread_key(*t), reinterpret_cast<std::uint64_t>(c));
  }
  return r;
}

WEFT_EXPORT int pthread_join(pthread_t t, void** result) {
  WEFT_NOTE_CALLER();
  return record_join(t, [=] { return libc().join(t, result); });
}
WEFT_EXPORT int pthread_tryjoin_np(pthread_t t, void** result) noexcept {
  WEFT_NOTE_CALLER();
  return record_join(t, [=] { return libc().tryjoin(t, result); });
}
WEFT_EXPORT int pthread_timedjoin_np(pthread_t t, void** result, const timespec* abstime) {
  WEFT_NOTE_CALLER();
  return record_join(t, [=] { return libc().timedjoin(t, result, abstime); });
}
WEFT_EXPORT int pthread_clockjoin_np(pthread_t t, void** result, clockid_t clk,
                                     const timespec* abstime) {
  WEFT_NOTE_CALLER();
  return record_join(t, [=] { return libc().clockjoin(t, result, clk, abstime); });
}

WEFT_EXPORT int pthread_detach(pthread_t t) noexcept {
  WEFT_NOTE_CALLER();
  if (!g_enabled.load(std::memory_order_relaxed) || t_busy) return libc().detach(t);
  ThreadCtl* c = ctl_of(t);
  int r = libc().detach(t);
  if (r == 0 && c != nullptr) {
    Busy b;
    g_objects.erase(thread_key(t), reinterpret_cast<std::uint64_t>(c));
    release_ctl(c);
  }
  return r;
}

WEFT_EXPORT void pthread_exit(void* result) {
  WEFT_NOTE_CALLER();
  if (g_enabled.load(std::memory_order_relaxed)) finish_thread();
  libc().exit(result);
  __builtin_unreachable();
}

WEFT_EXPORT int pthread_setname_np(pthread_t t, const char* name) noexcept {
  WEFT_NOTE_CALLER();
  int r = libc().setname(t, name);
  if (r != 0 || recording() == nullptr) return r;
  Busy b;
  if (pthread_equal(t, pthread_self())) {
    rt::name_current_thread(name);
  } else if (ThreadCtl* c = ctl_of(t)) {
    // Only the named thread can tell the sink its name: it picks this up at its next
    // interposed call, or at the latest when it ends.
    std::free(c->pending_name.exchange(strdup(name), std::memory_order_acq_rel));
  }
  return r;
}
