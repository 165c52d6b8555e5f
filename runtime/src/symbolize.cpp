// symbolize_sites(): code sites (trace record 0x45) to function and file:line, with addr2line.
//
// One run per ELF object and batch of addresses:
//   addr2line -e MODULE -a -f -C -i 0xADDR...
// prints, for each address, the address line and then (function, file:line) pairs from the
// innermost inlined frame outwards. A return address points after its call instruction, so the
// address asked about is offset - 1.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "weft/runtime/event.hpp"
#include "weft/runtime/trace_reader.hpp"

extern char** environ;

namespace weft::trace {

namespace {

struct Frame {
  std::string function, file;
  std::uint32_t line = 0;
};

// Runs argv[0] (PATH lookup) and returns its standard output; false when it could not run or
// failed.
bool run_capture(const std::vector<std::string>& args, std::string& out) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  int rc = ::posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return false;
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  ::close(fds[0]);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

// Parses addr2line -a -f -i output: per address, its frames (innermost first).
std::vector<std::vector<Frame>> parse(const std::string& text) {
  std::vector<std::vector<Frame>> out;
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  for (std::size_t i = 0; i < lines.size();) {
    if (lines[i].rfind("0x", 0) != 0) {
      ++i;
      continue;
    }
    out.emplace_back();
    ++i;
    while (i < lines.size() && lines[i].rfind("0x", 0) != 0) {
      Frame f;
      f.function = lines[i];
      std::string loc = i + 1 < lines.size() ? lines[i + 1] : "";
      i += 2;
      if (auto d = loc.find(" (discriminator"); d != std::string::npos) loc.resize(d);
      auto colon = loc.rfind(':');
      if (colon != std::string::npos) {
        f.file = loc.substr(0, colon);
        f.line = static_cast<std::uint32_t>(std::strtoul(loc.c_str() + colon + 1, nullptr, 10));
      }
      out.back().push_back(std::move(f));
    }
  }
  return out;
}

bool usable_file(const std::string& f) {
  if (f.empty() || f == "??") return false;
  if (rt::is_system_header(f.c_str())) return false;
  return f.find("/include/weft/") == std::string::npos;  // weft's own inline wrappers
}

// A shared library of the system (libstdc++, libc): shipped stripped, so addr2line can only name
// the nearest exported symbol before an address, which is often another function.
bool system_library(const std::string& module) {
  for (const char* dir : {"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/"})
    if (module.rfind(dir, 0) == 0) return module.find(".so") != std::string::npos;
  return false;
}

// Applies the frames of one address to `s`; true when a file:line was found. Without a line, a
// function name is taken only when `names_trusted` (not for system libraries).
bool apply_frames(const std::vector<Frame>& frames, Site& s, bool names_trusted) {
  for (const auto& f : frames) {
    if (usable_file(f.file) && f.line != 0) {
      s.file = f.file;
      s.line = f.line;
      s.column = 0;
      if (f.function != "??") s.function = f.function;
      return true;
    }
  }
  // No line information (no -g): the function the address is in (the outermost frame) and,
  // when the symbol table names it, its source file.
  if (!names_trusted) return false;
  if (!frames.empty() && frames.back().function != "??") s.function = frames.back().function;
  for (const auto& f : frames)
    if (usable_file(f.file)) {
      s.file = f.file;
      break;
    }
  return false;
}

// Replaces each whole occurrence of `label` ("module+0xoffset", not followed by another hex
// digit) in `text` with `with`.
void replace_label(std::string& text, const std::string& label, const std::string& with) {
  for (std::size_t at = text.find(label); at != std::string::npos; at = text.find(label, at)) {
    std::size_t end = at + label.size();
    if (end < text.size() && std::isxdigit(static_cast<unsigned char>(text[end]))) {
      at = end;
      continue;
    }
    text.replace(at, label.size(), with);
    at += with.size();
  }
}

}  // namespace

std::size_t symbolize_sites(Trace& t) {
  std::vector<std::pair<std::string, std::string>> renamed;  // label -> "file.cpp:line"
  std::map<std::string, std::vector<std::size_t>> by_module;
  std::vector<std::uint64_t> offset(t.sites.size(), 0);
  for (const CodeSite& c : t.code_sites) {
    if (c.site < 0 || static_cast<std::size_t>(c.site) >= t.sites.size()) continue;
    auto i = static_cast<std::size_t>(c.site);
    if (c.module.empty() || c.module == "?" || c.offset == 0 || t.sites[i].line != 0) continue;
    offset[i] = c.offset;
    by_module[c.module].push_back(i);
  }
  std::size_t resolved = 0;
  static const char* const kTools[] = {"addr2line", "llvm-addr2line-19", "llvm-addr2line"};
  for (const auto& [module, idx] : by_module) {
    if (::access(module.c_str(), R_OK) != 0) continue;
    constexpr std::size_t kBatch = 256;
    for (std::size_t b = 0; b < idx.size(); b += kBatch) {
      std::size_t e = std::min(idx.size(), b + kBatch);
      std::string out;
      bool ok = false;
      for (const char* tool : kTools) {
        std::vector<std::string> args = {tool, "-e", module, "-a", "-f", "-C", "-i"};
        for (std::size_t k = b; k < e; ++k) {
          char a[32];
          std::snprintf(a, sizeof a, "0x%llx",
                        static_cast<unsigned long long>(offset[idx[k]] - 1));
          args.push_back(a);
        }
        out.clear();
        if (run_capture(args, out)) {
          ok = true;
          break;
        }
      }
      if (!ok) continue;
      auto frames = parse(out);
      for (std::size_t k = b; k < e && k - b < frames.size(); ++k) {
        Site& site = t.sites[idx[k]];
        std::string label = site.file;
        if (!apply_frames(frames[k - b], site, !system_library(module))) continue;
        ++resolved;
        std::size_t slash = site.file.rfind('/');
        renamed.emplace_back(label, site.file.substr(slash == std::string::npos ? 0 : slash + 1) +
                                        ":" + std::to_string(site.line));
      }
    }
  }
  // Findings written online name such sites by their label ("taken at prog+0x13e5"): say the
  // line instead.
  if (!renamed.empty())
    for (Finding& f : t.findings)
      for (const auto& [label, with] : renamed)
        if (!label.empty()) replace_label(f.message, label, with);
  return resolved;
}

}  // namespace weft::trace
