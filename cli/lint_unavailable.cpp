// `weft lint` when weft was built without the analyzer (WEFT_BUILD_ANALYZER=OFF).
#include <cstdio>

#include "commands.hpp"

int weft::cli::lint_main(int, char**) {
  std::fprintf(stderr,
               "weft lint: this weft was built without the analyzer; install llvm-19-dev "
               "libclang-19-dev libclang-cpp19-dev and rebuild with -DWEFT_BUILD_ANALYZER=ON\n");
  return 2;
}
