// The environment a recorded process is configured by, read once (weft/runtime/config.hpp).
#include "weft/runtime/config.hpp"

#include <cmath>
#include <cstdint>
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

bool parse_keep_last(std::string_view text, std::uint64_t& bytes, std::uint64_t& ns,
                     std::string& why) {
  // Built piecewise: GCC 12's -Wrestrict misfires on chains of std::string `+`.
  auto say = [&why, text](const char* before, const char* after) {
    std::string w(before);
    w.append(text.data(), text.size());
    w.append(after);
    why.swap(w);
    return false;
  };
  bytes = ns = 0;
  std::size_t digits = 0;
  std::uint64_t value = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    if (value > (UINT64_MAX - 9) / 10) return say("'", "' is too large");
    value = value * 10 + static_cast<std::uint64_t>(text[digits] - '0');
    ++digits;
  }
  std::string_view unit = text.substr(digits);
  if (digits == 0) return say("'", "' is not a duration or a size (e.g. 60s, 5min, 256M)");
  struct Unit {
    std::string_view name;
    std::uint64_t scale;
    bool size;
  };
  static constexpr Unit kUnits[] = {
      {"ns", 1, false}, {"us", 1000, false}, {"ms", 1000000, false}, {"s", 1000000000, false},
      {"m", 60000000000, false}, {"min", 60000000000, false}, {"h", 3600000000000, false},
      {"K", 1u << 10, true}, {"KB", 1u << 10, true}, {"KiB", 1u << 10, true},
      {"M", 1u << 20, true}, {"MB", 1u << 20, true}, {"MiB", 1u << 20, true},
      {"G", 1u << 30, true}, {"GB", 1u << 30, true}, {"GiB", 1u << 30, true}};
  for (const Unit& u : kUnits) {
    if (unit != u.name) continue;
    if (value == 0) return say("'", "' keeps nothing");
    if (value > UINT64_MAX / u.scale) return say("'", "' is too large");
    (u.size ? bytes : ns) = value * u.scale;
    return true;
  }
  if (unit.empty())
    return say("'", "' needs a unit: a duration (60s, 5min, 2h) or a size (256M, 1G)");
  return say("'", "' has an unknown unit (durations: ms, s, min, h; sizes: K, M, G)");
}

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
  if (const char* v = var("WEFT_KEEP_LAST")) {
    std::string why;
    if (!parse_keep_last(v, c.keep_last_bytes, c.keep_last_ns, why)) c.keep_last_bytes = c.keep_last_ns = 0;
  }
  if (const char* v = var("WEFT_TSC_NS_PER_TICK")) {
    double x = std::strtod(v, nullptr);
    if (std::isfinite(x) && x > 1e-3 && x < 1e3) c.tsc_ns_per_tick = x;
  }
  if (const char* v = var("WEFT_DETECT")) c.detect = std::strcmp(v, "0") != 0;
  if (const char* v = var("WEFT_ON_DEADLOCK")) c.stop_on_deadlock = std::strcmp(v, "continue") != 0;
  c.chaos_seed = number("WEFT_CHAOS", 0);
  c.coro_block_ns = number("WEFT_CORO_BLOCK_MS", 100) * 1'000'000;
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
