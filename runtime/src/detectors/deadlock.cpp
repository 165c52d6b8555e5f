// deadlock: threads blocked for good, found by a watchdog thread.
//
// Every blocking operation marks its thread (wrap.cpp): waiting for a lock (AcquireBegin), a
// join (JoinBegin) or a wait (WaitBegin, BarrierArrive), with a sequence number bumped whenever
// the state changes. Every `period` the watchdog takes a snapshot and builds the wait-for graph:
// a thread waiting for a lock points at the lock's owner, a thread joining points at the joined
// thread. It reports
//   - a cycle in that graph (self, ABBA, N threads, dining philosophers, lock + join), or
//   - every live thread blocked with no possible waker (waits no live thread can satisfy),
//     counting as blocked a known thread that the kernel shows asleep in an untimed wait on a
//     process-private futex outside any recorded call (std::atomic::wait and what libstdc++
//     builds on it) and that did not run between the two looks,
// once the same snapshot was seen on two looks in a row and the kernel confirms that each
// involved thread sleeps in a futex wait without a timeout (/proc/self/task/TID/syscall): a timed
// wait or acquire will end by itself and is not a deadlock.
//
// The watchdog is not instrumented: it uses only std::thread, sleep_for, atomics and /proc, so it
// records nothing and is invisible to the detectors. Once the deadlock is reported (fatal: the
// recorder flushes the trace), the process is stopped with kFatalExitStatus unless
// WEFT_ON_DEADLOCK=continue.
#include <dirent.h>
#include <dlfcn.h>
#include <unistd.h>
#include <sys/syscall.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "internal.hpp"
#include "weft/runtime/tsan.hpp"

namespace weft::rt::detectors::internal {

namespace {

enum class KernelState { BlockedForGood, Timed, Running, Unknown };

KernelState kernel_state(int tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
  std::ifstream in(path);
  if (!in) return KernelState::Unknown;
  std::string first;
  if (!(in >> first)) return KernelState::Unknown;
  if (first == "running") return KernelState::Running;
  long nr = std::strtol(first.c_str(), nullptr, 10);
  std::string args[4];
  for (auto& a : args)
    if (!(in >> a)) return KernelState::Unknown;
  constexpr long kFutex = 202, kFutexWaitv = 449;  // x86_64
#if defined(__x86_64__)
  if (nr == kFutex || nr == kFutexWaitv)
    return std::strtoull(args[3].c_str(), nullptr, 16) == 0 ? KernelState::BlockedForGood
                                                            : KernelState::Timed;
  return KernelState::Running;  // some other system call: not a weft-visible block
#else
  (void)nr;
  (void)kFutex;
  (void)kFutexWaitv;
  return KernelState::Unknown;
#endif
}

// `addr` lies in a private mapping of this process (/proc/self/maps perms "...p"): a futex
// there can be woken only from this process, even without FUTEX_PRIVATE_FLAG.
bool in_private_mapping(std::uint64_t addr) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::uint64_t lo = 0, hi = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) != 3) continue;
    if (addr >= lo && addr < hi) return perms[3] == 'p';
  }
  return false;
}

// `pc` is code of the C library (the object that defines syscall()).
bool in_c_library(std::uint64_t pc) {
  static const void* libc_base = [] {
    Dl_info info{};
    return ::dladdr(reinterpret_cast<const void*>(&::syscall), &info) != 0 ? info.dli_fbase
                                                                           : nullptr;
  }();
  Dl_info info{};
  return libc_base != nullptr && ::dladdr(reinterpret_cast<const void*>(pc), &info) != 0 &&
         info.dli_fbase == libc_base;
}

// The thread sleeps in an untimed FUTEX_WAIT on a futex of this process outside any call weft
// records (std::atomic::wait, std::latch, std::barrier, <semaphore>, a hand-written futex):
// only another thread of this process can wake it.
//
// With ThreadSanitizer in the process, its runtime waits in futexes of its own (a thread waiting
// for another's report, which waits for the symbolizer process), which end by themselves. Those
// are system calls made by TSan's code; the program's (libstdc++'s atomic waits, glibc's barrier
// destroy, a hand-written futex) go through the C library. So under TSan only a wait whose
// system call returns into the C library counts.
bool hidden_private_futex_wait(int tid) {
#if defined(__x86_64__)
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
  std::ifstream in(path);
  std::string nr, addr, op, val, timeout, a5, a6, sp, pc;
  if (!(in >> nr >> addr >> op >> val >> timeout >> a5 >> a6 >> sp >> pc)) return false;
  constexpr unsigned long kPrivate = 128, kCmdMask = 127, kWait = 0, kWaitBitset = 9;
  unsigned long o = std::strtoul(op.c_str(), nullptr, 16);
  if (nr != "202" || ((o & kCmdMask) != kWait && (o & kCmdMask) != kWaitBitset) ||
      std::strtoull(timeout.c_str(), nullptr, 16) != 0)
    return false;
  if (tsan::g_present && !in_c_library(std::strtoull(pc.c_str(), nullptr, 16))) return false;
  return (o & kPrivate) || in_private_mapping(std::strtoull(addr.c_str(), nullptr, 16));
#else
  (void)tid;
  return false;
#endif
}

// How much the thread has run so far (/proc/self/task/TID/schedstat: run time and time slices);
// unchanged between two looks means it did not run in between. 0 when unknown.
std::uint64_t run_signature(int tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", tid);
  std::ifstream in(path);
  std::uint64_t run_ns = 0, wait_ns = 0, slices = 0;
  if (!(in >> run_ns >> wait_ns >> slices)) return 0;
  return (run_ns * 1000003u) ^ slices ^ 1u;
}

// Calls visit(tid) for the threads of this process (/proc/self/task) until it returns true;
// true if one did, `unreadable` when the list cannot be read.
template <class Visit>
bool any_task(bool unreadable, Visit&& visit) {
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return unreadable;
  bool hit = false;
  while (!hit) {
    dirent* e = ::readdir(dir);
    if (e == nullptr) break;
    if (e->d_name[0] != '.') hit = visit(std::atoi(e->d_name));
  }
  ::closedir(dir);
  return hit;
}

bool known_or_self(const std::vector<int>& known, int self_tid, int tid) {
  return tid == self_tid || std::find(known.begin(), known.end(), tid) != known.end();
}

// Threads of this process that weft never saw (no event yet, e.g. a main thread that only used
// atomics) asleep in a futex wait it does not record, with their run signatures.
std::vector<std::pair<int, std::uint64_t>> unknown_hidden_waits(const std::vector<int>& known,
                                                                int self_tid) {
  std::vector<std::pair<int, std::uint64_t>> out;
  any_task(false, [&](int tid) {
    if (!known_or_self(known, self_tid, tid) && hidden_private_futex_wait(tid))
      if (std::uint64_t sig = run_signature(tid)) out.emplace_back(tid, sig);
    return false;
  });
  return out;
}

bool task_exists(int tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d", tid);
  return ::access(path, F_OK) == 0;
}

// The thread is on a CPU or runnable right now (state R in /proc/self/task/TID/stat).
[[maybe_unused]] bool running_now(int tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'R';
}

// Thread `tid` is in the nanosleep system call itself (not clock_nanosleep).
[[maybe_unused]] bool in_raw_nanosleep(int tid) {
#if defined(__x86_64__)
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
  std::ifstream in(path);
  std::string nr;
  return (in >> nr) && nr == "35";  // __NR_nanosleep
#else
  (void)tid;
  return false;
#endif
}

// Threads of this process that weft never saw (not registered, e.g. a main thread that only
// sleeps and polls) that might still wake someone up: all but those asleep in an untimed futex
// wait (a thread in nanosleep, poll or read will run again).
bool unknown_thread_may_wake(const std::vector<int>& known, int self_tid) {
  return any_task(true, [&](int tid) {
    if (known_or_self(known, self_tid, tid)) return false;
#if defined(__SANITIZE_THREAD__)
    // ThreadSanitizer's own background thread sleeps and wakes forever and is never a waker;
    // in weft's own TSan builds only a running unknown thread counts.
    bool counts = kernel_state(tid) == KernelState::Running && running_now(tid);
#else
    // A -fsanitize=thread program under the interposer: TSan's background thread is the one
    // asleep in the raw nanosleep system call (its internal_usleep; glibc's sleeps use
    // clock_nanosleep). It is never a waker. Any other unknown thread counts as before (with
    // clang's runtime, a thread that has not made its first recorded call is still unknown).
    bool counts = kernel_state(tid) != KernelState::BlockedForGood &&
                  !(tsan::g_present && in_raw_nanosleep(tid));
#endif
    return counts;
  });
}

}  // namespace

bool another_live_thread(Detector& d, const ThreadRec& self) {
  for (ThreadRec* r : d.threads_snapshot())
    if (r != &self && !r->ended.load(std::memory_order_acquire)) return true;
#if defined(__SANITIZE_THREAD__)
  // weft built with TSan itself (its own tests): TSan's background thread is not always in the
  // raw nanosleep that tells it apart, and every program thread there is known to weft.
  return false;
#endif
  const int watchdog = d.watchdog_tid.load(std::memory_order_acquire);
  return any_task(false, [&](int tid) {
    return tid != self.tid && tid != watchdog && !(tsan::g_present && in_raw_nanosleep(tid));
  });
}

namespace {

struct Snap {
  ThreadRec* rec;
  Block block;
  ObjId obj;
  std::uint64_t seq;
  std::source_location site;
  std::uint32_t waits_for = 0;  // thread index, 0 = none known
};

const char* verb(Block b) {
  switch (b) {
    case Block::Lock: return "waits to acquire";
    case Block::Join: return "joins";
    case Block::Wait: return "waits on";
    default: return "runs";
  }
}

}  // namespace

void watchdog_main(Detector& d) {
  // All of this thread is weft's own (weft/runtime/tsan.hpp); the bracket is closed when it
  // returns, or TSan reports a thread that ended while ignoring (clang's runtime, whose
  // watchdog is joined at exit).
  struct Ignored {
    Ignored() { tsan::ignore_begin(); }
    ~Ignored() { tsan::ignore_end(); }
    Ignored(const Ignored&) = delete;
    Ignored& operator=(const Ignored&) = delete;
  } ignored;
  Quiet own;  // and its naps are not the program's sleeps (the interposer records those)
  const auto period = std::chrono::milliseconds(std::max(10, d.options().watchdog_period_ms));
  const int self_tid = static_cast<int>(::syscall(SYS_gettid));
  d.watchdog_tid.store(self_tid, std::memory_order_release);
  std::vector<std::pair<std::uint32_t, std::uint64_t>> last_candidate;
  std::set<std::vector<std::pair<std::uint32_t, std::uint64_t>>> reported;
  while (!d.watchdog_should_stop()) {
    // Sleep in short steps so the destructor does not wait a whole period.
    for (auto slept = std::chrono::milliseconds(0); slept < period && !d.watchdog_should_stop();
         slept += std::chrono::milliseconds(10))
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (d.watchdog_should_stop()) return;
    tsan::drain_report_stream();  // clang's ThreadSanitizer reports, as findings (tsan_stream.cpp)
    try {
      std::vector<ThreadRec*> recs = d.threads_snapshot();
      std::vector<Snap> blocked;
      std::vector<int> known_tids;
      bool someone_runs = false;
      for (ThreadRec* r : recs) {
        if (r->ended.load(std::memory_order_acquire)) continue;
        known_tids.push_back(r->tid);
        std::uint64_t seq = r->block_seq.load(std::memory_order_acquire);
        auto b = static_cast<Block>(r->block.load(std::memory_order_relaxed));
        if (b == Block::None) {
          if (!task_exists(r->tid)) continue;
          // Asleep in a futex wait weft does not record: blocked too, as long as it does not
          // run between two looks (its run signature is part of the candidate).
          std::uint64_t sig = hidden_private_futex_wait(r->tid) ? run_signature(r->tid) : 0;
          if (sig != 0 && r->block_seq.load(std::memory_order_acquire) == seq) {
            blocked.push_back(Snap{r, Block::None, 0, sig, {}});
          } else {
            someone_runs = true;
          }
          continue;
        }
        Snap s{r, b, r->block_obj.load(std::memory_order_relaxed), seq,
               r->block_site.load(std::memory_order_relaxed)};
        if (r->block_seq.load(std::memory_order_acquire) != seq) {
          someone_runs = true;  // changed under our eyes
          continue;
        }
        blocked.push_back(s);
      }
      // Nobody weft knows runs: threads it never saw may be asleep in unrecorded futex waits.
      bool unknown_may_wake = true;
      std::vector<std::pair<int, std::uint64_t>> hidden_unknown;
      if (!someone_runs) {
        unknown_may_wake = unknown_thread_may_wake(known_tids, self_tid);
        if (!unknown_may_wake) hidden_unknown = unknown_hidden_waits(known_tids, self_tid);
      }
      if (blocked.empty() && hidden_unknown.empty()) {
        last_candidate.clear();
        continue;
      }
      auto find = [&](std::uint32_t index) -> Snap* {
        for (auto& s : blocked)
          if (s.rec->index == index) return &s;
        return nullptr;
      };
      for (auto& s : blocked) {
        Slot* slot = d.slot_if_any(s.obj);
        if (slot == nullptr) continue;
        ObjKind k = static_cast<ObjKind>(slot->kind.load(std::memory_order_relaxed));
        if ((s.block == Block::Lock && is_lock_kind(k)) ||
            (s.block == Block::Join && k == ObjKind::Thread))
          s.waits_for = slot->owner.load(std::memory_order_relaxed);
      }
      // A cycle in the wait-for graph (each blocked thread waits for at most one thread).
      std::vector<Snap*> cycle;
      for (auto& start : blocked) {
        std::vector<Snap*> path;
        Snap* cur = &start;
        while (cur && std::find(path.begin(), path.end(), cur) == path.end()) {
          path.push_back(cur);
          cur = cur->waits_for ? find(cur->waits_for) : nullptr;
        }
        if (cur) {
          cycle.assign(std::find(path.begin(), path.end(), cur), path.end());
          break;
        }
      }
      // One thread re-locking a default mutex it holds while others live (reentry.cpp): another
      // thread may still unlock it, so it is stuck only once nobody else can run.
      bool deferred_reentry = false;
      if (cycle.size() == 1 && cycle[0]->block == Block::Lock &&
          d.kind_of(cycle[0]->obj) == ObjKind::Mutex) {
        if (someone_runs || unknown_may_wake) cycle.clear();
        else deferred_reentry = true;
      }
      std::vector<Snap*> involved = cycle;
      bool all_blocked = false;
      if (involved.empty() && !someone_runs && !unknown_may_wake) {
        all_blocked = true;
        for (auto& s : blocked) involved.push_back(&s);
      } else {
        hidden_unknown.clear();
      }
      if (involved.empty() && hidden_unknown.empty()) {
        last_candidate.clear();
        continue;
      }
      std::vector<std::pair<std::uint32_t, std::uint64_t>> candidate;
      for (Snap* s : involved) candidate.emplace_back(s->rec->index, s->seq);
      for (auto& [tid, sig] : hidden_unknown)
        candidate.emplace_back(0x80000000u | static_cast<std::uint32_t>(tid), sig);
      std::sort(candidate.begin(), candidate.end());
      if (candidate != last_candidate) {
        last_candidate = candidate;  // confirm on the next look
        continue;
      }
      if (reported.count(candidate)) continue;
      bool for_good = true;
      for (Snap* s : involved) {
        KernelState ks = kernel_state(s->rec->tid);
        if (ks == KernelState::Timed || ks == KernelState::Running) for_good = false;
        if (s->block == Block::None && run_signature(s->rec->tid) != s->seq) for_good = false;
      }
      for (auto& [tid, sig] : hidden_unknown)
        if (!hidden_private_futex_wait(tid) || run_signature(tid) != sig) for_good = false;
      if (!for_good) continue;
      reported.insert(candidate);

      if (deferred_reentry && d.options().stop_on_deadlock) {
        Snap* s = cycle[0];
        Slot* slot = d.slot_if_any(s->obj);
        auto taken = slot ? slot->acquired_at.load(std::memory_order_relaxed)
                          : std::source_location{};
        FindingRecord f = reentry_finding(d, s->rec->index, s->obj, taken, s->site,
                                          ReentryCertainty::Confirmed);
        // The trace says so too: the reader lets this fatal record replace the wording of the
        // earlier report of the same re-lock (one finding, now certain).
        if (Sink* down = d.downstream()) down->on_finding(f);
        d.stop(std::move(f));
        continue;
      }

      // Missed signals explain why waits can never end: report them first.
      for (Snap* s : involved)
        if (s->block == Block::Wait) {
          signals_on_stuck(d, s->rec->index, s->obj);
          lifetime_on_barrier_stuck(d, s->rec->index, s->obj, s->site);
        }

      FindingRecord f;
      f.kind = bug_kind::kDeadlock;
      std::ostringstream msg;
      if (!all_blocked) {
        msg << cycle.size() << (cycle.size() == 1 ? " thread waits for itself" :
                                                    " threads wait for each other in a cycle")
            << " and can never proceed:";
      } else {
        msg << "every thread is blocked and no live thread can wake the others:";
      }
      // Put the cycle members first, then everyone else blocked (their sites help too).
      std::vector<Snap*> listed = involved;
      for (auto& s : blocked)
        if (std::find(listed.begin(), listed.end(), &s) == listed.end()) listed.push_back(&s);
      bool first = true;
      for (Snap* s : listed) {
        if (s->block == Block::None) {  // asleep in a futex wait weft does not record
          msg << (first ? " " : "; ") << d.thread_name(s->rec->index)
              << " sleeps in a futex wait that weft does not record (std::atomic::wait, "
                 "std::latch, std::barrier, a <semaphore> semaphore or a hand-written futex)";
          first = false;
          f.threads.push_back(s->rec->index);
          continue;
        }
        // A join names the joined thread as the other threads are named (name, tid).
        std::string what = s->block == Block::Join && s->waits_for ? d.thread_name(s->waits_for)
                                                                   : d.describe(s->obj);
        msg << (first ? " " : "; ") << d.thread_name(s->rec->index) << " " << verb(s->block)
            << " " << what << at(s->site);
        first = false;
        f.threads.push_back(s->rec->index);
        f.objects.push_back(s->obj);
        f.sites.push_back(s->site);
        if (s->block == Block::Lock && s->waits_for) {
          Slot* slot = d.slot_if_any(s->obj);
          auto taken = slot ? slot->acquired_at.load(std::memory_order_relaxed)
                            : std::source_location{};
          msg << ", held by " << d.thread_name(s->waits_for) << taken_at(taken);
          f.sites.push_back(taken);
        }
      }
      for (auto& [tid, sig] : hidden_unknown) {
        msg << (first ? " " : "; ") << "thread (tid " << tid
            << ") sleeps in a futex wait that weft does not record (std::atomic::wait, "
               "std::latch, std::barrier, a <semaphore> semaphore or a hand-written futex)";
        first = false;
      }
      f.message = msg.str();
      f.fatal = true;
      d.report(std::move(f));
    } catch (...) {
      // Out of memory: try again on the next look.
    }
  }
}

}  // namespace weft::rt::detectors::internal
