// libFuzzer target for the trace reader: any bytes must give a Trace or a TraceError, never a
// crash, a hang or an unbounded allocation. Built with clang++-19 -fsanitize=fuzzer,address,
// undefined when available (tests/runtime/recorder_tests.cmake); otherwise seed_driver.cpp runs
// the seed corpus through the same function.
//
//   build/bin/trace_reader_fuzz -max_total_time=60 /tmp/corpus tests/runtime/fuzz/seeds
#include <cstddef>
#include <cstdint>

#include "weft/runtime/trace_reader.hpp"
#include "weft/runtime/trace_stats.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    weft::trace::Trace t = weft::trace::read_trace_bytes(data, size);
    auto stats = weft::trace::compute_stats(t);
    (void)stats;
  } catch (const weft::trace::TraceError&) {
  }
  return 0;
}
