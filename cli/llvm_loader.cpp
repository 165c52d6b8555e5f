// The weft binary's side of libweft_llvm.so (llvm_module.cpp): `weft lint`, `weft __variable`
// and the member-path resolver of the trace layer load the library on first use, so that the
// commands that do not need LLVM never pay for loading it.
#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "commands.hpp"
#include "debuginfo.hpp"
#include "paths.hpp"
#include "weft/runtime/trace_reader.hpp"

namespace weft::cli {
namespace {

constexpr const char* kLibrary = "libweft_llvm.so";

// The library's handle (nullptr when it is missing or cannot load), and why, once.
struct Loaded {
  void* handle = nullptr;
  std::string error;
};
const Loaded& library() {
  static const Loaded loaded = [] {
    Loaded l;
    std::string path = find_library(kLibrary);
    if (path.empty()) {
      l.error = std::string(kLibrary) + " is not next to weft (lib/ beside its bin/); reinstall weft "
                "or rebuild it with -DWEFT_BUILD_ANALYZER=ON";
      return l;
    }
    l.handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (l.handle == nullptr) {
      const char* why = ::dlerror();
      l.error = "cannot load " + path + ": " + (why ? why : "unknown error");
    }
    return l;
  }();
  return loaded;
}

template <class F>
F entry(const char* name) {
  const Loaded& l = library();
  return l.handle ? reinterpret_cast<F>(::dlsym(l.handle, name)) : nullptr;
}

int unavailable(const char* cmd) {
  const Loaded& l = library();
  std::fprintf(stderr, "weft %s: %s\n", cmd,
               l.error.empty() ? "libweft_llvm.so lacks its entry point (a mismatched install)"
                               : l.error.c_str());
  return 2;
}

std::string lazy_member_path(const std::string& module, std::uint64_t var_start,
                             std::uint64_t address, std::uint64_t object_size) {
  using Fn = void (*)(const char*, std::uint64_t, std::uint64_t, std::uint64_t, char*, std::size_t);
  static const Fn f = entry<Fn>("weft_llvm_member_path");
  if (f == nullptr) return {};
  char out[1024];
  f(module.c_str(), var_start, address, object_size, out, sizeof out);
  return out;
}

}  // namespace

int lint_main(int argc, char** argv) {
  auto f = entry<int (*)(int, char**)>("weft_llvm_lint");
  return f ? f(argc, argv) : unavailable("lint");
}

int variable_main(int argc, char** argv) {
  auto f = entry<int (*)(int, char**)>("weft_llvm_variable");
  return f ? f(argc, argv) : 2;
}

void install_debuginfo() { trace::set_member_resolver(&lazy_member_path); }

}  // namespace weft::cli
