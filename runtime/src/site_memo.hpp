// site_memo.hpp: a caller's memo of the trace id of one call site (Recorder::Hot::try_write,
// recorder_hot.hpp).
//
// The interposer keeps one beside each entry of its per-thread code-address cache (PcSite,
// runtime/preload/src/state.hpp): while `epoch` is the recorder's, try_write takes the id from it
// instead of looking the site up in its own per-thread cache, a second lookup of the same thing.
// Ids are never reused within an epoch and every open segment's epoch is above 0, so a zeroed memo
// is empty. (An unmapped recorder's epoch is 0: try_write's thread test, which comes first, then
// admits only a thread never attached, whose missing block sends it the general way.)
#pragma once

#include <cstdint>

namespace weft::rt {

struct SiteMemo {
  std::uint32_t id;
  std::uint32_t epoch;
};

}  // namespace weft::rt
