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

extern "C" {
// ThreadSanitizer's interface (libtsan, or the executable with clang's static runtime); weak, so
// that a program without TSan links and these stay null.
__attribute__((weak)) void __tsan_ignore_thread_begin();
__attribute__((weak)) void __tsan_ignore_thread_end();
}

namespace weft::rt::tsan {

// True when ThreadSanitizer's runtime is in the process (set once at start-up by present()).
extern bool g_present;
// Looks for ThreadSanitizer's runtime and sets g_present.
bool detect() noexcept;

// weft's own code is not instrumented, but TSan still sees its calls to intercepted functions
// (malloc, free, memcpy) and would report weft's buffers, handed between threads by atomics it
// cannot see, as races. weft's bookkeeping runs inside these brackets: TSan ignores the memory
// accesses made there (not the synchronisation: a lock taken there still orders the program).
inline void ignore_begin() noexcept {
  if (g_present) [[unlikely]]
    __tsan_ignore_thread_begin();
}
inline void ignore_end() noexcept {
  if (g_present) [[unlikely]]
    __tsan_ignore_thread_end();
}

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
