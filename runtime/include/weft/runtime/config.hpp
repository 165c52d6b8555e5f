// weft/runtime/config.hpp: what a recorded process is told through its environment, read once.
//
// `weft run` (and a user who sets the variables by hand) configures the recording of a process
// through environment variables (docs/cli.md, "Environment"). They are read here and nowhere
// else, the first time config() is called, into one Config that every layer consults: the
// session (session.hpp) builds the recorder and the detectors from it, the clock takes its
// calibration override from it, the interposer its chaos switch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace weft::rt {

struct Config {
  // Recording.
  std::string trace;                 // WEFT_TRACE: the trace file; empty: not recording
  std::uint64_t trace_root_pid = 0;  // WEFT_TRACE_ROOT: the pid that writes `trace` itself
  bool trace_root_named = false;     //   ... set at all (without it the first image is the root)
  bool trace_started = false;        // WEFT_TRACE_STARTED: an earlier image of this pid started
  std::uint64_t limit_bytes = std::uint64_t{1024} << 20;  // WEFT_TRACE_LIMIT_MB (1024)
  std::uint32_t block_bytes = std::uint32_t{32} << 10;    // WEFT_TRACE_BLOCK_KB (32)
  bool monotonic_clock = false;      // WEFT_CLOCK=monotonic instead of the TSC
  bool exact_times = true;           // WEFT_EXACT_TIMES=0: undated uncontended acquisitions
  double tsc_ns_per_tick = 0;        // WEFT_TSC_NS_PER_TICK: skips calibration when set (> 0)
  // WEFT_KEEP_LAST=DURATION|SIZE (`weft run --keep-last`): flight-recorder mode, the most recent
  // window of events only (RecorderOptions::ring_bytes / ring_ns). 0 and 0: everything.
  std::uint64_t keep_last_bytes = 0;
  std::uint64_t keep_last_ns = 0;

  // Detectors.
  bool detect = true;                // WEFT_DETECT=0 turns them off
  bool stop_on_deadlock = true;      // WEFT_ON_DEADLOCK=continue
  std::uint64_t chaos_seed = 0;      // WEFT_CHAOS=SEED; 0: no chaos
  std::uint64_t coro_block_ns = 100'000'000;  // WEFT_CORO_BLOCK_MS (100; 0: not checked)

  // Helpers.
  std::string self;                  // WEFT_SELF: the weft binary (asked to name variables)
  std::string preload_selftest;      // WEFT_PRELOAD_SELFTEST: the interposer's test sink

  // Reads the variables above from `getenv`. Malformed numbers keep the default.
  static Config from_environment();
};

// Parses a flight-recorder window: a duration ("90s", "500ms", "5min", "5m", "2h") or a size
// ("256M", "256MB", "256MiB", "1G", "64K"; K, M, G are powers of 1024). Exactly one of `bytes`
// and `ns` is set. False, with `why` saying what is wrong, for anything else (a bare number is
// ambiguous, so it is refused).
bool parse_keep_last(std::string_view text, std::uint64_t& bytes, std::uint64_t& ns,
                     std::string& why);

// The process's configuration, read from the environment at the first call (a constructor,
// normally) and kept unchanged for the life of the process image: variables that the program
// changes later do not affect its recording. Never destroyed (threads may record during exit).
const Config& config() noexcept;

}  // namespace weft::rt
