// Clocks for the recorder: the TSC when it is invariant, else CLOCK_MONOTONIC.
#pragma once

#include <time.h>

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define WEFT_HAVE_TSC 1
#else
#define WEFT_HAVE_TSC 0
#endif

namespace weft::rt::clock {

inline std::uint64_t mono_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

inline std::uint64_t wall_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

inline std::uint64_t tsc() noexcept {
#if WEFT_HAVE_TSC
  return __rdtsc();
#else
  return mono_ns();
#endif
}

// True when the TSC ticks at a constant rate in every power state on every core (CPUID
// 0x80000007 EDX bit 8, or the kernel's constant_tsc + nonstop_tsc flags). Cached.
bool tsc_usable() noexcept;

// Nanoseconds per TSC tick, calibrated against CLOCK_MONOTONIC once per process tree (the
// result is passed to children in WEFT_TSC_NS_PER_TICK). Cached.
double tsc_ns_per_tick() noexcept;

}  // namespace weft::rt::clock
