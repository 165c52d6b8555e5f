// weft run: not implemented yet (see the issue tracker).
#include <cstdio>

#include "commands.hpp"

int weft::cli::run_main(int, char**) {
  std::fprintf(stderr, "weft run: not implemented yet in this build\n");
  return 2;
}
