// Call sites known only by a code address (event.hpp: site_from_pc, pc_site_info).
//
// A std::source_location is one pointer to a static {file, function, line, column} record. For a
// code address we build such a record once (leaked: call sites live as long as the program) and
// hand out locations that point at it, so every consumer of source_locations (the detectors'
// held-lock stacks and findings, the recorder's site interning) carries it unchanged. The record
// is followed by what only the recorder reads (the ELF object and offset for symbolization), and
// is marked by column == kPcColumn.
//
// Cost: a direct-mapped per-thread cache (one TLS load, one compare); the first sight of an
// address in a thread takes a spin lock and a hash lookup, the first sight in the process also
// dladdr() and two small allocations. Nothing here calls an interposed function.
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <source_location>
#include <string>
#include <thread>
#include <unordered_map>

#include "location_record.hpp"
#include "weft/runtime/event.hpp"

namespace weft::rt {

namespace {

constexpr unsigned kPcColumn = 0xFFFFFFFFu;

// Laid out like the record a std::source_location points at (libstdc++: __impl), then ours.
struct PcRecord {
  const char* file;      // display label, e.g. "worker() in prog+0x1a2b"
  const char* function;  // demangled symbol name from dladdr, or ""
  unsigned line;         // 0
  unsigned column;       // kPcColumn
  PcSiteInfo info;
};

std::source_location location_of(const PcRecord* r) noexcept { return location_at(r); }

const PcRecord* record_of(const std::source_location& loc) noexcept {
  if constexpr (!kLocationIsPointer) return nullptr;
  if (loc.column() != kPcColumn || loc.line() != 0) return nullptr;
  return static_cast<const PcRecord*>(location_record(loc));
}

// A spin lock that records the pid of its holder. fork() copies a lock held by another thread
// into a child where that thread does not exist (and other libraries' fork handlers may record
// before any handler of ours could release it), so a lock held by another process is taken over.
class Spin {
 public:
  void lock() noexcept {
    const int me = static_cast<int>(::getpid());
    for (;;) {
      int cur = 0;
      if (holder_.compare_exchange_weak(cur, me, std::memory_order_acquire)) return;
      if (cur != 0 && cur != me && holder_.compare_exchange_strong(cur, me, std::memory_order_acquire))
        return;  // inherited across fork from a thread of the parent
      sched_yield();
    }
  }
  void unlock() noexcept { holder_.store(0, std::memory_order_release); }

 private:
  std::atomic<int> holder_{0};
};

Spin g_mu;
std::unordered_map<const void*, const PcRecord*>* g_records = nullptr;  // guarded by g_mu; leaked

std::string self_exe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  return std::string(buf, static_cast<std::size_t>(n));
}

const PcRecord* make_record(const void* pc) noexcept {
  try {
    auto* r = new PcRecord{"", "", 0, kPcColumn, {pc, "", 0}};
    std::string module, function, label;
    Dl_info di{};
    link_map* lm = nullptr;
    if (::dladdr1(pc, &di, reinterpret_cast<void**>(&lm), RTLD_DL_LINKMAP) != 0 && lm != nullptr) {
      module = (lm->l_name && lm->l_name[0]) ? lm->l_name : self_exe();
      r->info.offset = reinterpret_cast<std::uintptr_t>(pc) - lm->l_addr;
      if (di.dli_sname) {
        int status = 0;
        char* d = abi::__cxa_demangle(di.dli_sname, nullptr, nullptr, &status);
        function = (status == 0 && d) ? d : di.dli_sname;
        std::free(d);
      }
    } else {
      r->info.offset = reinterpret_cast<std::uintptr_t>(pc);
    }
    std::string base = module.substr(module.rfind('/') == std::string::npos ? 0 : module.rfind('/') + 1);
    char off[32];
    std::snprintf(off, sizeof off, "+0x%llx", static_cast<unsigned long long>(r->info.offset));
    label = function.empty() ? base + off : function + " in " + base + off;
    r->info.module = (new std::string(module))->c_str();
    r->function = (new std::string(function))->c_str();
    r->file = (new std::string(label))->c_str();
    return r;
  } catch (...) {
    return nullptr;
  }
}

struct CacheEntry {
  const void* pc;
  const PcRecord* rec;
};
constexpr std::size_t kCache = 64;
constinit thread_local CacheEntry t_cache[kCache] __attribute__((tls_model("initial-exec"))) = {};

}  // namespace

std::source_location site_from_pc(const void* pc) noexcept {
  if (!kLocationIsPointer || pc == nullptr) return {};
  std::size_t slot = (reinterpret_cast<std::uintptr_t>(pc) >> 2) % kCache;
  CacheEntry& e = t_cache[slot];
  if (e.pc == pc) [[likely]]
    return location_of(e.rec);
  const PcRecord* rec = nullptr;
  g_mu.lock();
  try {
    if (g_records == nullptr) g_records = new std::unordered_map<const void*, const PcRecord*>();
    auto it = g_records->find(pc);
    if (it != g_records->end()) {
      rec = it->second;
    } else if ((rec = make_record(pc)) != nullptr) {
      g_records->emplace(pc, rec);
    }
  } catch (...) {
    rec = nullptr;
  }
  g_mu.unlock();
  if (rec == nullptr) return {};
  e = {pc, rec};
  return location_of(rec);
}

const PcSiteInfo* pc_site_info(const std::source_location& where) noexcept {
  const PcRecord* r = record_of(where);
  return r ? &r->info : nullptr;
}

bool is_system_header(const char* file) noexcept {
  if (file == nullptr) return false;
  // clang names libstdc++'s headers through GCC's directory:
  // /usr/lib/gcc/x86_64-linux-gnu/12/../../../../include/x86_64-linux-gnu/c++/12/bits/gthr-default.h
  return std::strncmp(file, "/usr/include/", 13) == 0 || std::strncmp(file, "/usr/lib/gcc/", 13) == 0 ||
         std::strncmp(file, "/usr/lib/llvm-", 14) == 0 || std::strstr(file, "/include/c++/") != nullptr;
}

}  // namespace weft::rt
