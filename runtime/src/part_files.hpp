// Part files: where the processes of one recording write. The recording's root process writes the
// trace path P itself; every other process image (a fork's child, an exec'd program, a
// posix_spawn'd one) writes `P.<pid>.<k>.part`, k counting images of one pid. The writer names
// them here and the reader finds them here, by the same pattern.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace weft::rt::parts {

// `path` as its directory ("." when none) and its file name.
void split(const std::string& path, std::string& dir, std::string& base);

// `name` (a file name, no directory) is a part file of the trace whose file name is `base`:
// `<base>.<digits>.<digits>.part`.
bool is_part_of(std::string_view base, std::string_view name);

// Creates the first free `<trace>.<pid>.<k>.part` (exclusively: several images of one pid never
// share one) and returns its path; `<trace>.<pid>.0.part` when none can be created (opening it
// then reports why).
std::string create(const std::string& trace, long pid);

// The part files of `trace`, full paths, sorted.
std::vector<std::string> list(const std::string& trace);

// Removes the part files of `trace` (an earlier recording's into the same path).
void remove_all(const std::string& trace);

}  // namespace weft::rt::parts
