// site_memo.hpp: a caller's memo of the trace id of one call site (Recorder::Hot::try_write,
// recorder_hot.hpp).
//
// The interposer keeps one beside each entry of its per-thread code-address cache (PcSite,
// runtime/preload/src/state.hpp): while `epoch` is the recorder's, try_write takes the id from it
// instead of looking the site up in its own per-thread cache, a second lookup of the same thing.
// Ids are never reused within an epoch and every epoch starts above 0, so a zeroed memo is empty.
#pragma once

#include <cstdint>

namespace weft::rt {

struct SiteMemo {
  std::uint32_t id;
  std::uint32_t epoch;
};

}  // namespace weft::rt
