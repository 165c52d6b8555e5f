// wait-not-in-loop (dynamic, under `weft run --chaos`): a condition wait that returned by an
// injected spurious wake-up, after which the thread went on instead of waiting again.
//
// Why it is certain: chaos returns the wait at once, and the lock's generation shows whether any
// other thread took the lock between the wait's release and its re-acquisition. When none did,
// the state the lock protects is exactly what the waiter saw when it decided to wait, so a
// predicate re-checked in a loop is still false and a correct program waits again. If the
// thread instead releases the lock, notifies, or sets an event first, its wait is not in a loop
// that re-checks (the `if (empty) wait();` mistake the tutorial warns about).
//
// States (ThreadRec::wl_*, touched only by the thread itself):
//   WaitBegin(cond, lock)          remember cond, lock, the lock's generation, the site
//   WaitEnd(cond, Spurious)        a chaos wake-up: wait for the lock's re-acquisition
//   Acquired(lock)                 no other taker in between -> armed
//   WaitBegin(_, lock) while armed the thread waits again: correct, disarm
//   Release(lock) to free / Notify / Set while armed -> report, disarm
//   the process crashes (SIGABRT from an uncaught exception, SIGSEGV, ...) while a thread is
//   armed -> report before the crash proceeds (an `if`-wait that falls through usually reads
//   an empty container and dies before it releases anything)
#include <signal.h>
#include <string.h>

#include <string>

#include "internal.hpp"

namespace weft::rt::detectors::internal {

void wait_loop_on_wait_begin(Detector& d, ThreadRec& t, ObjId cond, ObjId lock,
                             const std::source_location& where) {
  t.wl_state = WaitLoop::Idle;
  if (d.options().chaos_seed == 0 || lock == 0) return;
  Slot* ls = d.slot_if_any(lock);
  if (ls == nullptr) return;
  t.wl_cond = cond;
  t.wl_lock = lock;
  t.wl_gen = ls->gen.load(std::memory_order_relaxed);
  t.wl_site = where;
  t.wl_state = WaitLoop::Waiting;
}

void wait_loop_on_wait_end(ThreadRec& t, ObjId cond, std::uint64_t result) {
  if (t.wl_state != WaitLoop::Waiting || cond != t.wl_cond) {
    t.wl_state = WaitLoop::Idle;
    return;
  }
  t.wl_state = result == static_cast<std::uint64_t>(WaitResult::Spurious) ? WaitLoop::Woken
                                                                          : WaitLoop::Idle;
}

void wait_loop_on_acquired(Detector& d, ThreadRec& t, ObjId obj) {
  if (t.wl_state != WaitLoop::Woken || obj != t.wl_lock) return;
  Slot* ls = d.slot_if_any(obj);
  // Our own re-acquisition bumped the generation once; more means another thread held it.
  bool untouched = ls && ls->gen.load(std::memory_order_relaxed) == t.wl_gen + 1;
  t.wl_state = untouched ? WaitLoop::Armed : WaitLoop::Idle;
}

void wait_loop_on_went_on(Detector& d, ThreadRec& t, const char* what,
                          const std::source_location& where) {
  t.wl_state = WaitLoop::Idle;
  FindingRecord f;
  f.kind = bug_kind::kWaitNotInLoop;
  f.message = d.thread_name(t.index) + " woke from a wait on " + d.describe(t.wl_cond) +
              at(t.wl_site) + " (a spurious wake-up injected by --chaos; no other thread took " +
              d.describe(t.wl_lock) + " meanwhile, so its predicate was still false) and then " +
              what + at(where) +
              " without waiting again: the wait is not in a loop that re-checks its predicate";
  f.threads = {t.index};
  f.objects = {t.wl_cond, t.wl_lock};
  f.sites = {t.wl_site, where};
  d.report(std::move(f), std::string(bug_kind::kWaitNotInLoop) + "|" + site_str(t.wl_site));
}

namespace {
Detector* g_crash_detector = nullptr;
constexpr int kCrashSignals[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
struct sigaction g_previous[sizeof kCrashSignals / sizeof kCrashSignals[0]];

void on_crash(int sig, siginfo_t* info, void* context) {
  if (Detector* d = g_crash_detector) {
    g_crash_detector = nullptr;  // once, even if reporting itself faults
    std::string what = std::string("crashed (signal ") + std::to_string(sig) + ", " +
                       (sigabbrev_np(sig) ? sigabbrev_np(sig) : "?") + ")";
    for (ThreadRec* t : d->threads_snapshot())
      if (t->wl_state == WaitLoop::Armed) wait_loop_on_went_on(*d, *t, what.c_str(), {});
  }
  // Hand the signal on: to the handler that was there before us, else the default action.
  for (std::size_t i = 0; i < sizeof kCrashSignals / sizeof kCrashSignals[0]; ++i) {
    if (kCrashSignals[i] != sig) continue;
    ::sigaction(sig, &g_previous[i], nullptr);
    const struct sigaction& prev = g_previous[i];
    if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction != nullptr) {
      prev.sa_sigaction(sig, info, context);
      return;
    }
    if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
      prev.sa_handler(sig);
      return;
    }
  }
  ::raise(sig);  // SIG_DFL now: ends the process (a fault would also re-fault on return)
}
}  // namespace

void wait_loop_install_crash_hook(Detector& d) {
  if (g_crash_detector != nullptr) return;
  g_crash_detector = &d;
  for (std::size_t i = 0; i < sizeof kCrashSignals / sizeof kCrashSignals[0]; ++i) {
    struct sigaction sa;
    ::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_crash;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    ::sigemptyset(&sa.sa_mask);
    ::sigaction(kCrashSignals[i], &sa, &g_previous[i]);
  }
}

}  // namespace weft::rt::detectors::internal
