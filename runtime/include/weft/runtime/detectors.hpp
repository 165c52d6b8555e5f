// weft/runtime/detectors.hpp: the online detectors, as a Sink that watches events on their way
// to the recorder.
//
// The recorder's start-up code builds its sink and then calls
//   Sink* top = weft::rt::detectors::wrap(recorder_sink, options);
//   weft::rt::set_sink(top);
// so every event passes the detectors first (they may report a finding, via
// downstream->on_finding(), before the calling thread blocks) and then reaches the recorder.
#pragma once

#include <cstdint>

#include "weft/runtime/event.hpp"

namespace weft::rt::detectors {

struct Options {
  bool enabled = true;            // WEFT_DETECT=0 turns all detectors off
  bool stop_on_deadlock = true;   // --on-deadlock=stop (default) | continue
  std::uint64_t chaos_seed = 0;   // --chaos[=SEED]; 0 = chaos off
};

// Reads the options `weft run` passes to the recorded process through the environment
// (WEFT_DETECT, WEFT_ON_DEADLOCK, WEFT_CHAOS).
Options options_from_env() noexcept;

// Returns the sink to install: `downstream` itself when detectors are off, else a detector
// sink that forwards every call to `downstream`. The returned sink lives until exit.
Sink* wrap(Sink* downstream, const Options& options) noexcept;

}  // namespace weft::rt::detectors
