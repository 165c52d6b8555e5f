// Lifetimes and contracts of the primitives, seen at the operation itself:
//   destroy-in-use     destroying a lock that is held, or an object that threads wait on (a
//                      condition variable with waiters, a barrier threads wait in, a semaphore
//                      a thread waits for); checked at DestroyBegin, before the destruction
//   use-after-destroy  a front end saw the program use an object it had destroyed, or one it
//                      never initialised (Misuse)
//   api-misuse         a call that breaks its primitive's contract (Misuse): see MisuseCode
//   unowned-release    an unlock the library refused (Misuse(UnlockNotOwner)): reported like
//                      any release by a non-owner, with no change of state
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "internal.hpp"
#include "weft/runtime/protocol.hpp"

namespace weft::rt::detectors::internal {

namespace {


// A thread (other than `self`) blocked on `obj` right now, or nullptr.
ThreadRec* waiter_on(Detector& d, const ThreadRec& self, ObjId obj) {
  for (ThreadRec* r : d.threads_snapshot()) {
    if (r == &self || r->ended.load(std::memory_order_acquire)) continue;
    auto b = static_cast<Block>(r->block.load(std::memory_order_acquire));
    if ((b == Block::Wait || b == Block::Lock) && r->block_obj.load(std::memory_order_relaxed) == obj)
      return r;
  }
  return nullptr;
}

std::string errno_name(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case EBUSY: return "EBUSY";
    case EDEADLK: return "EDEADLK";
    case EOVERFLOW: return "EOVERFLOW";
    case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
    default: return "error " + std::to_string(err);
  }
}

}  // namespace

void lifetime_on_barrier_arrive(Slot& s, std::uint64_t index) {
  s.gen.fetch_add(1, std::memory_order_relaxed);
  auto seen = static_cast<std::uint32_t>(std::min<std::uint64_t>(index + 1, UINT32_MAX));
  std::uint32_t cur = s.readers.load(std::memory_order_relaxed);
  while (cur < seen && !s.readers.compare_exchange_weak(cur, seen, std::memory_order_relaxed)) {
  }
}

// More threads arrived than the barrier's count: after the full rounds, the ones left over wait
// for a round that no thread left can fill (POSIX and Python alike let a barrier serve one
// round of `count` threads at a time; a third thread at a barrier of two waits for a fourth).
void lifetime_on_barrier_stuck(Detector& d, std::uint32_t thread, ObjId obj,
                               const std::source_location& where) {
  Slot* s = d.slot_if_any(obj);
  if (s == nullptr) return;
  auto k = static_cast<ObjKind>(s->kind.load(std::memory_order_relaxed));
  if (k != ObjKind::Barrier && k != ObjKind::PosixBarrier) return;
  std::uint32_t arrivals = s->gen.load(std::memory_order_relaxed);
  std::uint32_t count = s->readers.load(std::memory_order_relaxed);
  // A round filled (count is known) and the arrivals since leave a partial one.
  if (count == 0 || arrivals <= count || arrivals % count == 0) return;
  if (s->flags.fetch_or(kOverfullReported, std::memory_order_relaxed) & kOverfullReported) return;
  std::uint32_t left = arrivals % count;
  FindingRecord f;
  f.kind = bug_kind::kApiMisuse;
  f.message = std::to_string(arrivals) + " arrivals at " + d.describe(obj) + " of count " +
              std::to_string(count) + ": after " + std::to_string(arrivals / count) +
              (arrivals / count == 1 ? " round, " : " rounds, ") + std::to_string(left) +
              (left == 1 ? " thread waits" : " threads wait") +
              " for a round that no thread left can fill (" + d.thread_name(thread) + at(where) +
              "); more threads wait on the barrier than its count";
  f.threads = {thread};
  f.objects = {obj};
  f.sites = {where};
  d.report(std::move(f));
}

void lifetime_on_destroy_begin(Detector& d, ThreadRec& t, ObjId obj,
                               const std::source_location& where) {
  Slot* s = d.slot_if_any(obj);
  if (s == nullptr) return;
  ObjKind k = d.kind_of(obj);
  FindingRecord f;
  f.kind = bug_kind::kDestroyInUse;
  f.threads = {t.index};
  f.objects = {obj};
  f.sites = {where};
  if (is_lock_kind(k) && k != ObjKind::Condition) {
    std::uint32_t owner = s->owner.load(std::memory_order_relaxed);
    if (HeldEntry* e = find_held(d, t, obj)) {
      f.message = d.thread_name(t.index) + " destroys " + d.describe(obj) +
                  " while holding it" + taken_at(e->site);
      f.sites.push_back(e->site);
    } else if (owner != 0 || s->readers.load(std::memory_order_relaxed) > 0) {
      std::source_location taken = s->acquired_at.load(std::memory_order_relaxed);
      f.message = d.thread_name(t.index) + " destroys " + d.describe(obj) + " while " +
                  (owner != 0 ? d.thread_name(owner) : std::string("a reader")) + " holds it" +
                  taken_at(taken);
      if (owner != 0) f.threads.push_back(owner);
      f.sites.push_back(taken);
    }
  }
  if (f.message.empty()) {
    if (ThreadRec* w = waiter_on(d, t, obj)) {
      std::source_location since = w->block_site.load(std::memory_order_relaxed);
      f.message = d.thread_name(t.index) + " destroys " + d.describe(obj) + " while " +
                  d.thread_name(w->index) + " waits on it" + at(since);
      f.threads.push_back(w->index);
      f.sites.push_back(since);
    }
  }
  if (f.message.empty()) return;
  f.message += "; destroying an object in use is undefined behaviour (glibc returns EBUSY for "
               "a locked mutex, and may hang or corrupt memory for the others)";
  s->flags.fetch_or(kDestroyReported, std::memory_order_relaxed);
  d.report(std::move(f));
}

void lifetime_on_misuse(Detector& d, ThreadRec& t, ObjId obj, std::uint64_t arg,
                        const std::source_location& where) {
  MisuseCode code = protocol::misuse_code(arg);
  int err = protocol::misuse_errno(arg);
  Slot* s = obj ? d.slot(obj) : nullptr;
  if (code == MisuseCode::UnlockNotOwner) {
    if (s) misuse_on_release(d, t, obj, *s, where);
    return;
  }
  if (code == MisuseCode::DestroyBusy && s &&
      (s->flags.load(std::memory_order_relaxed) & kDestroyReported))
    return;  // said at DestroyBegin, with the holder
  if ((code == MisuseCode::UseAfterDestroy || code == MisuseCode::UseUninitialised) && s &&
      (s->flags.fetch_or(kUseReported, std::memory_order_relaxed) & kUseReported))
    return;  // one report per dead object, not one per use
  FindingRecord f;
  f.kind = std::string(misuse_kind(code));
  f.threads = {t.index};
  if (obj) f.objects = {obj};
  f.sites = {where};
  std::string what = d.describe(obj);
  switch (code) {
    case MisuseCode::UseAfterDestroy:
      f.message = d.thread_name(t.index) + " uses " + what +
                  " after it was destroyed (and not initialised again): undefined behaviour";
      break;
    case MisuseCode::UseUninitialised:
      f.message = d.thread_name(t.index) + " uses " + what +
                  ", which was never initialised: undefined behaviour";
      break;
    case MisuseCode::DestroyBusy:
      f.message = d.thread_name(t.index) + " destroys " + what + " while it is in use";
      break;
    case MisuseCode::WaitRecursiveHeld:
      f.message = d.thread_name(t.index) + " waits on a condition with " + what +
                  " held more than once: the wait releases only one level, so the mutex stays "
                  "locked and whoever should notify cannot take it";
      break;
    case MisuseCode::BarrierCountZero:
      f.message = d.thread_name(t.index) + " initialises " + what +
                  " with count 0; pthread_barrier_init requires at least 1";
      break;
    case MisuseCode::BarrierInitInUse:
      f.message = d.thread_name(t.index) + " initialises " + what +
                  " again while threads wait in it: undefined behaviour";
      break;
    case MisuseCode::SemOverflow:
      f.message = d.thread_name(t.index) + " posts " + what +
                  " past SEM_VALUE_MAX; the post is refused";
      break;
    case MisuseCode::SemInitInvalid:
      f.message = d.thread_name(t.index) + " initialises " + what +
                  " with a value past SEM_VALUE_MAX; sem_init fails";
      break;
    case MisuseCode::RobustNotConsistent:
      f.message = d.thread_name(t.index) + " unlocks " + what +
                  " (taken from an owner that died: EOWNERDEAD) without calling "
                  "pthread_mutex_consistent(); it is now unrecoverable and every later lock "
                  "fails with ENOTRECOVERABLE";
      break;
    default:
      f.message = d.thread_name(t.index) + ": " + std::string(to_string(code)) + " (" + what + ")";
      break;
  }
  if (err != 0) f.message += "; the call returned " + errno_name(err);
  d.report(std::move(f));
}

}  // namespace weft::rt::detectors::internal
