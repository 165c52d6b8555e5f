// std_frames.cpp: code of the C++ standard library's headers compiled into the program.
//
// An interposed call's site is its caller's return address. With inlining, std::mutex::lock()
// or a std::unique_lock constructor melts into the program's function and the address names
// the program's line. Without it (a -O0 build, or main(), which GCC optimizes for size) the
// caller is an out-of-line copy of the header's function inside the program — std::mutex::lock(),
// __gthread_mutex_lock() — and every lock of the program would be sited in that one function of
// <bits/std_mutex.h>. Those functions are told apart by their (mangled) names in the module's
// symbol table, read once per module, and the site is then the first frame below them that is
// neither theirs nor libstdc++'s.
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "../../src/spin_lock.hpp"
#include "state.hpp"

namespace weft::preload {
namespace {

// A function of the standard library's headers or of libstdc++'s threads layer, by its mangled
// name: std:: (_ZNSt, _ZNKSt, _ZSt), __gnu_cxx:: and the static __gthread_* / __gthrw_*
// helpers of <bits/gthr-posix.h> (_ZL<length>__gthr...).
// Not the functions that call the program's own callable, into which the compiler inlines it:
// std::thread's _State_impl<...>::_M_run (a lambda given to std::thread) and std::function's
// _Function_handler<...>::_M_invoke. A lock taken there is the lambda's, on the program's line.
bool std_header_name(const char* n) noexcept {
  if (std::strncmp(n, "_ZNSt", 5) == 0 || std::strncmp(n, "_ZNKSt", 6) == 0 ||
      std::strncmp(n, "_ZSt", 4) == 0 || std::strncmp(n, "_ZN9__gnu_cxx", 13) == 0 ||
      std::strncmp(n, "_ZNK9__gnu_cxx", 14) == 0)
    return !(std::strstr(n, "11_State_impl") && std::strstr(n, "6_M_run")) &&
           !(std::strstr(n, "17_Function_handler") && std::strstr(n, "9_M_invoke"));
  if (std::strncmp(n, "_ZL", 3) != 0) return false;
  n += 3;
  while (*n >= '0' && *n <= '9') ++n;
  return std::strncmp(n, "__gthr", 6) == 0;
}

// One loaded module: its executable ranges and the standard-header functions in it, sorted.
struct Module {
  TextRanges text;
  std::pair<std::uintptr_t, std::uintptr_t>* funcs = nullptr;  // [start, end)
  std::size_t n_funcs = 0;
};

constexpr int kMaxModules = 128;
Module g_modules[kMaxModules];
std::atomic<int> g_n_modules{0};
rt::SpinLock g_modules_mu;

// The standard-header functions in the symbol table (.symtab) of the ELF file at `path`, loaded
// at `base`. None when the file has no symbol table (stripped) or cannot be read.
std::vector<std::pair<std::uintptr_t, std::uintptr_t>> read_std_functions(const char* path,
                                                                          std::uintptr_t base) {
  std::vector<std::pair<std::uintptr_t, std::uintptr_t>> out;
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  struct stat st;
  void* map = MAP_FAILED;
  if (::fstat(fd, &st) == 0 && st.st_size >= static_cast<off_t>(sizeof(ElfW(Ehdr))))
    map = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return out;
  const auto* bytes = static_cast<const unsigned char*>(map);
  const std::size_t size = static_cast<std::size_t>(st.st_size);
  const auto* eh = static_cast<const ElfW(Ehdr)*>(map);
  bool ok = std::memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
            eh->e_shentsize == sizeof(ElfW(Shdr)) && eh->e_shoff < size &&
            eh->e_shnum <= (size - eh->e_shoff) / sizeof(ElfW(Shdr));
  if (ok) {
    const auto* sh = reinterpret_cast<const ElfW(Shdr)*>(bytes + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; ++i) {
      if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) continue;
      const ElfW(Shdr)& strs = sh[sh[i].sh_link];
      if (sh[i].sh_offset > size || sh[i].sh_size > size - sh[i].sh_offset ||
          strs.sh_offset > size || strs.sh_size > size - strs.sh_offset || strs.sh_size == 0)
        continue;
      const auto* syms = reinterpret_cast<const ElfW(Sym)*>(bytes + sh[i].sh_offset);
      const char* names = reinterpret_cast<const char*>(bytes + strs.sh_offset);
      if (names[strs.sh_size - 1] != '\0') continue;  // every name ends inside the table
      std::size_t n = sh[i].sh_size / sizeof(ElfW(Sym));
      for (std::size_t k = 0; k < n; ++k) {
        const ElfW(Sym)& s = syms[k];
        if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF || s.st_size == 0 ||
            s.st_name >= strs.sh_size)
          continue;
        if (std_header_name(names + s.st_name))
          out.emplace_back(base + s.st_value, base + s.st_value + s.st_size);
      }
    }
  }
  ::munmap(map, size);
  std::sort(out.begin(), out.end());
  return out;
}

struct FindText {
  std::uintptr_t pc;
  TextRanges text;
  bool found = false;
};

// The module that holds code address `pc`, read and remembered on first sight; nullptr when
// `pc` is in no module or the table is full.
const Module* module_of(std::uintptr_t pc) {
  int n = g_n_modules.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i)
    if (g_modules[i].text.contains(pc)) return &g_modules[i];
  Dl_info info{};
  link_map* lm = nullptr;
  if (::dladdr1(reinterpret_cast<void*>(pc), &info, reinterpret_cast<void**>(&lm),
                RTLD_DL_LINKMAP) == 0 || lm == nullptr)
    return nullptr;
  FindText f{pc, {}, false};
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* arg) noexcept -> int {
        auto* f = static_cast<FindText*>(arg);
        TextRanges t;
        t.add_text_of(info);
        if (!t.contains(f->pc)) return 0;
        f->text = t;
        f->found = true;
        return 1;
      },
      &f);
  if (!f.found) return nullptr;
  // The main program's link_map has an empty name: its file is /proc/self/exe.
  std::string path = lm->l_name != nullptr && lm->l_name[0] != '\0' ? lm->l_name : "/proc/self/exe";
  auto funcs = read_std_functions(path.c_str(), lm->l_addr);
  rt::SpinGuard g(g_modules_mu);
  n = g_n_modules.load(std::memory_order_relaxed);
  for (int i = 0; i < n; ++i)  // another thread was first
    if (g_modules[i].text.contains(pc)) return &g_modules[i];
  if (n == kMaxModules) return nullptr;
  Module& m = g_modules[n];
  m.text = f.text;
  if (!funcs.empty()) {
    m.funcs = new (std::nothrow) std::pair<std::uintptr_t, std::uintptr_t>[funcs.size()];
    if (m.funcs != nullptr) {
      std::copy(funcs.begin(), funcs.end(), m.funcs);
      m.n_funcs = funcs.size();
    }
  }
  g_n_modules.store(n + 1, std::memory_order_release);
  return &m;
}

}  // namespace

bool in_std_header_function(std::uintptr_t pc) noexcept {
  try {
    const Module* m = module_of(pc);
    if (m == nullptr || m->n_funcs == 0) return false;
    using Range = std::pair<std::uintptr_t, std::uintptr_t>;
    const Range* first = m->funcs;
    const Range* it = std::upper_bound(first, first + m->n_funcs, pc,
                                       [](std::uintptr_t a, const Range& r) { return a < r.first; });
    return it != first && pc < (it - 1)->second;
  } catch (...) {
    return false;
  }
}

}  // namespace weft::preload
