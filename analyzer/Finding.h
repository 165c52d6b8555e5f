// What a check reports, independent of Clang: the driver collects these from every translation
// unit, filters them (NOLINT, duplicates from headers seen by several TUs) and prints them as
// text, JSON or SARIF. Paths are absolute here; the output makes them relative to the cwd.
#pragma once

#include <string>
#include <vector>

namespace weft::analyzer {

struct SourcePoint {
  std::string file;  // absolute, normalised
  unsigned line = 0;
  unsigned column = 0;  // 1-based, in bytes like clang's diagnostics
};

struct Note {
  SourcePoint where;
  std::string message;
  bool step = false;  // part of a path (call chain); SARIF shows steps as a codeFlow
};

// One replacement of the bytes [offset, offset + length) of `file` by `text`.
struct Edit {
  std::string file;
  unsigned offset = 0;
  unsigned length = 0;
  std::string text;
  SourcePoint begin, end;  // the replaced range as line/column (end exclusive)
};

struct Finding {
  std::string check;  // the bug-kind id, e.g. "wait-not-in-loop"
  SourcePoint where;
  std::string message;
  std::vector<Note> notes;
  std::vector<Edit> fixes;  // all-or-nothing: applied together by --fix
};

}  // namespace weft::analyzer
