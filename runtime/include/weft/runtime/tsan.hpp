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
#include <vector>

#include "weft/runtime/event.hpp"

namespace weft::rt::tsan {

// True when ThreadSanitizer's runtime is in the process (set once at start-up by detect()).
extern bool g_present;
// True when its interceptors run before weft's: clang's static runtime, linked into the
// executable, whose interceptors call on into the interposer (see docs/tsan.md).
extern bool g_ahead;
// TSan's "ignore this thread's memory accesses" brackets, found by detect(): its
// __tsan_ignore_thread_begin/end, or the AnnotateIgnoreReadsBegin/End that an executable with
// clang's static runtime exports instead.
extern void (*g_ignore_begin)();
extern void (*g_ignore_end)();
// Looks for ThreadSanitizer's runtime; sets g_present, g_ahead and the brackets.
bool detect() noexcept;

// weft's own code is not instrumented, but TSan still sees its calls to intercepted functions
// (malloc, free, memcpy) and would report weft's buffers, handed between threads by atomics it
// cannot see, as races. weft's bookkeeping runs inside these brackets: TSan ignores the memory
// accesses made there (not the synchronisation: a lock taken there still orders the program).
inline void ignore_begin() noexcept {
  if (g_present) [[unlikely]]
    g_ignore_begin();
}
inline void ignore_end() noexcept {
  if (g_present) [[unlikely]]
    g_ignore_end();
}

// The recorded object at a lock's address, for the mutexes a report names: set by the LD_PRELOAD
// interposer, which keeps its objects by address (0 when the address is not a lock it has seen).
// nullptr elsewhere; a report's mutexes are then left out of its finding.
extern ObjId (*g_object_at)(const void* addr) noexcept;

// A std::source_location for `file`:`line` in `function`, interned for the process lifetime
// (libstdc++ only; elsewhere an empty location). Thread-safe.
std::source_location make_site(std::string_view file, unsigned line, std::string_view function);

// The weft bug-kind id for a TSan report description ("data-race" -> "data-race",
// "mutex-double-lock" -> "lock-reentry", ...; unknown kinds are returned unchanged).
std::string map_kind(std::string_view tsan_description);

// clang's static runtime keeps its report hook to itself: TSan's report stream is sent to an
// in-memory file instead (__sanitizer_set_report_fd), and drain_report_stream() copies what TSan
// wrote there to stderr and turns each complete report into a finding. Started by the
// interposer when g_ahead; drained by the deadlock watchdog's ticks, at exit, and by TSan's death
// callback (halt_on_error=1). No-ops when not started.
void start_report_stream() noexcept;
void drain_report_stream() noexcept;
// One report as TSan prints it ("WARNING: ThreadSanitizer: data race (pid=...)", its access
// and thread stacks) as a finding: kind, message, sites, and the kernel tids of the threads
// involved, access by access (tests). `thread_index` maps a kernel tid to the recorded thread's
// index (0: unknown); the finding then references those threads ("{thread:N}") in its message
// and lists them in `threads`, in the order of the accesses. The mutexes the report names
// ("Mutex M0 (0x...)") become its objects through g_object_at.
struct TextReport {
  FindingRecord finding;
  std::vector<int> tids;
};
bool parse_text_report(std::string_view text, TextReport& out,
                       std::uint32_t (*thread_index)(int tid) = nullptr);

// Turns the TSan report `report` into a finding on the active sink (no-op when not recording).
// Called from __tsan_on_report(); never throws.
void on_report(void* report) noexcept;

}  // namespace weft::rt::tsan
