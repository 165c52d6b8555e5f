// thread.cpp: pthread_create / join / detach / exit / setname, recorded.
//
//   threads:    ThreadStart(parent thread object) in the new thread, sited at its start routine;
//               ThreadEnd(0) when its function returns, it calls pthread_exit, or
//               pthread_cancel unwinds it;
//               JoinBegin ... JoinEnd(0 joined, 1 not joined: busy, timed out or error)
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "real.hpp"
#include "state.hpp"
#include "weft/runtime/session.hpp"

#define WEFT_EXPORT extern "C" __attribute__((visibility("default")))

namespace weft::preload {

namespace {

thread_local ObjId t_self WEFT_PRELOAD_TLS = 0;  // this thread's Thread object (0: none yet)
thread_local bool t_ended WEFT_PRELOAD_TLS = false;

const real::Api& libc() noexcept { return real::get(); }

std::uintptr_t thread_key(pthread_t t) noexcept { return static_cast<std::uintptr_t>(t) | 1u; }

// ---- threads -------------------------------------------------------------------------------

bool is_main_thread() noexcept { return getpid() == static_cast<pid_t>(syscall(SYS_gettid)); }

// This thread's Thread object, created on first need for threads we did not start (the main
// thread, threads started before recording began). It has no site: no line of the program
// created it (the default would be this line of the runtime).
ObjId self_thread() noexcept {
  if (t_self == 0) t_self = rt::new_object(ObjKind::Thread, is_main_thread() ? "main" : "", {});
  return t_self;
}

// Drops one reference; the last one unmaps and frees the thread's state. The table lock is taken
// with the thread marked busy, so a signal handler on this thread cannot spin on it.
void release_ctl(ThreadCtl* c) noexcept {
  if (c->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  bool was_busy = t_busy;
  t_busy = true;
  rt::tsan::ignore_begin();
  g_objects.erase(thread_key(c->handle), reinterpret_cast<std::uint64_t>(c));
  std::free(c->pending_name.exchange(nullptr));
  delete c;
  rt::tsan::ignore_end();
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
    check_pending_name();  // a thread that made no recorded call starts here
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
  if (g_tsan_ahead) [[unlikely]] {
    // c->fn is TSan's own thread start, which sets the thread up for TSan and then runs the
    // program's routine: nothing that TSan intercepts may run here before it (deliver_start).
    t_start_pending = true;
  } else if (recording() != nullptr) {
    Busy b;
    check_pending_name();
    // ThreadStart is sited at the start routine (as a return address just past its entry, which
    // readers move back by one): readers name an unnamed thread after it.
    t_site = rt::site_from_pc(reinterpret_cast<const char*>(reinterpret_cast<std::uintptr_t>(c->fn)) + 1);
    emit(Ev::ThreadStart, c->id, c->parent);
  }
  t_site = {};  // ThreadEnd has no call site
  void* result = c->fn(c->arg);
  t_site = {};
  finish_thread();
  return result;
}

ThreadCtl* ctl_of(pthread_t t) noexcept {
  return reinterpret_cast<ThreadCtl*>(g_objects.find(thread_key(t)));
}

// A join of any flavour: JoinBegin, the real call, JoinEnd(0) and cleanup when it joined.
// `pc`: the caller's return address.
template <class Fn>
int record_join(pthread_t t, const void* pc, Fn&& call) {
  Sink* s = recording();
  if (s == nullptr) {
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
    Call site(*s, pc);
    c = ctl_of(t);
    if (c != nullptr) site.event(Ev::JoinBegin, c->id, 0);
  }
  int r = call();
  if (c != nullptr) {
    Busy b;
    emit(Ev::JoinEnd, c->id, r == 0 ? 0 : 1);
    if (r == 0) release_ctl(c);
  }
  return r;
}

}  // namespace

// The ThreadStart a thread started under clang's ThreadSanitizer could not record in its
// trampoline (g_tsan_ahead), at its first recorded call; it has no site (the routine the
// program gave is behind TSan's own start function).
void deliver_start() noexcept {
  t_start_pending = false;
  ThreadCtl* c = t_ctl;
  if (c == nullptr || rt::active_sink() == nullptr) return;
  std::source_location site = t_site;
  t_site = {};
  emit(Ev::ThreadStart, c->id, c->parent);
  t_site = site;
}

}  // namespace weft::preload

using namespace weft::preload;
namespace rt = weft::rt;

// ---- threads -------------------------------------------------------------------------------

WEFT_EXPORT int pthread_create(pthread_t* t, const pthread_attr_t* attr, void* (*fn)(void*),
                               void* arg) noexcept {
  WEFT_TSAN_FRAME;
  Sink* s = recording();
  if (s == nullptr) return libc().create(t, attr, fn, arg);
  ThreadCtl* c;
  {
    Call site(*s, __builtin_return_address(0));
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
  WEFT_TSAN_FRAME;
  return record_join(t, __builtin_return_address(0), [=] { return libc().join(t, result); });
}
WEFT_EXPORT int pthread_tryjoin_np(pthread_t t, void** result) noexcept {
  WEFT_TSAN_FRAME;
  return record_join(t, __builtin_return_address(0), [=] { return libc().tryjoin(t, result); });
}
WEFT_EXPORT int pthread_timedjoin_np(pthread_t t, void** result, const timespec* abstime) {
  WEFT_TSAN_FRAME;
  return record_join(t, __builtin_return_address(0),
                     [=] { return libc().timedjoin(t, result, abstime); });
}
WEFT_EXPORT int pthread_clockjoin_np(pthread_t t, void** result, clockid_t clk,
                                     const timespec* abstime) {
  WEFT_TSAN_FRAME;
  return record_join(t, __builtin_return_address(0),
                     [=] { return libc().clockjoin(t, result, clk, abstime); });
}

// Records nothing (a detach has no event): keeps the thread's bookkeeping, recording or not.
WEFT_EXPORT int pthread_detach(pthread_t t) noexcept {
  WEFT_TSAN_FRAME;
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

// exit(), _exit() and _Exit(): the status goes into the process's segment (weft run learns the
// status of the process it started from waitpid; a fork child's only from here). exit() goes on
// to run the atexit handlers, where the recording ends as before; _exit() and _Exit() run none,
// so the trace's end is written here. Nothing else: the process is going away.
namespace {
// In a program built with weft the interposer runs no session of its own: the program's session
// notes it (its table's process_exiting, weft/runtime/host.hpp).
void note_process_exit(int status, bool immediate) noexcept {
  if (g_host != nullptr) {
    if (auto hook = g_host->process_exiting.load(std::memory_order_acquire)) hook(status, immediate);
    return;
  }
  rt::Session::exiting(status, immediate);
}
}  // namespace

WEFT_EXPORT void exit(int status) noexcept {
  note_process_exit(status, false);
  libc().process_exit(status);
  __builtin_unreachable();
}

WEFT_EXPORT void _exit(int status) noexcept {
  note_process_exit(status, true);
  libc().process_exit_now(status);
  __builtin_unreachable();
}

WEFT_EXPORT void _Exit(int status) noexcept {
  note_process_exit(status, true);
  libc().process_exit_now(status);
  __builtin_unreachable();
}

WEFT_EXPORT void pthread_exit(void* result) {
  WEFT_TSAN_FRAME;
  // The thread's end is sited at this call (exit-holding-lock names it).
  if (Sink* s = recording()) {
    Call site(*s, __builtin_return_address(0));
  }
  if (g_enabled.load(std::memory_order_relaxed)) finish_thread();
  libc().exit(result);
  __builtin_unreachable();
}

WEFT_EXPORT int pthread_setname_np(pthread_t t, const char* name) noexcept {
  WEFT_TSAN_FRAME;
  int r = libc().setname(t, name);
  if (r != 0) return r;
  Sink* s = recording();
  if (s == nullptr) return r;
  Call site(*s, __builtin_return_address(0));
  if (pthread_equal(t, pthread_self())) {
    rt::name_current_thread(name);
  } else if (ThreadCtl* c = ctl_of(t)) {
    // Only the named thread can tell the sink its name: it picks this up at its next
    // interposed call, or at the latest when it ends.
    g_names_pending.store(true, std::memory_order_relaxed);
    std::free(c->pending_name.exchange(strdup(name), std::memory_order_acq_rel));
  }
  return r;
}
