// usage_error (commands.hpp): in a file of its own, for the weft binary and for libweft_llvm.so,
// whose `weft lint` reports its usage errors the same way.
#include <cstdio>

#include "commands.hpp"

int weft::cli::usage_error(const char* cmd, const char* reason) {
  std::fprintf(stderr, "weft %s: %s (see 'weft %s --help')\n", cmd, reason, cmd);
  return 2;
}
