#include "paths.hpp"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

namespace weft::cli {

std::string find_library(const char* name) {
  char exe[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return {};
  exe[n] = '\0';
  std::string dir(exe);
  dir = dir.substr(0, dir.rfind('/'));
  for (const char* rel : {"/../lib/", "/lib/", "/../lib64/"}) {
    std::string p = dir + rel + name;
    if (::access(p.c_str(), R_OK) == 0) {
      char real[PATH_MAX];
      if (::realpath(p.c_str(), real)) return real;
      return p;
    }
  }
  return {};
}

}  // namespace weft::cli
