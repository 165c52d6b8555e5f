// The registry of checks: id -> factory. See Module.cpp for the table and README.md for how to
// add a check.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace weft::analyzer {

class Check;
class CheckContext;

struct CheckInfo {
  std::string id;       // bug-kind id from docs/checks/<id>.md
  std::string summary;  // one sentence: the first sentence of the doc page
  std::unique_ptr<Check> (*make)(CheckContext& ctx);
};

// Every check built into this weft, sorted by id.
const std::vector<CheckInfo>& registeredChecks();

// True when `id` is enabled by the comma-separated glob list (clang-tidy's syntax: `*` matches
// any run of characters, a leading `-` disables, later entries win). Empty list: all enabled.
bool checkEnabled(const std::string& globs, const std::string& id);

}  // namespace weft::analyzer
