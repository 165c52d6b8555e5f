// lock-reentry: a non-reentrant lock acquired again by the thread that holds it.
//
// Checked at AcquireBegin, i.e. before the thread blocks (as absl::Mutex and lockdep do): the
// thread can never be woken, because the only thread that could release the lock is itself.
// The finding is fatal: the process is stopped with the report (WEFT_ON_DEADLOCK=continue lets
// it hang instead).
#include "internal.hpp"

namespace weft::rt::detectors::internal {

void reentry_on_acquire_begin(Detector& d, ThreadRec& t, ObjId obj, Slot& s,
                              const std::source_location& where) {
  ObjKind k = static_cast<ObjKind>(s.kind.load(std::memory_order_relaxed));
  if (!is_nonreentrant_kind(k)) return;
  HeldEntry* e = find_held(d, t, obj);
  if (e == nullptr) return;
  // A weft::Lock that other threads release (a Lock used as a signal, which Python allows) may
  // still be released by someone else: not a certain self-deadlock.
  if (k == ObjKind::Lock && (s.flags.load(std::memory_order_relaxed) & kCrossRelease)) return;
  FindingRecord f;
  f.kind = "lock-reentry";
  f.message = d.thread_name(t.index) + " acquires " + d.describe(obj) +
              " again while holding it" + taken_at(e->site) +
              "; a non-reentrant lock held by its caller can never be acquired: self-deadlock";
  f.threads = {t.index};
  f.objects = {obj};
  f.sites = {e->site, where};
  f.fatal = true;
  d.report(std::move(f));
}

}  // namespace weft::rt::detectors::internal
