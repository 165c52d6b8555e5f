// lock-reentry: a non-reentrant lock acquired again by the thread that holds it.
//
// Checked at AcquireBegin, i.e. before the thread blocks (as absl::Mutex and lockdep do): the
// thread can never be woken, because the only thread that could release the lock is itself.
// The finding is fatal: the process is stopped with the report (WEFT_ON_DEADLOCK=continue lets
// it hang instead).
//
// An rwlock is checked by mode: a read lock asked for while this thread reads is a nested read
// (glibc's default rwlock lets it in); a write lock asked for while this thread reads it waits
// for itself. A re-lock that glibc refuses at once with EDEADLK (an error-checking mutex, an
// rwlock its writer asks for again) does not block: it is reported, not fatal.
//
// A default pthread mutex (std::mutex) re-locked while other threads live is not a certain
// self-deadlock either: glibc lets any thread unlock it (POSIX leaves that undefined), and a
// mutex used as a hand-off signal relies on it. The finding is reported at once, not fatal, and
// the thread blocks; the watchdog (deadlock.cpp) stops the process with it once the thread is
// still blocked and no other thread can run to unlock the mutex.
#include "internal.hpp"
#include "weft/runtime/protocol.hpp"

namespace weft::rt::detectors::internal {

void reentry_on_acquire_begin(Detector& d, ThreadRec& t, ObjId obj, Slot& s, std::uint64_t mode,
                              const std::source_location& where) {
  ObjKind k = static_cast<ObjKind>(s.kind.load(std::memory_order_relaxed));
  if (!is_nonreentrant_kind(k)) return;
  HeldEntry* e = find_held(d, t, obj);
  if (e == nullptr) return;
  if (k == ObjKind::RWLock && e->shared &&
      mode == static_cast<std::uint64_t>(protocol::Mode::Shared))
    return;  // a nested read lock
  // A weft::Lock that other threads release (a Lock used as a signal, which Python allows) may
  // still be released by someone else: not a certain self-deadlock.
  if (k == ObjKind::Lock && (s.flags.load(std::memory_order_relaxed) & kCrossRelease)) return;
  bool others_may_unlock = k == ObjKind::Mutex && another_live_thread(d, t);
  d.report(reentry_finding(d, t.index, obj, e->site, where,
                           others_may_unlock ? ReentryCertainty::OthersMayUnlock
                                             : ReentryCertainty::Certain));
}

FindingRecord reentry_finding(Detector& d, std::uint32_t thread, ObjId obj,
                              const std::source_location& taken,
                              const std::source_location& again, ReentryCertainty c) {
  FindingRecord f;
  f.kind = bug_kind::kLockReentry;
  f.message = d.thread_name(thread) + " acquires " + d.describe(obj) + " again while holding it" +
              taken_at(taken);
  switch (c) {
    case ReentryCertainty::Certain:
      f.message += "; a non-reentrant lock held by its caller can never be acquired: self-deadlock";
      break;
    case ReentryCertainty::OthersMayUnlock:
      f.message += "; it blocks until another thread unlocks a mutex it does not own, which POSIX "
                   "leaves undefined (glibc allows it): a self-deadlock unless the program relies "
                   "on that";
      break;
    case ReentryCertainty::Confirmed:
      f.message += "; it is still blocked and no other thread can run to unlock it: self-deadlock";
      break;
  }
  f.threads = {thread};
  f.objects = {obj};
  f.sites = {taken, again};
  f.fatal = c != ReentryCertainty::OthersMayUnlock;
  return f;
}

void reentry_on_acquire_failed(Detector& d, ThreadRec& t, ObjId obj, std::uint64_t,
                               const std::source_location& where) {
  HeldEntry* e = find_held(d, t, obj);
  FindingRecord f;
  f.kind = bug_kind::kLockReentry;
  f.message = d.thread_name(t.index) + " acquires " + d.describe(obj) +
              " again while holding it" + (e ? taken_at(e->site) : std::string()) +
              "; the call failed with EDEADLK (an error-checking lock), where a default one "
              "would deadlock";
  f.threads = {t.index};
  f.objects = {obj};
  if (e) f.sites.push_back(e->site);
  f.sites.push_back(where);
  d.report(std::move(f));
}

}  // namespace weft::rt::detectors::internal
