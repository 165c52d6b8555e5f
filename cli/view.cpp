// weft view: not implemented yet (see the issue tracker).
#include <cstdio>

#include "commands.hpp"

int weft::cli::view_main(int, char**) {
  std::fprintf(stderr, "weft view: not implemented yet in this build\n");
  return 2;
}
