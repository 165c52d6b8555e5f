// Chaos mode (WEFT_CHAOS=SEED, `weft run --chaos[=SEED]`): perturbs the schedule so that
// latent bugs show up.
//   - Condition waits: with probability 1/4 a wait that is about to block returns at once as a
//     spurious wake-up (allowed by every condition variable API). A wait guarded by `if`
//     instead of `while` then proceeds with its predicate false.
//   - Chaos points (around lock and notify operations): with probability 1/8 a yield, with
//     probability 1/32 a sleep of 20-200 us, so other threads run in between.
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

bool chaos_spurious(Detector& d, ThreadRec& t, ObjId) { return next(d, t) % 4 == 0; }

void chaos_point(Detector& d, ThreadRec& t, ObjId) {
  std::uint64_t r = next(d, t);
  if (r % 32 == 1) {
    std::this_thread::sleep_for(std::chrono::microseconds(20 + (r >> 8) % 181));
  } else if (r % 8 == 0) {
    std::this_thread::yield();
  }
}

}  // namespace weft::rt::detectors::internal
