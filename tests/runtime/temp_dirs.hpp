// Temporary directories for the runtime's tests, removed when the test program exits.
#pragma once

#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

namespace weft::test {

// A fresh directory /tmp/weft-<tag>-XXXXXX, removed (with what is in it) when the program exits
// normally. A forked child must leave with _exit, or it removes them under its parent.
inline std::string temp_dir(const std::string& tag) {
  static struct Dirs {
    std::vector<std::string> all;
    ~Dirs() {
      for (const auto& d : all) std::filesystem::remove_all(d);
    }
  } dirs;
  std::string path = "/tmp/weft-";
  path += tag;
  path += "-XXXXXX";
  REQUIRE(::mkdtemp(path.data()) != nullptr);
  dirs.all.push_back(path);
  return path;
}

}  // namespace weft::test
