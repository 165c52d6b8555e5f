// barrier.cpp: pthread_barrier_*, recorded through the protocol.
//
//   wait:      BarrierArrive(index) [BarrierPass(generation) by the last arriver]
//              WaitBegin(barrier, 0) ... WaitEnd(barrier, Notified)
//   init:      count 0 (EINVAL) is Misuse(BarrierCountZero); an init while threads wait in the
//              barrier is Misuse(BarrierInitInUse), reported before glibc overwrites it
//   wait on a barrier never initialised while recording (glibc's count is 0): Misuse(UseUninitialised)
//   destroy:   DestroyBegin (the detectors check for waiters), then the object's end
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include <new>

#include "real.hpp"
#include "state.hpp"

#define WEFT_EXPORT extern "C" __attribute__((visibility("default")))

namespace weft::preload {
namespace {

const real::Api& libc() noexcept { return real::get(); }

std::uintptr_t addr_key(const void* p) noexcept { return reinterpret_cast<std::uintptr_t>(p); }

struct BarrierState {
  ObjId id;
  unsigned parties;  // 0 when unknown
  std::atomic<std::uint64_t> arrivals{0};
  std::atomic<std::uint64_t> departures{0};
  // A barrier never initialised: its misuse has been reported (see pthread_barrier_wait).
  std::atomic<bool> uninitialised_said{false};
};

// glibc's pthread_barrier_t: {in, current_round, count, shared, out}; `count` is the number of
// parties (0 in memory that was never initialised).
unsigned glibc_count(const pthread_barrier_t* b) noexcept {
  return reinterpret_cast<const unsigned*>(b)[2];
}

BarrierState* find_state(const pthread_barrier_t* b) noexcept {
  return reinterpret_cast<BarrierState*>(g_barriers.find(addr_key(b)));
}

// The barrier's state, made on first sight (a barrier initialised before recording began, or
// never). `fresh` tells which.
BarrierState* barrier_state(const Call& c, pthread_barrier_t* b, bool* fresh) noexcept {
  *fresh = false;
  if (BarrierState* st = find_state(b)) return st;
  if (g_barriers.full()) return nullptr;
  auto* st = new (std::nothrow) BarrierState{0, glibc_count(b)};
  if (st == nullptr) return nullptr;
  st->id = use_id(c, b, ObjKind::PosixBarrier, sizeof *b);
  bool inserted;
  std::uint64_t v =
      g_barriers.insert_if_absent(addr_key(b), reinterpret_cast<std::uint64_t>(st), &inserted);
  if (!inserted) {  // another thread got there first, or the table is full
    delete st;
    return reinterpret_cast<BarrierState*>(v);
  }
  *fresh = true;
  return st;
}

}  // namespace
}  // namespace weft::preload

using namespace weft::preload;
namespace rt = weft::rt;

#define WEFT_PC __builtin_return_address(0)

WEFT_EXPORT int pthread_barrier_init(pthread_barrier_t* b, const pthread_barrierattr_t* a,
                                     unsigned count) noexcept {
  WEFT_TSAN_FRAME;
  Sink* s = recording();
  if (s == nullptr) return libc().barrier_init(b, a, count);
  Call c(*s, WEFT_PC);
  if (BarrierState* old = find_state(b)) {
    std::uint64_t in = old->arrivals.load(std::memory_order_relaxed);
    std::uint64_t out = old->departures.load(std::memory_order_relaxed);
    if (in > out) c.misuse(old->id, rt::MisuseCode::BarrierInitInUse);
  }
  int r = libc().barrier_init(b, a, count);
  if (r != 0) {
    if (count == 0) {
      bool fresh;
      if (BarrierState* st = barrier_state(c, b, &fresh))
        c.misuse(st->id, rt::MisuseCode::BarrierCountZero, r);
    }
    return r;
  }
  auto* st = new (std::nothrow) BarrierState{register_init(b, ObjKind::PosixBarrier), count};
  if (st != nullptr) {
    // The old state may still be read by a thread leaving the old round: it is not freed.
    g_barriers.replace(addr_key(b), reinterpret_cast<std::uint64_t>(st));
  }
  return r;
}

WEFT_EXPORT int pthread_barrier_destroy(pthread_barrier_t* b) noexcept {
  WEFT_TSAN_FRAME;
  Sink* s = recording();
  if (s == nullptr) {
    int r = libc().barrier_destroy(b);
    if (r == 0 && g_enabled.load(std::memory_order_relaxed) && !t_busy) {
      Busy busy;
      g_barriers.erase(addr_key(b));
      destroyed(b, 0);
    }
    return r;
  }
  {
    Call c(*s, WEFT_PC);
    destroy_begin(c, b, ObjKind::PosixBarrier);
  }
  // glibc's destroy waits for the threads still leaving the last round.
  int r = libc().barrier_destroy(b);
  if (r == 0 && recording() != nullptr) {
    Busy busy;
    g_barriers.erase(addr_key(b));
    destroyed(b, sizeof *b);
  }
  return r;
}

WEFT_EXPORT int pthread_barrier_wait(pthread_barrier_t* b) noexcept {
  WEFT_TSAN_FRAME;
  Sink* s = recording();
  if (s == nullptr) return libc().barrier_wait(b);
  BarrierState* st;
  {
    Call c(*s, WEFT_PC);
    bool fresh;
    st = barrier_state(c, b, &fresh);
    if (st != nullptr) {
      if (st->parties == 0) {
        // glibc divides by the zero count and the process dies of SIGFPE in whichever thread
        // gets there first: every waiter holds back until the one that saw the barrier first
        // has reported it (boundedly), so the finding is in the trace before the crash.
        if (fresh) {
          c.misuse(st->id, rt::MisuseCode::UseUninitialised);
          st->uninitialised_said.store(true, std::memory_order_release);
        } else {
          for (int i = 0; i < 2000 && !st->uninitialised_said.load(std::memory_order_acquire);
               ++i) {
            struct timespec pause = {0, 50000};
            nanosleep(&pause, nullptr);
          }
        }
      }
      std::uint64_t n = st->arrivals.fetch_add(1, std::memory_order_relaxed);
      std::uint64_t index = st->parties ? n % st->parties : n;
      c.event(Ev::BarrierArrive, st->id, index);
      if (st->parties != 0 && index + 1 == st->parties) {
        c.event(Ev::BarrierPass, st->id, n / st->parties);
      }
      c.wait_begin(st->id, 0);
    }
  }
  int r = libc().barrier_wait(b);
  if (st != nullptr) {
    st->departures.fetch_add(1, std::memory_order_relaxed);
    if (Sink* s2 = rt::active_sink()) {
      Busy busy;
      if (st->parties == 0 && r == PTHREAD_BARRIER_SERIAL_THREAD)
        s2->on_event(Ev::BarrierPass, st->id, 0, t_site);
      rt::protocol::wait_end(*s2, st->id, rt::WaitResult::Notified, t_site);
    }
  }
  return r;
}
