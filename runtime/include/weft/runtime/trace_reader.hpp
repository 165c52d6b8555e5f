// weft/runtime/trace_reader.hpp: reads a trace file written by the recorder.
//
//   try {
//     weft::trace::Trace t = weft::trace::read_trace("app.trace");
//     for (const auto& w : t.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
//   } catch (const weft::trace::TraceError& e) {
//     std::fprintf(stderr, "%s\n", e.what());  // names the byte offset; exit 2
//   }
//
// A truncated file yields the events that precede the cut (Trace::truncated, a warning); a
// corrupted one throws TraceError naming the offset. The reader never crashes, never hangs and
// never allocates without bound on hostile sizes.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "weft/runtime/trace_model.hpp"

namespace weft::trace {

class TraceError : public std::runtime_error {
 public:
  TraceError(const std::string& what, std::uint64_t offset)
      : std::runtime_error(what), offset_(offset) {}
  std::uint64_t offset() const noexcept { return offset_; }  // byte offset of the problem

 private:
  std::uint64_t offset_;
};

// Reads and decodes a whole trace (all processes it holds). Throws TraceError on a missing,
// unreadable or corrupted file.
Trace read_trace(const std::string& path);

}  // namespace weft::trace
