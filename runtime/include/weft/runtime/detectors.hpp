// weft/runtime/detectors.hpp: the online detectors, as a Sink that watches events on their way
// to the recorder.
//
// The session (weft/runtime/session.hpp) builds the recorder and then calls
//   Sink* top = weft::rt::detectors::wrap(recorder_sink, options);
//   weft::rt::set_sink(top);
// so every event passes the detectors first (they may report a finding, via
// downstream->on_finding(), before the calling thread blocks) and then reaches the recorder.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "weft/runtime/event.hpp"

namespace weft::rt::detectors {

struct Options {
  // What `weft run` sets (the session takes them from weft/runtime/config.hpp):
  bool enabled = true;            // WEFT_DETECT=0 turns all detectors off
  bool stop_on_deadlock = true;   // --on-deadlock=stop (default) | continue
  std::uint64_t chaos_seed = 0;   // --chaos[=SEED]; 0 = chaos off
  // blocking-in-coroutine: a weft::aio task that runs this long without suspending blocks its
  // event loop (--coroutine-block=DURATION, WEFT_CORO_BLOCK_MS; 0 = not checked).
  std::uint64_t coro_block_ns = 100'000'000;

  // For tests and tuning (the environment does not set these):
  // How often the deadlock watchdog looks at the blocked threads; a deadlock is reported after
  // it was seen unchanged for two looks in a row (so within ~2 periods + the confirmation).
  int watchdog_period_ms = 250;
  bool watchdog = true;  // false: no watchdog thread (unit tests of the other detectors)
  // Called with a fatal finding instead of stopping the process (tests). nullptr: print the
  // finding on stderr and _exit(kFatalExitStatus) after downstream->on_finding() returned.
  void (*on_fatal)(const FindingRecord& finding) = nullptr;
};

// The exit status of a process that weft stopped because it could never make progress again
// (lock-reentry on a non-reentrant lock, or a deadlock), with WEFT_ON_DEADLOCK unset or "stop".
inline constexpr int kFatalExitStatus = 86;

// Returns the sink to install: `downstream` itself when detectors are off, else a detector
// sink that forwards every call to `downstream`. The returned sink lives until exit.
Sink* wrap(Sink* downstream, const Options& options) noexcept;

// What the owner of an installed detector sink (the session) does for it. Each takes the sink
// wrap() returned and does nothing when that is not a detector sink.
//   before_fork / after_fork_parent / after_fork_child: from pthread_atfork handlers, so that
//     the child gets the detectors' locks free (the forking thread holds them across fork());
//   at_exit: exit() or a return from main(): checks the exiting thread's locks; call it before
//     the recorder is closed, so that its finding reaches the trace;
//   install_crash_hook: with chaos, a crash that follows a spurious wake-up is reported as the
//     wait-not-in-loop it most likely is (once per process).
// A weft::Lock taken by a blocking acquire (Acquired, value 1) or released (Release, value 0):
// what weft/runtime/protocol.hpp's acquired() and released() send to `s`, but through the
// detectors' inline lock path when `s` is the installed detector in front of the recorder (one
// direct call, instead of a virtual one and the detectors' dispatch on the event's kind).
void lock_acquired(Sink& s, ObjId lock, const std::source_location& where) noexcept;
void lock_released(Sink& s, ObjId lock, const std::source_location& where) noexcept;

void before_fork(Sink* detectors) noexcept;
void after_fork_parent(Sink* detectors) noexcept;
void after_fork_child(Sink* detectors) noexcept;
void at_exit(Sink* detectors) noexcept;
void install_crash_hook(Sink* detectors) noexcept;

// Like wrap(), but always builds a detector sink and hands ownership to the caller (tests). The
// destructor stops the watchdog thread; uninstall the sink (set_sink) before destroying it.
std::unique_ptr<Sink> make_detector_sink(Sink* downstream, const Options& options);

// A finding's message (a template, weft/runtime/labels.hpp) as the detector sink `detectors`
// names its threads and objects now: what the live message says. `tmpl` unchanged when
// `detectors` is not a detector sink.
std::string render_message(Sink* detectors, std::string_view tmpl);

// The index (current_thread_index()) of the recorded thread whose kernel tid is `tid`, as the
// detector sink `detectors` knows it; 0 when it does not (or is not a detector sink).
std::uint32_t thread_index_for_tid(Sink* detectors, int tid);

}  // namespace weft::rt::detectors
