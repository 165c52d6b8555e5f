// Files weft loads from its installation: the libraries next to the running weft binary.
#pragma once

#include <string>

namespace weft::cli {

// The library `name` next to this binary: <dir>/../lib, <dir>/lib (build trees) or
// <dir>/../lib64, as a real path; "" when there is none.
std::string find_library(const char* name);

}  // namespace weft::cli
