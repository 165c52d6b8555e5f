// recording_floor_bench: how cheap can a recording interposer for std::mutex be on this machine?
//
// A model of the least work any recorder of uncontended lock traffic with weft's guarantees must
// do per lock+unlock pair, written as one flat function per call with nothing else around it:
//   - call the real pthread function through a pointer found with dlsym (as an interposer must);
//   - map the mutex address to an object id (open-addressing table, one probe when warm);
//   - map the caller's return address to a site id (8-entry per-thread cache);
//   - keep the online detectors' per-thread state: re-entry check on the object's owner,
//     owner/generation store, push and pop on the held-lock stack;
//   - write a 4-byte record per event into a per-thread block of a MAP_SHARED file mapping
//     (crash-safe, like the recorder) and publish it with a release store;
//   - read the clock (rdtsc) at both ends of the hold (what exact hold times need, weft's
//     default), at the release only (WEFT_EXACT_TIMES=0), for one pair in 16, or never;
//   - and, in one variant, write to fresh pages: a recording that keeps every event writes a
//     growing file, whose every new page the kernel allocates and zeroes at its first touch
//     (the other variants wrap around one warm buffer and pay none of that).
// weft's real interposer does all of this plus what this model leaves out (re-entrancy and
// recorder-generation checks, the pending thread name, recursive-mutex depth, notify-without-lock's
// recent-release ring, lock-order edges, varint encoding of large ids, block hand-over, one
// virtual call into the sink), so these figures are a floor for it, not a goal it can pass.
//
//   $ build/bin/recording_floor_bench
//
// Prints CPU ns per pair (best of 7 runs of 2 000 000 pairs, variants interleaved) and ratios to
// the native pair. Nothing is asserted; the figures are quoted in docs/performance.md.
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "realistic_baseline.hpp"

namespace {

std::uint64_t read_tsc() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
#endif
}

using MutexFn = int (*)(pthread_mutex_t*);
MutexFn g_real_lock, g_real_trylock, g_real_unlock;

// address -> object id
constexpr std::size_t kTable = 4096;
struct Entry {
  std::atomic<std::uintptr_t> key{0};
  std::uint32_t id = 0;
};
Entry g_ids[kTable];
std::uint32_t g_next_id = 1;

std::uint32_t object_id(const void* addr) noexcept {
  auto key = reinterpret_cast<std::uintptr_t>(addr);
  for (std::size_t h = (key * 0x9E3779B97F4A7C15ull) >> 52;; h = (h + 1) % kTable) {
    std::uintptr_t k = g_ids[h].key.load(std::memory_order_acquire);
    if (k == key) [[likely]]
      return g_ids[h].id;
    if (k == 0) {
      g_ids[h].id = g_next_id++;
      g_ids[h].key.store(key, std::memory_order_release);
      return g_ids[h].id;
    }
  }
}

// The detectors' per-object state.
struct ObjectState {
  std::atomic<std::uint32_t> owner{0};
  std::uint32_t gen = 0;
};
ObjectState g_objects[kTable];

// Everything per thread, in one initial-exec TLS block.
struct Held {
  std::uint32_t obj, gen;
};
struct ThreadState {
  bool busy;
  std::uint32_t index;
  std::uint8_t* data;
  std::atomic<std::uint32_t>* published;
  std::uint32_t used, capacity;
  std::uint64_t last_tick;
  std::uint32_t pairs;
  int n_held;
  Held held[16];
  const void* pcs[8];
  std::uint32_t sites[8];
};
thread_local ThreadState t __attribute__((tls_model("initial-exec")));

enum class Clock { None, Every16, EveryPair, BothEnds };
Clock g_clock = Clock::BothEnds;

std::uint32_t site_id(const void* pc) noexcept {
  std::size_t i = (reinterpret_cast<std::uintptr_t>(pc) >> 2) % 8;
  if (t.pcs[i] == pc) [[likely]]
    return t.sites[i];
  t.pcs[i] = pc;
  return t.sites[i] = static_cast<std::uint32_t>(i) + 1;
}

void put(std::uint8_t type, std::uint32_t obj, std::uint32_t site, bool dated) noexcept {
  if (t.used + 16 > t.capacity) [[unlikely]]
    t.used = 0;  // the real recorder takes a new block here
  std::uint8_t* p = t.data + t.used;
  p[0] = type;
  p[1] = static_cast<std::uint8_t>(obj);
  p[2] = 0;
  p[3] = static_cast<std::uint8_t>(site);
  std::uint32_t n = 4;
  if (dated) {
    std::uint64_t now = read_tsc();
    p[4] = static_cast<std::uint8_t>(now - t.last_tick);
    t.last_tick = now;
    n = 5;
  }
  t.used += n;
  t.published->store(t.used, std::memory_order_release);
}

[[gnu::noinline]] int model_lock(pthread_mutex_t* m) noexcept {
  if (t.busy) [[unlikely]]
    return g_real_lock(m);
  t.busy = true;
  std::uint32_t id = object_id(m);
  std::uint32_t site = site_id(__builtin_return_address(0));
  ObjectState& o = g_objects[id % kTable];
  if (o.owner.load(std::memory_order_relaxed) == t.index) [[unlikely]]
    std::abort();  // re-entry: the real detector reports it
  int r = g_real_trylock(m);
  if (r != 0) r = g_real_lock(m);  // contended: the real recorder dates acquire-begin here
  std::uint32_t gen = ++o.gen;
  o.owner.store(t.index, std::memory_order_relaxed);
  t.held[t.n_held++ % 16] = {id, gen};
  put(0x44, id, site, g_clock == Clock::BothEnds);
  t.busy = false;
  return r;
}

[[gnu::noinline]] int model_unlock(pthread_mutex_t* m) noexcept {
  if (t.busy) [[unlikely]]
    return g_real_unlock(m);
  t.busy = true;
  std::uint32_t id = object_id(m);
  std::uint32_t site = site_id(__builtin_return_address(0));
  ObjectState& o = g_objects[id % kTable];
  int n = t.n_held;
  if (n == 0 || t.held[(n - 1) % 16].obj != id || t.held[(n - 1) % 16].gen != o.gen)
      [[unlikely]]
    std::abort();  // unowned release: the real detector reports it
  t.n_held = n - 1;
  o.owner.store(0, std::memory_order_relaxed);
  bool dated = g_clock == Clock::BothEnds || g_clock == Clock::EveryPair ||
               (g_clock == Clock::Every16 && ++t.pairs % 16 == 0);
  put(0x05, id, site, dated);
  t.busy = false;
  return g_real_unlock(m);
}

double cpu_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

constexpr long kPairs = 2'000'000;
constexpr int kRuns = 7;
pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;

template <class Lock, class Unlock>
double pair_ns(Lock lock, Unlock unlock) {
  double t0 = cpu_ns();
  for (long i = 0; i < kPairs; ++i) {
    lock(&g_mutex);
    unlock(&g_mutex);
  }
  return (cpu_ns() - t0) / kPairs;
}

}  // namespace

int main(int argc, char** argv) {
  // `--figures`: print only "NATIVE MODEL_EXACT MODEL_EXACT_FRESH_PAGES" (ns), for preload_bench
  // to quote in its run.
  bool figures_only = argc > 1 && std::string(argv[1]) == "--figures";
  weft::bench::leave_single_threaded_mode();
  g_real_lock = reinterpret_cast<MutexFn>(dlsym(RTLD_NEXT, "pthread_mutex_lock"));
  g_real_trylock = reinterpret_cast<MutexFn>(dlsym(RTLD_NEXT, "pthread_mutex_trylock"));
  g_real_unlock = reinterpret_cast<MutexFn>(dlsym(RTLD_NEXT, "pthread_mutex_unlock"));
  if (!g_real_lock || !g_real_trylock || !g_real_unlock) {
    std::fprintf(stderr, "recording_floor_bench: dlsym found no pthread_mutex functions\n");
    return 1;
  }
  // The records go to a file mapping, as the recorder's do (on /dev/shm when there is one, so
  // that no disk write-back disturbs the timing).
  std::string path = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  path += "/weft-floor-" + std::to_string(getpid());
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  constexpr std::uint32_t kBytes = 64u << 20;
  if (fd < 0 || ftruncate(fd, kBytes) != 0) {
    std::fprintf(stderr, "recording_floor_bench: cannot create %s\n", path.c_str());
    return 1;
  }
  void* map = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  unlink(path.c_str());
  close(fd);
  if (map == MAP_FAILED) {
    std::fprintf(stderr, "recording_floor_bench: mmap failed\n");
    return 1;
  }
  static std::atomic<std::uint32_t> published{0};
  t.index = 1;
  t.data = static_cast<std::uint8_t*>(map) + 64;
  t.capacity = kBytes - 64;
  t.published = &published;

  struct Variant {
    const char* name;
    Clock clock;  // for the model variants
    bool model;
    double best;
    bool fresh = false;  // each run writes from the start of pages just given back to the kernel
  };
  Variant variants[] = {
      {"native pthread_mutex lock+unlock", Clock::None, false, 1e300},
      {"model, no clock read", Clock::None, true, 1e300},
      {"model, 1 clock read per 16 pairs", Clock::Every16, true, 1e300},
      {"model, 1 clock read per pair", Clock::EveryPair, true, 1e300},
      {"model, 2 clock reads per pair (exact)", Clock::BothEnds, true, 1e300},
      {"  ... writing fresh pages", Clock::BothEnds, true, 1e300, true},
  };
  double tsc_best = 1e300;
  for (int run = 0; run < kRuns; ++run) {
    for (Variant& v : variants) {
      g_clock = v.clock;
      if (v.fresh) {
        // The run's ~20 MB of records go to pages the kernel must allocate again, as a growing
        // trace file's do (MADV_REMOVE frees a shared mapping's pages on tmpfs and most disks).
        madvise(map, kBytes, MADV_REMOVE);
        t.used = 0;
      }
      double ns = v.model ? pair_ns(model_lock, model_unlock)
                          : pair_ns(g_real_lock, g_real_unlock);
      if (ns < v.best) v.best = ns;
    }
    double t0 = cpu_ns();
    std::uint64_t sink = 0;
    for (long i = 0; i < kPairs; ++i) sink += read_tsc();
    double ns = (cpu_ns() - t0) / kPairs;
    if (sink == 1) std::puts("");  // keeps the loop
    if (ns < tsc_best) tsc_best = ns;
  }
  double native = variants[0].best;
  if (figures_only) {
    std::printf("%.3f %.3f %.3f\n", native, variants[4].best, variants[5].best);
    munmap(map, kBytes);
    return 0;
  }
  std::printf("native figures are measured after a thread was started (realistic_baseline.hpp)\n");
  std::printf("CPU ns per lock+unlock pair (best of %d runs of %ld pairs)\n", kRuns, kPairs);
  std::printf("%-40s %8s %8s\n", "variant", "ns", "ratio");
  for (const Variant& v : variants)
    std::printf("%-40s %8.2f %7.2fx\n", v.name, v.best, v.best / native);
  std::printf("%-40s %8.2f %7.2fx\n", "one clock read (rdtsc) alone", tsc_best, tsc_best / native);
  std::printf("recorded events written: %u bytes in the last run's block\n",
              published.load(std::memory_order_relaxed));
  munmap(map, kBytes);
  return 0;
}
