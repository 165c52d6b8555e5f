// Placeholder until the online detectors land (issue 6): no detection, events pass through.
#include <cstdlib>
#include <cstring>

#include "weft/runtime/detectors.hpp"

namespace weft::rt::detectors {

Options options_from_env() noexcept {
  Options o;
  if (const char* v = std::getenv("WEFT_DETECT")) o.enabled = std::strcmp(v, "0") != 0;
  if (const char* v = std::getenv("WEFT_ON_DEADLOCK")) o.stop_on_deadlock = std::strcmp(v, "continue") != 0;
  if (const char* v = std::getenv("WEFT_CHAOS")) o.chaos_seed = std::strtoull(v, nullptr, 10);
  return o;
}

Sink* wrap(Sink* downstream, const Options&) noexcept { return downstream; }

}  // namespace weft::rt::detectors
