// Shared plumbing of the two lock checks (lock-reentry, lock-order-inversion): both read the same
// per-TU lock facts (LockModel.h) and summaries, and differ only in the reasoning applied.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "Check.h"
#include "LockSummary.h"

namespace weft::analyzer::lockcheck {

inline SourcePoint point(const locks::Site& s) { return {s.file, s.line, s.column}; }

// Facts from the summaries of every TU, merged; summaries that do not parse are skipped (the
// driver wrote them, so this only happens with a stale --merge-summaries directory).
inline locks::Facts merged(const std::vector<const nlohmann::json*>& summaries) {
  locks::Facts all;
  for (const nlohmann::json* j : summaries) {
    try {
      all.merge(locks::factsFromJson(*j));
    } catch (const std::exception&) {
      continue;
    }
  }
  return all;
}

}  // namespace weft::analyzer::lockcheck
