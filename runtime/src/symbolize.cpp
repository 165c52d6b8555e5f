// symbolize_sites(): code sites (trace record 0x45) to function and file:line, with addr2line.
//
// One run per ELF object and batch of addresses:
//   addr2line -e MODULE -a -f -C -i 0xADDR...
// prints, for each address, the address line and then (function, file:line) pairs from the
// innermost inlined frame outwards. A return address points after its call instruction, so the
// address asked about is offset - 1.
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "weft/runtime/config.hpp"
#include "weft/runtime/event.hpp"
#include "weft/runtime/labels.hpp"
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

// The module has a full symbol table (an ELF .symtab section). A stripped executable keeps only
// its dynamic symbols, and addr2line then names an address by the nearest exported one before it
// (stress-ng's functions all read "__stack_chk_fail"): such names are not the function's.
bool has_symtab(const std::string& module) {
  int fd = ::open(module.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool found = false;
  Elf64_Ehdr eh{};
  if (::pread(fd, &eh, sizeof eh, 0) == static_cast<ssize_t>(sizeof eh) &&
      std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
      eh.e_shentsize == sizeof(Elf64_Shdr) && eh.e_shnum > 0 && eh.e_shnum < 4096) {
    std::vector<Elf64_Shdr> sh(eh.e_shnum);
    auto bytes = static_cast<ssize_t>(sh.size() * sizeof(Elf64_Shdr));
    if (::pread(fd, sh.data(), static_cast<std::size_t>(bytes), static_cast<off_t>(eh.e_shoff)) ==
        bytes)
      found = std::any_of(sh.begin(), sh.end(),
                          [](const Elf64_Shdr& h) { return h.sh_type == SHT_SYMTAB; });
  }
  ::close(fd);
  return found;
}

// addr2line's function names for `module` are its own: not a system library, not stripped.
bool names_trusted(const std::string& module) {
  return !system_library(module) && has_symtab(module);
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

// The environment for a tool run from a recorded process: without LD_PRELOAD and WEFT_*, so the
// tool is not recorded itself.
std::vector<char*> clean_environment() {
  std::vector<char*> env;
  for (char** e = environ; e && *e; ++e)
    if (std::strncmp(*e, "LD_PRELOAD=", 11) != 0 && std::strncmp(*e, "WEFT_", 5) != 0)
      env.push_back(*e);
  env.push_back(nullptr);
  return env;
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

// Data symbols of an ELF object, sorted by address (nm: name, start and size in the file's
// addresses), read once per object and process.
struct DataSymbol {
  std::uint64_t start = 0, size = 0;
  std::string name;
};

const std::vector<DataSymbol>& data_symbols(const std::string& module, char* const* env) {
  // A spin lock, not a mutex: this also runs inside a recorded process (live_object_name), where
  // a pthread mutex of weft's own would be recorded.
  static std::atomic_flag busy = ATOMIC_FLAG_INIT;
  static std::map<std::string, std::vector<DataSymbol>> cache;
  while (busy.test_and_set(std::memory_order_acquire)) sched_yield();
  struct Release {
    ~Release() { busy.clear(std::memory_order_release); }
  } release;
  auto [it, fresh] = cache.try_emplace(module);
  if (!fresh) return it->second;
  static const char* const kTools[] = {"nm", "llvm-nm-19", "llvm-nm"};
  std::string out;
  for (const char* tool : kTools) {
    out.clear();
    if (run_capture({tool, "-S", "-C", "--defined-only", module}, out, env)) break;
    out.clear();
  }
  std::vector<DataSymbol>& syms = it->second;
  std::size_t at = 0;
  while (at < out.size()) {
    std::size_t nl = out.find('\n', at);
    if (nl == std::string::npos) nl = out.size();
    std::string line = out.substr(at, nl - at);
    at = nl + 1;
    // "0000000000004040 0000000000000028 B balance_mutex": address, size, type, name.
    char* end = nullptr;
    std::uint64_t start = std::strtoull(line.c_str(), &end, 16);
    if (end == line.c_str() || *end != ' ') continue;
    char* end2 = nullptr;
    std::uint64_t size = std::strtoull(end + 1, &end2, 16);
    if (end2 == end + 1 || *end2 != ' ' || end2[1] == '\0' || end2[2] != ' ' || size == 0) continue;
    if (!std::strchr("BbDdGgSsVvu", end2[1])) continue;  // data, bss, small data, weak objects
    std::string name(end2 + 3);
    // GCC names a C function's static variable "m.0": the ".N" is not part of the name (no C or
    // C++ identifier has a dot; clang's "function.m" is kept as it is).
    if (auto dot = name.rfind('.'); dot != std::string::npos && dot + 1 < name.size() &&
        name.find_first_not_of("0123456789", dot + 1) == std::string::npos)
      name.resize(dot);
    syms.push_back({start, size, std::move(name)});
  }
  std::sort(syms.begin(), syms.end(),
            [](const DataSymbol& a, const DataSymbol& b) { return a.start < b.start; });
  return syms;
}

MemberResolver g_member_resolver = nullptr;

// The variable at `offset` of `module`: "name", "name[3].mu" for a member or element when the
// member resolver (or, in a recorded process, `self`'s `__variable`) knows its debug
// information, else "name+N" for one N bytes in; "" when no data symbol covers it.
std::string data_symbol_name(const std::string& module, std::uint64_t offset, std::uint64_t size,
                             char* const* env, const char* self = nullptr) {
  const auto& syms = data_symbols(module, env);
  auto it = std::upper_bound(syms.begin(), syms.end(), offset,
                             [](std::uint64_t off, const DataSymbol& s) { return off < s.start; });
  if (it == syms.begin()) return {};
  --it;
  if (offset >= it->start + it->size) return {};
  std::uint64_t delta = offset - it->start;
  if (delta == 0 && size == it->size) return it->name;  // the variable is the object
  std::string path;
  if (g_member_resolver != nullptr) {
    path = g_member_resolver(module, it->start, offset, size);
  } else if (self != nullptr && *self != '\0') {
    char start[32], at[32];
    std::snprintf(start, sizeof start, "%" PRIx64, it->start);
    std::snprintf(at, sizeof at, "%" PRIx64, offset);
    std::string out;
    if (run_capture({self, "__variable", module, start, at, std::to_string(size)}, out, env)) {
      while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
      path = std::move(out);
    }
  }
  if (!path.empty()) return it->name + path;
  return delta == 0 ? it->name : it->name + "+" + std::to_string(delta);
}

// The address an interposed object's name spells ("0x55d8118c10e0"), or 0.
std::uint64_t address_name(const std::string& name) {
  if (name.size() < 3 || name[0] != '0' || name[1] != 'x') return 0;
  for (std::size_t i = 2; i < name.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(name[i]))) return 0;
  return std::strtoull(name.c_str() + 2, nullptr, 16);
}

}  // namespace

std::size_t name_objects(Trace& t) {
  std::size_t named = 0;
  // A fork child keeps its parent's modules (and writes no module records for them).
  std::map<std::uint32_t, std::uint32_t> parent;
  for (const Process& p : t.processes) parent[p.pid] = p.parent_pid;
  auto in_process = [&](const Module& m, std::uint32_t pid) {
    for (int hops = 0; pid != 0 && hops < 64; ++hops, pid = parent[pid])
      if (m.pid == pid) return true;
    return false;
  };
  for (Object& o : t.objects) {
    std::uint64_t a = address_name(o.name);
    if (a == 0) continue;
    for (const Module& m : t.modules) {
      if (!in_process(m, o.pid) || a < m.bias || ::access(m.path.c_str(), R_OK) != 0) continue;
      std::string name = data_symbol_name(m.path, a - m.bias, interposed_object_size(o.kind), environ);
      if (name.empty()) continue;
      o.address = o.name;
      o.name = name;
      ++named;
      break;
    }
  }
  if (named > 0) render_messages(t);
  return named;
}

void set_member_resolver(MemberResolver resolver) { g_member_resolver = resolver; }

std::uint64_t interposed_object_size(rt::ObjKind kind) {
  switch (kind) {
    case rt::ObjKind::Mutex:
    case rt::ObjKind::RecursiveMutex: return sizeof(pthread_mutex_t);
    case rt::ObjKind::CondVar: return sizeof(pthread_cond_t);
    case rt::ObjKind::RWLock: return sizeof(pthread_rwlock_t);
    case rt::ObjKind::PosixSemaphore: return sizeof(sem_t);
    case rt::ObjKind::PosixBarrier: return sizeof(pthread_barrier_t);
    case rt::ObjKind::SpinLock: return sizeof(pthread_spinlock_t);
    default: return 0;
  }
}

std::string live_object_name(const void* address, std::uint64_t size) {
  Dl_info di;
  link_map* lm = nullptr;
  if (::dladdr1(address, &di, reinterpret_cast<void**>(&lm), RTLD_DL_LINKMAP) == 0 ||
      lm == nullptr || di.dli_fname == nullptr)
    return {};
  std::vector<char*> env = clean_environment();
  std::string module = di.dli_fname;
  // The main program's link_map has an empty name: its path is /proc/self/exe's target.
  if (module.empty() || module.find('/') == std::string::npos) {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return {};
    module.assign(buf, static_cast<std::size_t>(n));
  }
  return data_symbol_name(module, reinterpret_cast<std::uintptr_t>(address) - lm->l_addr, size,
                          env.data(), rt::config().self.empty() ? nullptr : rt::config().self.c_str());
}

namespace {
// Runs addr2line once per module over the (module, offset) pairs it can read (skipping system
// libraries when `skip_system`) and hands each pair's frames, innermost first, to `use` with its
// index; `trusted` tells whether the module's function names are its own.
template <class Use>
void for_each_code_frames(const std::vector<std::pair<std::string, std::uint64_t>>& addrs,
                          bool skip_system, Use&& use) {
  std::vector<char*> env = clean_environment();
  std::map<std::string, std::vector<std::size_t>> by_module;
  for (std::size_t i = 0; i < addrs.size(); ++i)
    if (!addrs[i].first.empty() && addrs[i].second != 0 &&
        !(skip_system && system_library(addrs[i].first)) &&
        ::access(addrs[i].first.c_str(), R_OK) == 0)
      by_module[addrs[i].first].push_back(i);
  for (const auto& [module, idx] : by_module) {
    std::vector<std::uint64_t> offsets;
    for (std::size_t i : idx) offsets.push_back(addrs[i].second - 1);
    auto frames = addr2line(module, offsets, env.data());
    bool trusted = names_trusted(module);
    for (std::size_t k = 0; k < idx.size() && k < frames.size(); ++k)
      use(idx[k], frames[k], trusted);
  }
}
}  // namespace

std::vector<std::string> symbolize_code_labels(
    const std::vector<std::pair<std::string, std::uint64_t>>& addrs) {
  std::vector<std::string> out(addrs.size());
  for_each_code_frames(addrs, false, [&](std::size_t i, const std::vector<Frame>& frames,
                                         bool trusted) {
    Site s;
    if (!apply_frames(frames, s, trusted)) return;
    std::size_t slash = s.file.rfind('/');
    out[i] = s.file.substr(slash == std::string::npos ? 0 : slash + 1) + ":" +
             std::to_string(s.line);
  });
  return out;
}

std::vector<std::string> symbolize_code_functions(
    const std::vector<std::pair<std::string, std::uint64_t>>& addrs) {
  std::vector<std::string> out(addrs.size());
  for_each_code_frames(addrs, true, [&](std::size_t i, const std::vector<Frame>& frames,
                                        bool trusted) {
    Site s;
    if (!apply_frames(frames, s, trusted) && !trusted) return;  // a stripped module's guess
    if (!frames.empty() && frames.back().function != "??") out[i] = s.function;
  });
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
  std::vector<bool> routine_ok(t.sites.size(), false);  // the tool named its function, trusted
  for (const auto& [module, idx] : by_module) {
    if (::access(module.c_str(), R_OK) != 0) continue;
    constexpr std::size_t kBatch = 256;
    const bool trusted = names_trusted(module);
    for (std::size_t b = 0; b < idx.size(); b += kBatch) {
      std::size_t e = std::min(idx.size(), b + kBatch);
      std::vector<std::uint64_t> offsets;
      for (std::size_t k = b; k < e; ++k) offsets.push_back(offset[idx[k]] - 1);
      auto frames = addr2line(module, offsets);
      for (std::size_t k = b; k < e && k - b < frames.size(); ++k) {
        Site& site = t.sites[idx[k]];
        std::string label = site.file;
        bool line = apply_frames(frames[k - b], site, trusted);
        routine_ok[idx[k]] = trusted && !frames[k - b].empty() &&
                             frames[k - b].back().function != "??";
        if (!line) continue;
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
  // Unnamed threads started through the interposer: their start routine (the ThreadStart site).
  for (Thread& th : t.threads) {
    auto s = static_cast<std::size_t>(th.start_site);
    if (th.start_site >= 0 && s < t.sites.size() && routine_ok[s] && !t.sites[s].function.empty())
      th.routine = routine_name(t.sites[s].function);
  }
  name_objects(t);
  render_messages(t);
  return resolved;
}

}  // namespace weft::trace
