// runtime/tsan/frames.hpp: a frame of a ThreadSanitizer report, and whether it is the program's
// own code (shared by the report hook, tsan_bridge.cpp, and the report stream, tsan_stream.cpp).
#pragma once

#include <string>
#include <string_view>

namespace weft::rt::tsan {

struct Frame {
  std::string file, function, module;  // module: a path, or the file name TSan prints
  unsigned line = 0;
};

// A frame that is not the program's own code, decided by what it is, never by where the user
// keeps their sources: code of a library the program did not write (TSan's runtime, libc,
// libstdc++, weft's interposer; any shared library under the system's library directories), or
// code the compiler inlined from the system's headers (std::thread's invoker, <mutex>).
inline bool is_runtime_frame(const Frame& f) {
  auto starts_with = [](std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
  };
  if (f.file.empty()) return true;
  if (starts_with(f.file, "/usr/include/") || starts_with(f.file, "/usr/lib/gcc/") ||
      starts_with(f.file, "/usr/lib/llvm-"))
    return true;
  if (f.module.empty()) return false;
  std::string_view m = f.module;
  if (auto slash = m.rfind('/'); slash != std::string_view::npos) m = m.substr(slash + 1);
  for (std::string_view lib : {"libtsan.so", "libclang_rt.tsan", "libc.so", "libstdc++.so",
                               "libweft_preload.so", "libpthread.so", "libgcc_s.so", "libm.so",
                               "ld-linux"})
    if (starts_with(m, lib)) return true;
  return starts_with(f.module, "/lib/") || starts_with(f.module, "/usr/lib/");
}

}  // namespace weft::rt::tsan
