// Placeholder until the trace format lands (issue 3).
#include "weft/runtime/trace_reader.hpp"

namespace weft::trace {
Trace read_trace(const std::string& path) {
  throw TraceError(path + ": the trace reader is not implemented yet in this build", 0);
}
}  // namespace weft::trace
