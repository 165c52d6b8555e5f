// The environment a recorded process is configured by, read once (weft/runtime/config.hpp).
#include "weft/runtime/config.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

namespace weft::rt {

namespace {

const char* var(const char* name) noexcept {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

// A decimal number, or `fallback` when unset or not entirely digits.
std::uint64_t number(const char* name, std::uint64_t fallback) noexcept {
  const char* v = var(name);
  if (v == nullptr) return fallback;
  char* end = nullptr;
  unsigned long long x = std::strtoull(v, &end, 10);
  return end != nullptr && *end == '\0' ? x : fallback;
}

}  // namespace

Config Config::from_environment() {
  Config c;
  if (const char* v = var("WEFT_TRACE")) c.trace = v;
  if (const char* v = var("WEFT_TRACE_ROOT")) {
    c.trace_root_named = true;
    c.trace_root_pid = std::strtoull(v, nullptr, 10);
  }
  c.trace_started = std::getenv("WEFT_TRACE_STARTED") != nullptr;
  c.limit_bytes = number("WEFT_TRACE_LIMIT_MB", 1024) << 20;
  c.block_bytes = static_cast<std::uint32_t>(number("WEFT_TRACE_BLOCK_KB", 32) << 10);
  if (const char* v = var("WEFT_CLOCK")) c.monotonic_clock = std::strcmp(v, "monotonic") == 0;
  if (const char* v = var("WEFT_EXACT_TIMES")) c.exact_times = std::strcmp(v, "0") != 0;
  if (const char* v = var("WEFT_TSC_NS_PER_TICK")) {
    double x = std::strtod(v, nullptr);
    if (std::isfinite(x) && x > 1e-3 && x < 1e3) c.tsc_ns_per_tick = x;
  }
  if (const char* v = var("WEFT_DETECT")) c.detect = std::strcmp(v, "0") != 0;
  if (const char* v = var("WEFT_ON_DEADLOCK")) c.stop_on_deadlock = std::strcmp(v, "continue") != 0;
  c.chaos_seed = number("WEFT_CHAOS", 0);
  if (const char* v = var("WEFT_SELF")) c.self = v;
  if (const char* v = var("WEFT_PRELOAD_SELFTEST")) c.preload_selftest = v;
  return c;
}

const Config& config() noexcept {
  // Leaked on purpose: threads may still read it while static destructors run at exit. Out of
  // memory at start-up: the defaults (not recording).
  static const Config* const c = []() -> const Config* {
    try {
      return new Config(Config::from_environment());
    } catch (...) {
      static const Config defaults;
      return &defaults;
    }
  }();
  return *c;
}

}  // namespace weft::rt
