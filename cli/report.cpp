// weft report: not implemented yet (see the issue tracker).
#include <cstdio>

#include "commands.hpp"

int weft::cli::report_main(int, char**) {
  std::fprintf(stderr, "weft report: not implemented yet in this build\n");
  return 2;
}
