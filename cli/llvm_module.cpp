// libweft_llvm.so: the part of weft that needs LLVM and Clang: `weft lint` (the analyzer) and
// member paths of variables from DWARF (debuginfo.cpp). The weft binary loads it only when a
// command needs it (llvm_loader.cpp): linked into weft itself, libLLVM and libclang-cpp cost
// every `weft run`, `report` and `view` their load and static constructors, ~55 ms of start-up
// on this machine (a program that links only them: 0.05-0.06 s against 0.00 s).
//
// The entry points are C functions, the only symbols the library exports.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>

#include "commands.hpp"
#include "debuginfo.hpp"

#define WEFT_LLVM_API extern "C" __attribute__((visibility("default")))

WEFT_LLVM_API int weft_llvm_lint(int argc, char** argv) { return weft::cli::lint_main(argc, argv); }

WEFT_LLVM_API int weft_llvm_variable(int argc, char** argv) {
  return weft::cli::variable_main(argc, argv);
}

// weft::cli::variable_member_path into `out` (cut to `cap` - 1 bytes, always NUL-terminated);
// "" when it cannot be found or the lookup failed.
WEFT_LLVM_API void weft_llvm_member_path(const char* module, std::uint64_t var_start,
                                         std::uint64_t address, std::uint64_t object_size,
                                         char* out, std::size_t cap) {
  if (cap == 0) return;
  out[0] = '\0';
  try {
    std::string path = weft::cli::variable_member_path(module, var_start, address, object_size);
    std::size_t n = path.size() < cap - 1 ? path.size() : cap - 1;
    std::memcpy(out, path.data(), n);
    out[n] = '\0';
  } catch (const std::exception&) {
  }
}
