// weft/runtime/tsan.hpp: ThreadSanitizer reports as weft findings (runtime/tsan/).
//
// Nothing to call: a program built with -fsanitize=thread and linked with weft::runtime defines
// the __tsan_on_report() hook, and each TSan report reaches the active sink as a finding (kind
// `data-race` for races; see docs/tsan.md). These helpers are exposed for tests and for other
// emitters that have a file and line but no std::source_location.
#pragma once

#include <source_location>
#include <string>
#include <string_view>

namespace weft::rt::tsan {

// A std::source_location for `file`:`line` in `function`, interned for the process lifetime
// (libstdc++ only; elsewhere an empty location). Thread-safe.
std::source_location make_site(std::string_view file, unsigned line, std::string_view function);

// The weft bug-kind id for a TSan report description ("data-race" -> "data-race",
// "mutex-double-lock" -> "lock-reentry", ...; unknown kinds are returned unchanged).
std::string map_kind(std::string_view tsan_description);

// Turns the TSan report `report` into a finding on the active sink (no-op when not recording).
// Called from __tsan_on_report(); never throws.
void on_report(void* report) noexcept;

}  // namespace weft::rt::tsan
