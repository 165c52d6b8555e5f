// libFuzzer target for the trace readers: any bytes must give a Trace or a TraceError, never a
// crash, a hang or an unbounded allocation. Both readers run: the whole read (read_trace_bytes)
// and the streaming one (EventReader over the same bytes in a memfd), which must then agree on
// the number of events. Built with clang++-19 -fsanitize=fuzzer,address,undefined when
// available (tests/runtime/recorder_tests.cmake); otherwise seed_driver.cpp runs the seed corpus
// through the same function.
//
//   build/bin/trace_reader_fuzz -max_total_time=60 /tmp/corpus tests/runtime/fuzz/seeds
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "weft/runtime/trace_reader.hpp"
#include "weft/runtime/trace_stats.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::size_t whole = SIZE_MAX;
  try {
    weft::trace::Trace t = weft::trace::read_trace_bytes(data, size);
    auto stats = weft::trace::compute_stats(t);
    (void)stats;
    whole = t.events.size();
  } catch (const weft::trace::TraceError&) {
  }
  static const int fd = ::memfd_create("weft-fuzz", MFD_CLOEXEC);
  if (fd < 0 || ::ftruncate(fd, 0) != 0) return 0;
  std::size_t done = 0;
  while (done < size) {
    ssize_t w = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (w <= 0) return 0;
    done += static_cast<std::size_t>(w);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    weft::trace::EventReader reader(path);
    weft::trace::StatsBuilder stats(reader.trace());
    std::uint64_t n = reader.for_each([&](const weft::trace::Event& e) { stats.add(e); });
    (void)stats.finish();
    if (whole != SIZE_MAX && n != whole) std::abort();  // the two readers disagree
  } catch (const weft::trace::TraceError&) {
    if (whole != SIZE_MAX) std::abort();  // one reader refused what the other read
  }
  return 0;
}
