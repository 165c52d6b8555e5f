// Misuse of a lock or condition by one thread, seen at the operation itself:
//   unowned-release      releasing a Lock that is not locked, or an RLock / mutex the thread
//                        does not own (pthread returns EPERM for error-checking mutexes and has
//                        undefined behaviour for default ones; weft throws RuntimeError)
//   wait-without-lock    waiting on a condition without holding its lock
//   notify-without-lock  notifying a weft::Condition without holding its lock; notifying a
//                        pthread / std:: condition variable while neither holding its mutex (the
//                        one its waits use) nor having released it just before (POSIX allows
//                        "unlock, then signal", so that idiom stays silent)
//   exit-holding-lock    a thread ends while still holding a lock
#include "internal.hpp"

namespace weft::rt::detectors::internal {

namespace {

// `lock` is among the last locks the calling thread released entirely.
bool released_recently(const ThreadRec& t, ObjId lock) {
  std::uint32_t n = t.n_released < ThreadRec::kRecentReleased ? t.n_released
                                                              : ThreadRec::kRecentReleased;
  for (std::uint32_t i = 0; i < n; ++i)
    if (t.recent_released[i] == lock) return true;
  return false;
}

FindingRecord condvar_finding(Detector& d, std::uint32_t thread, ObjId cond, ObjId lock,
                              const std::source_location& where) {
  FindingRecord f;
  f.kind = bug_kind::kNotifyWithoutLock;
  f.message = "notify on " + d.describe(cond) + " by a thread that neither holds " +
              d.describe(lock) +
              " (the mutex its waits use) nor released it just before: a state change made "
              "without that mutex can fall between a waiter's check and its wait, and the "
              "waiter then misses this notification";
  f.threads = {thread};
  f.objects = {cond, lock};
  f.sites = {where};
  return f;
}

// pthread_cond_signal/broadcast (and std::condition_variable, built on them). Legal without the
// mutex, and harmless when the state the waiters check was changed under it: "lock, change,
// unlock, signal" is a common idiom. What loses wake-ups is a state change made without the
// mutex, and a notifier that neither holds the mutex nor just released it has made none under
// it. The mutex is the one the condition's waits use, known from the first wait; the first
// notify before that is judged at the first wait, later ones before it are not checked.
void condvar_notify(Detector& d, ThreadRec& t, ObjId cond, const std::source_location& where) {
  Slot* cs = d.slot_if_any(cond);
  if (cs == nullptr) return;
  ObjId lock = cs->cond_lock.load(std::memory_order_relaxed);
  if (lock == 0) {
    // No wait yet: keep what the thread held or had just released for the first wait to judge.
    if (cs->flags.load(std::memory_order_relaxed) & kEarlyNotified) return;  // only the first
    cs->flags.fetch_or(kEarlyNotified, std::memory_order_relaxed);
    try {
      Detector::EarlyNotify e{t.index, where, {}};
      for (int i = 0; i < t.held.size(); ++i)
        if (find_held(d, t, t.held[i].obj) == &t.held[i]) e.locks.push_back(t.held[i].obj);
      std::uint32_t r = t.n_released < ThreadRec::kRecentReleased ? t.n_released
                                                                  : ThreadRec::kRecentReleased;
      e.locks.insert(e.locks.end(), t.recent_released, t.recent_released + r);
      SpinGuard g(d.signals_mu);
      d.early_notifies.try_emplace(cond, std::move(e));
    } catch (...) {
      // Out of memory: this notify goes unchecked.
    }
    return;
  }
  if (!is_lock_kind(d.kind_of(lock)) || d.kind_of(lock) == ObjKind::Unknown) return;
  // A wait without the mutex it names, or waits with two mutexes at once: which mutex guards the
  // waiters' state is unknown (the misuse itself is reported).
  if (cs->flags.load(std::memory_order_relaxed) & (kWaitUnheld | kMixedMutexes)) return;
  if (find_held(d, t, lock) || released_recently(t, lock)) return;
  d.report(condvar_finding(d, t.index, cond, lock, where));
}

// The first wait on `cond` names its mutex `lock` (0: a wait without the mutex it names, which
// proves nothing): judge the notify that came before it, if any.
void condvar_first_wait(Detector& d, ObjId cond, ObjId lock) {
  Detector::EarlyNotify e;
  {
    SpinGuard g(d.signals_mu);
    auto it = d.early_notifies.find(cond);
    if (it == d.early_notifies.end()) return;
    e = std::move(it->second);
    d.early_notifies.erase(it);
  }
  if (lock == 0) return;
  for (ObjId l : e.locks)
    if (l == lock) return;
  try {
    d.report(condvar_finding(d, e.thread, cond, lock, e.site));
  } catch (...) {
  }
}

// A condvar waited on with `lock` while another thread waits on it with `before`: POSIX binds a
// condvar to one mutex while any thread waits on it (using two is undefined behaviour: glibc's
// wake-ups then re-take a mutex their waker never held). Waits at different times may use
// different mutexes, so only overlapping ones are reported.
void condvar_second_mutex(Detector& d, ThreadRec& t, ObjId cond, ObjId before, ObjId lock,
                          const std::source_location& where) {
  for (ThreadRec* r : d.threads_snapshot()) {
    if (r == &t || r->ended.load(std::memory_order_acquire)) continue;
    if (static_cast<Block>(r->block.load(std::memory_order_acquire)) != Block::Wait ||
        r->block_obj.load(std::memory_order_relaxed) != cond)
      continue;
    if (Slot* cs = d.slot_if_any(cond)) cs->flags.fetch_or(kMixedMutexes, std::memory_order_relaxed);
    FindingRecord f;
    f.kind = bug_kind::kApiMisuse;
    std::source_location other = r->block_site.load(std::memory_order_relaxed);
    f.message = d.thread_name(t.index) + " waits on " + d.describe(cond) + " with " +
                d.describe(lock) + " while " + d.thread_name(r->index) + " waits on it with " +
                d.describe(before) + at(other) +
                "; one condition variable must be used with one mutex at a time";
    f.threads = {t.index, r->index};
    f.objects = {cond, lock, before};
    f.sites = {where, other};
    d.report(std::move(f));
    return;
  }
}

}  // namespace

void misuse_on_release(Detector& d, ThreadRec& t, ObjId obj, Slot& s,
                       const std::source_location& where) {
  ObjKind k = static_cast<ObjKind>(s.kind.load(std::memory_order_relaxed));
  if (k == ObjKind::Unknown) return;  // called only when `t` does not hold `obj`
  std::uint32_t owner = s.owner.load(std::memory_order_relaxed);
  if (k == ObjKind::Lock && owner != 0) {
    // Python's Lock may be released by any thread: legal, but remember it (see reentry.cpp).
    s.flags.fetch_or(kCrossRelease, std::memory_order_relaxed);
    return;
  }
  FindingRecord f;
  f.kind = bug_kind::kUnownedRelease;
  if (k == ObjKind::Lock) {
    f.message = "release of " + d.describe(obj) + " that is not locked";
  } else if (owner != 0) {
    f.message = "release of " + d.describe(obj) + " by a thread that does not own it (owned by " +
                d.thread_name(owner) + taken_at(s.acquired_at.load(std::memory_order_relaxed)) + ")";
  } else {
    f.message = "release of " + d.describe(obj) + " that is not locked by anyone";
  }
  if (k == ObjKind::Mutex || k == ObjKind::RecursiveMutex)
    f.message += "; pthread_mutex_unlock returns EPERM for an error-checking mutex and has "
                 "undefined behaviour for a default one";
  f.threads = {t.index};
  if (owner != 0 && owner != t.index) f.threads.push_back(owner);
  f.objects = {obj};
  f.sites = {where};
  d.report(std::move(f));
}

void misuse_on_wait_begin(Detector& d, ThreadRec& t, ObjId cond, ObjId lock,
                          const std::source_location& where) {
  ObjKind k = d.kind_of(cond);
  if (k != ObjKind::Condition && k != ObjKind::CondVar) return;
  if (lock == 0) return;
  Slot* cs = d.slot(cond);
  ObjId before = lock;
  // An exchange, not a load and a store: of two waits beginning at once with different mutexes,
  // the later exchange sees the earlier one's mutex, and (acquire) that thread's blocked state.
  if (cs) before = cs->cond_lock.exchange(lock, std::memory_order_acq_rel);
  if (d.kind_of(lock) == ObjKind::Unknown) return;  // never saw the lock: cannot tell
  if (k == ObjKind::CondVar && before != 0 && before != lock) condvar_second_mutex(d, t, cond, before, lock, where);
  bool held = find_held(d, t, lock) || find_held(d, t, cond);
  if (before == 0 && k == ObjKind::CondVar) condvar_first_wait(d, cond, held ? lock : 0);
  if (held) return;
  // The mutex this wait passes may not be the one the program means: notify-without-lock on
  // this condvar no longer trusts it.
  if (cs && k == ObjKind::CondVar) cs->flags.fetch_or(kWaitUnheld, std::memory_order_relaxed);
  FindingRecord f;
  f.kind = bug_kind::kWaitWithoutLock;
  f.message = "wait on " + d.describe(cond) + " without holding its lock " + d.describe(lock);
  if (k == ObjKind::CondVar) {
    // One finding for the whole wait: its release of a mutex nobody holds is this one (give()).
    f.message += "; pthread_cond_wait returns EPERM for an error-checking mutex, and for a default "
                 "one unlocks a mutex nobody holds and returns holding it";
    t.unheld_wait_lock = lock;
  }
  f.threads = {t.index};
  f.objects = {cond, lock};
  f.sites = {where};
  d.report(std::move(f));
}

void misuse_on_notify(Detector& d, ThreadRec& t, ObjId cond, const std::source_location& where) {
  ObjKind ck = d.kind_of(cond);
  if (ck == ObjKind::CondVar) {
    condvar_notify(d, t, cond, where);
    return;
  }
  if (ck != ObjKind::Condition) return;
  Slot* cs = d.slot_if_any(cond);
  ObjId lock = cs ? cs->cond_lock.load(std::memory_order_relaxed) : 0;
  if (find_held(d, t, cond)) return;
  if (lock == 0 || d.kind_of(lock) == ObjKind::Unknown) {
    // The condition's lock is not known yet (no wait so far): a thread that holds no lock at
    // all certainly does not hold it.
    for (int i = 0; i < t.held.size(); ++i)
      if (find_held(d, t, t.held[i].obj) == &t.held[i]) return;
  } else if (find_held(d, t, lock)) {
    return;
  }
  FindingRecord f;
  f.kind = bug_kind::kNotifyWithoutLock;
  f.message = "notify on " + d.describe(cond) + " without holding its lock";
  if (lock != 0) {
    f.message += ' ';
    f.message += d.describe(lock);
  }
  f.threads = {t.index};
  f.objects = {cond};
  if (lock != 0) f.objects.push_back(lock);
  f.sites = {where};
  d.report(std::move(f));
}

namespace {
// The locks `t` still holds that nobody else can release for it: every held lock but a Lock
// used as a signal (released by other threads, legitimately outliving its taker) and a robust
// mutex (its next owner gets EOWNERDEAD and repairs it: the documented protocol).
template <class Report>
void for_each_stranded_lock(Detector& d, ThreadRec& t, Report&& report) {
  for (int i = 0; i < t.held.size(); ++i) {
    const HeldEntry& h = t.held[i];
    if (find_held(d, t, h.obj) != &h) continue;
    Slot* s = d.slot_if_any(h.obj);
    ObjKind k = d.kind_of(h.obj);
    if (k == ObjKind::Unknown || s == nullptr) continue;
    std::uint16_t flags = s->flags.load(std::memory_order_relaxed);
    if (k == ObjKind::Lock && (flags & kCrossRelease)) continue;
    if (flags & kRobust) continue;
    report(h);
  }
}
}  // namespace

void misuse_on_thread_end(Detector& d, ThreadRec& t, const std::source_location& where) {
  for_each_stranded_lock(d, t, [&](const HeldEntry& h) {
    FindingRecord f;
    f.kind = bug_kind::kExitHoldingLock;
    f.message = d.thread_name(t.index) + " ends while holding " + d.describe(h.obj) +
                taken_at(h.site) + "; threads waiting for it will block forever";
    f.threads = {t.index};
    f.objects = {h.obj};
    f.sites = {h.site, where};
    d.report(std::move(f));
  });
}

void misuse_on_process_exit(Detector& d, ThreadRec& t) {
  for_each_stranded_lock(d, t, [&](const HeldEntry& h) {
    FindingRecord f;
    f.kind = bug_kind::kExitHoldingLock;
    f.message = "the process exits (exit() or a return from main) while " +
                d.thread_name(t.index) + " holds " + d.describe(h.obj) + taken_at(h.site) +
                "; exit handlers and static destructors that take it block forever";
    f.threads = {t.index};
    f.objects = {h.obj};
    f.sites = {h.site};
    d.report(std::move(f));
  });
}

}  // namespace weft::rt::detectors::internal
