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
  FindingRecord f;
  f.kind = bug_kind::kLockReentry;
  f.message = d.thread_name(t.index) + " acquires " + d.describe(obj) +
              " again while holding it" + taken_at(e->site) +
              "; a non-reentrant lock held by its caller can never be acquired: self-deadlock";
  f.threads = {t.index};
  f.objects = {obj};
  f.sites = {e->site, where};
  f.fatal = true;
  d.report(std::move(f));
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
