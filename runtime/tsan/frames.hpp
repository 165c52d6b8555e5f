// runtime/tsan/frames.hpp: a ThreadSanitizer report's frames and accesses, and how a finding
// says them; shared by the report hook (tsan_bridge.cpp) and the report stream (tsan_stream.cpp),
// so that a report reads the same whichever way it reached weft.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "weft/runtime/event.hpp"

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

// One memory access of a report, with its stack, innermost frame first.
struct Access {
  bool previous = false, atomic = false, write = false;
  int size = 0;
  std::string address;  // "0x55bbb82f5b14"
  std::string thread;   // TSan's name for the thread: "T2", "main"
  std::uint32_t thread_index = 0;  // the recorded thread that made it (0: not known)
  std::vector<Frame> stack;
};

// TSan's name for its thread number `n`: "T2", or "main" for -1.
std::string thread_name(int n);

// Appends `a` to the finding: "; previous write of 4 bytes at 0x... by {thread:3} (TSan's T2): f
// a.cpp:8 < g a.cpp:11" (at most six of the program's own frames; "by TSan thread T2" when the
// thread is not known) to `message`, its thread to the finding's threads (once), and its
// innermost own frame to the finding's sites.
void add_access(FindingRecord& f, std::string& message, const Access& a);
// The mutexes a report names, by address: those the recording knows (g_object_at) become the
// finding's objects, and "; mutexes: {object:5}, {object:9}" ends `message`.
void add_mutexes(FindingRecord& f, std::string& message, const std::vector<const void*>& addresses);
// For a report without accesses: the innermost own frame of `stack` as a site and "; at f a.cpp:7"
// in `message`. False when the stack has none.
bool add_first_own_frame(FindingRecord& f, std::string& message, const std::vector<Frame>& stack);

}  // namespace weft::rt::tsan
