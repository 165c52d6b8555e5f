// TSC detection and calibration (see clock.hpp).
#include "clock.hpp"

#include "weft/runtime/config.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#if WEFT_HAVE_TSC
#include <cpuid.h>
#endif

namespace weft::rt::clock {

namespace {
bool detect_invariant_tsc() noexcept {
#if WEFT_HAVE_TSC
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(0x80000000u, &a, &b, &c, &d) && a >= 0x80000007u &&
      __get_cpuid(0x80000007u, &a, &b, &c, &d) && (d & (1u << 8)) != 0) {
    return true;
  }
  // Hypervisors often hide the CPUID bit while the kernel knows better.
  std::FILE* f = std::fopen("/proc/cpuinfo", "r");
  if (!f) return false;
  char line[4096];
  bool found = false;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "flags", 5) != 0) continue;
    found = std::strstr(line, " constant_tsc") && std::strstr(line, " nonstop_tsc");
    break;
  }
  std::fclose(f);
  return found;
#else
  return false;
#endif
}

double calibrate() noexcept {
  if (double x = config().tsc_ns_per_tick; x > 0) return x;  // WEFT_TSC_NS_PER_TICK
  // Spin ~0.5 ms between two paired readings; clock_gettime's jitter (tens of ns) makes this
  // good to ~1e-4. The reader refines it with the segment's later anchors.
  std::uint64_t m0 = mono_ns(), t0 = tsc();
  std::uint64_t m1 = m0, t1 = t0;
  while (m1 - m0 < 500000) {
    m1 = mono_ns();
    t1 = tsc();
  }
  double x = t1 > t0 ? static_cast<double>(m1 - m0) / static_cast<double>(t1 - t0) : 1.0;
  return x;
}
}  // namespace

bool tsc_usable() noexcept {
  static const bool usable = detect_invariant_tsc();
  return usable;
}

double tsc_ns_per_tick() noexcept {
  static const double v = calibrate();
  return v;
}

}  // namespace weft::rt::clock
