// Chaos mode (WEFT_CHAOS=SEED, `weft run --chaos[=SEED]`): perturbs the schedule so that
// latent bugs show up.
//   - Condition waits: the first wait on each condition, and then each wait with probability
//     1/4, returns at once as a spurious wake-up (allowed by every condition variable API). A
//     wait guarded by `if` instead of `while` then proceeds with its predicate false.
//   - Chaos points (around lock and notify operations): with probability 1/8 a yield, with
//     probability 1/32 a sleep of 20-200 us, so other threads run in between.
//   - Notify targets: a weft::Condition notify(n) wakes n waiters chosen at random (half of the
//     time) instead of the n longest-waiting; an interposed pthread_cond_signal becomes a
//     broadcast with the same odds (glibc chooses its target, so all wake and race for the
//     mutex; the extra wake-ups are spurious ones).
// Each thread draws from its own generator seeded from SEED and the thread's index, so a seed
// replays the same decisions per thread (the interleaving of threads is up to the OS).
#include <chrono>
#include <thread>

#include "internal.hpp"

namespace weft::rt::detectors::internal {

namespace {
std::uint64_t next(Detector& d, ThreadRec& t) {
  if (t.chaos_state == 0) t.chaos_state = d.options().chaos_seed ^ (0x9E3779B97F4A7C15ull * t.index);
  // splitmix64
  std::uint64_t z = (t.chaos_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace

bool chaos_spurious(Detector& d, ThreadRec& t, ObjId cond) {
  bool draw = next(d, t) % 4 == 0;  // always drawn, so a seed's later decisions stay the same
  // The first wait on each condition returns spuriously: every wait gets tried at least once per
  // run, even one that runs only once (most `if`-waits in real code are of that kind).
  if (Slot* s = d.slot_if_any(cond))
    if (!(s->flags.fetch_or(kChaosTried, std::memory_order_relaxed) & kChaosTried)) return true;
  return draw;
}

// Notify targets: half of the time the usual (longest) waiter, else a uniformly chosen one.
std::uint32_t chaos_pick(Detector& d, ThreadRec& t, std::uint32_t n) {
  std::uint64_t r = next(d, t);
  if (r % 2 == 0) return 0;
  return static_cast<std::uint32_t>((r >> 8) % n);
}

void chaos_point(Detector& d, ThreadRec& t, ObjId) {
  std::uint64_t r = next(d, t);
  if (r % 32 == 1) {
    Quiet own;  // weft's delay, not a sleep of the program
    std::this_thread::sleep_for(std::chrono::microseconds(20 + (r >> 8) % 181));
  } else if (r % 8 == 0) {
    std::this_thread::yield();
  }
}

}  // namespace weft::rt::detectors::internal
