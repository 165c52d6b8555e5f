// weft lint: not implemented yet (see the issue tracker).
#include <cstdio>

#include "commands.hpp"

int weft::cli::lint_main(int, char**) {
  std::fprintf(stderr, "weft lint: not implemented yet in this build\n");
  return 2;
}
