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
bool run_capture(const std::vector<std::string>& args, std::string& out,
                 char* const* env = environ) {
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
  int rc = ::posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), env);
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

// One addr2line run over `offsets` of `module` (addresses as addr2line expects them: return
// addresses already moved back into their call instruction); the frames of each, or empty.
std::vector<std::vector<Frame>> addr2line(const std::string& module,
                                          const std::vector<std::uint64_t>& offsets,
                                          char* const* env = environ) {
  static const char* const kTools[] = {"addr2line", "llvm-addr2line-19", "llvm-addr2line"};
  for (const char* tool : kTools) {
    std::vector<std::string> args = {tool, "-e", module, "-a", "-f", "-C", "-i"};
    for (std::uint64_t off : offsets) {
      char a[32];
      std::snprintf(a, sizeof a, "0x%llx", static_cast<unsigned long long>(off));
      args.push_back(a);
    }
    std::string out;
    if (run_capture(args, out, env)) return parse(out);
  }
  return {};
}

}  // namespace

std::vector<std::string> symbolize_code_labels(
    const std::vector<std::pair<std::string, std::uint64_t>>& addrs) {
  std::vector<std::string> out(addrs.size());
  // The tool must not be recorded: no LD_PRELOAD, no WEFT_* in its environment.
  std::vector<char*> env;
  for (char** e = environ; e && *e; ++e)
    if (std::strncmp(*e, "LD_PRELOAD=", 11) != 0 && std::strncmp(*e, "WEFT_", 5) != 0)
      env.push_back(*e);
  env.push_back(nullptr);
  std::map<std::string, std::vector<std::size_t>> by_module;
  for (std::size_t i = 0; i < addrs.size(); ++i)
    if (!addrs[i].first.empty() && addrs[i].second != 0 &&
        ::access(addrs[i].first.c_str(), R_OK) == 0)
      by_module[addrs[i].first].push_back(i);
  for (const auto& [module, idx] : by_module) {
    std::vector<std::uint64_t> offsets;
    for (std::size_t i : idx) offsets.push_back(addrs[i].second - 1);
    auto frames = addr2line(module, offsets, env.data());
    for (std::size_t k = 0; k < idx.size() && k < frames.size(); ++k) {
      Site s;
      if (!apply_frames(frames[k], s, !system_library(module))) continue;
      std::size_t slash = s.file.rfind('/');
      out[idx[k]] = s.file.substr(slash == std::string::npos ? 0 : slash + 1) + ":" +
                    std::to_string(s.line);
    }
  }
  return out;
}

void replace_code_label(std::string& text, const std::string& label, const std::string& with) {
  replace_label(text, label, with);
}

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
  for (const auto& [module, idx] : by_module) {
    if (::access(module.c_str(), R_OK) != 0) continue;
    constexpr std::size_t kBatch = 256;
    for (std::size_t b = 0; b < idx.size(); b += kBatch) {
      std::size_t e = std::min(idx.size(), b + kBatch);
      std::vector<std::uint64_t> offsets;
      for (std::size_t k = b; k < e; ++k) offsets.push_back(offset[idx[k]] - 1);
      auto frames = addr2line(module, offsets);
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
        if (!label.empty()) {
          replace_label(f.message, label, with);
          replace_label(f.message_template, label, with);
        }
  return resolved;
}

}  // namespace weft::trace
