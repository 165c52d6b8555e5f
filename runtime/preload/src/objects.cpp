// objects.cpp: what every family of interposed functions shares: the switches and per-thread
// state of state.hpp, the address -> object tables, object lifetimes (init, destroy, use after
// destroy) and the caller's frame below libstdc++.
#include <dlfcn.h>
#include <link.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <unwind.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "state.hpp"

namespace weft::preload {

std::atomic<bool> g_enabled{false};
bool g_chaos = false;
std::atomic<std::uint32_t> g_modes{kModeOff};
constinit thread_local bool t_busy WEFT_PRELOAD_TLS = false;
const rt::HostTable* g_host = nullptr;
constinit thread_local unsigned* t_host_quiet WEFT_PRELOAD_TLS = nullptr;
constinit thread_local ThreadCtl* t_ctl WEFT_PRELOAD_TLS = nullptr;
std::atomic<bool> g_names_pending{false};
constinit thread_local pid_t t_tid WEFT_PRELOAD_TLS = 0;
constinit thread_local bool t_start_pending WEFT_PRELOAD_TLS = false;
bool g_tsan_ahead = false;
bool g_tsan_behind = false;
void (*g_tsan_func_entry)(void*) = nullptr;
void (*g_tsan_func_exit)() = nullptr;
constinit thread_local std::source_location t_site WEFT_PRELOAD_TLS{};
constinit thread_local PcSite t_pc_sites[kPcSites] WEFT_PRELOAD_TLS{};

pid_t my_tid() noexcept {
  if (t_tid == 0) t_tid = static_cast<pid_t>(syscall(SYS_gettid));
  return t_tid;
}
ObjectTable g_objects;
ObjectTable g_barriers;
ObjectTable g_destroyed;

namespace {

std::uintptr_t addr_key(const void* p) noexcept { return reinterpret_cast<std::uintptr_t>(p); }

// FNV-1a over the object's bytes; never 0 (0 means "absent" in an ObjectTable).
std::uint64_t fingerprint(const void* addr, std::size_t size) noexcept {
  const auto* p = static_cast<const unsigned char*>(addr);
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < size; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h | 1;
}

// ---- the caller's frame below libstdc++ -----------------------------------------------------

struct Libraries {
  TextRanges libstdcxx, self;  // self: this preload library
};

int find_libraries(dl_phdr_info* info, std::size_t, void* out) noexcept {
  auto* libs = static_cast<Libraries*>(out);
  if (info->dlpi_name != nullptr && std::strstr(info->dlpi_name, "/libstdc++.so") != nullptr)
    libs->libstdcxx.add_text_of(info);
  TextRanges mine;
  mine.add_text_of(info);
  if (mine.contains(reinterpret_cast<std::uintptr_t>(&find_libraries))) libs->self = mine;
  return 0;
}

const Libraries& libraries() noexcept {
  static const Libraries libs = [] {
    Libraries l;
    ::dl_iterate_phdr(find_libraries, &l);
    return l;
  }();
  return libs;
}

struct Unwind {
  const Libraries* libs;
  bool seen_lib = false;  // passed a libstdc++ frame: the next frame outside it is the caller
  int depth = 0;
  const void* found = nullptr;
  const void* interceptor = nullptr;  // pass this frame (TSan's interceptor) first
};

// A return address inside one of ThreadSanitizer's interceptors, linked into the executable
// with clang's static runtime (which exports them as `__interceptor_<name>`).
bool in_tsan_interceptor(const void* pc) noexcept {
  Dl_info info{};
  if (::dladdr(static_cast<const char*>(pc) - 1, &info) == 0 || info.dli_sname == nullptr) return false;
  const char* n = info.dli_sname;
  while (*n == '_') ++n;
  return std::strncmp(n, "interceptor_", 12) == 0;
}

_Unwind_Reason_Code unwind_step(_Unwind_Context* ctx, void* arg) noexcept {
  auto* w = static_cast<Unwind*>(arg);
  if (++w->depth > 32) return _URC_END_OF_STACK;
  std::uintptr_t ip = _Unwind_GetIP(ctx);
  if (ip == 0) return _URC_NO_REASON;
  if (w->interceptor != nullptr) {
    // Frames up to the interceptor's are weft's own; the one after it called the interceptor.
    if (reinterpret_cast<const void*>(ip) == w->interceptor) w->interceptor = nullptr;
    return _URC_NO_REASON;
  }
  // An out-of-line standard-header function between libstdc++ and the program (the template
  // std::condition_variable::wait(lock, pred) at -O0) is the library's too.
  if (w->libs->libstdcxx.contains(ip - 1) || (w->seen_lib && in_std_header_function(ip - 1))) {
    w->seen_lib = true;
  } else if (w->seen_lib) {
    // Below libstdc++ only weft's thread trampoline: the program's frames were tail calls.
    if (!w->libs->self.contains(ip - 1)) w->found = reinterpret_cast<const void*>(ip);
    return _URC_END_OF_STACK;
  }
  return _URC_NO_REASON;
}

}  // namespace

namespace {
// The first frame below the frame that returns to `pc` (inside an out-of-line standard-header
// function) that is neither such a function nor libstdc++: the program's call.
struct BelowStd {
  const Libraries* libs;
  const void* pc;
  bool at = false;
  int depth = 0;
  const void* found = nullptr;
};

const void* caller_below_std(const void* pc) noexcept {
  BelowStd b{&libraries(), pc};
  _Unwind_Backtrace(
      [](_Unwind_Context* ctx, void* arg) noexcept -> _Unwind_Reason_Code {
        auto* b = static_cast<BelowStd*>(arg);
        if (++b->depth > 48) return _URC_END_OF_STACK;
        std::uintptr_t ip = _Unwind_GetIP(ctx);
        if (ip == 0) return _URC_NO_REASON;
        if (!b->at) {
          if (reinterpret_cast<const void*>(ip) == b->pc) b->at = true;
          return _URC_NO_REASON;
        }
        if (b->libs->libstdcxx.contains(ip - 1) || in_std_header_function(ip - 1))
          return _URC_NO_REASON;
        if (!b->libs->self.contains(ip - 1)) b->found = reinterpret_cast<const void*>(ip);
        return _URC_END_OF_STACK;
      },
      &b);
  return b.found != nullptr ? b.found : pc;
}
}  // namespace

rt::SiteMemo* note_site_slow(const void* pc, PcSite& entry) noexcept {
  static constinit thread_local rt::SiteMemo scratch WEFT_PRELOAD_TLS{};
  scratch = {};
  auto a = reinterpret_cast<std::uintptr_t>(pc);
  if (a != 0 && in_std_header_function(a - 1)) [[unlikely]] {
    t_site = rt::site_from_pc(caller_below_std(pc));
    return &scratch;
  }
  t_site = rt::site_from_pc(pc);
  if (t_site.file_name() == nullptr || t_site.file_name()[0] == '\0') return &scratch;
  entry = {pc, t_site, {}};
  return &entry.memo;
}

const void* user_pc(const void* pc) noexcept {
  const Libraries& libs = libraries();
  if (g_tsan_ahead && in_tsan_interceptor(pc)) [[unlikely]] {
    // The program (or libstdc++) called TSan's interceptor, which called us: unwind past it.
    Unwind w{&libs};
    w.interceptor = pc;
    w.seen_lib = false;
    _Unwind_Backtrace(
        [](_Unwind_Context* ctx, void* arg) noexcept -> _Unwind_Reason_Code {
          auto* u = static_cast<Unwind*>(arg);
          if (u->interceptor != nullptr) return unwind_step(ctx, arg);
          std::uintptr_t ip = _Unwind_GetIP(ctx);
          if (ip == 0) return _URC_NO_REASON;
          // The interceptor's caller: the program, or libstdc++ on the program's behalf.
          if (u->libs->libstdcxx.contains(ip - 1)) {
            u->seen_lib = true;
            return _URC_NO_REASON;
          }
          u->found = reinterpret_cast<const void*>(ip);
          return _URC_END_OF_STACK;
        },
        &w);
    return w.found != nullptr ? w.found : pc;
  }
  if (!libs.libstdcxx.contains(reinterpret_cast<std::uintptr_t>(pc) - 1)) [[likely]]
    return pc;
  Unwind w{&libs};
  _Unwind_Backtrace(unwind_step, &w);
  return w.found != nullptr ? w.found : pc;
}

// ---- objects --------------------------------------------------------------------------------

ObjId make_object(ObjKind kind, const void* addr) noexcept {
  char name[2 + 16 + 1];
  std::snprintf(name, sizeof name, "%p", addr);
  return rt::new_object(kind, name, t_site);  // first use: where the program touched it
}

ObjId settled_id(std::uintptr_t key, std::uint64_t v) noexcept {
  // Another thread is reporting the object (between its insert and its update: one event's
  // worth of work). Bounded: a fork child never sees its parent's other threads finish.
  for (int i = 0; i < 4096 && (v & kPendingId); ++i) {
    sched_yield();
    v = g_objects.find(key);
  }
  std::atomic_thread_fence(std::memory_order_acquire);
  return v & ~kPendingId;
}

ObjId create_id_for(const void* addr, ObjKind kind) noexcept {
  if (g_objects.full()) return 0;
  // The id is stored (marked pending) before the object is reported, and only the thread whose
  // insert won reports it: two threads touching an object first at once record it once. The
  // report is made outside the table's lock (see fork in README.md).
  ObjId id = rt::reserve_object_id();
  bool inserted;
  std::uint64_t stored = g_objects.insert_if_absent(addr_key(addr), id | kPendingId, &inserted);
  if (!inserted) return stored == 0 ? 0 : settled_id(addr_key(addr), stored);
  char name[2 + 16 + 1];
  std::snprintf(name, sizeof name, "%p", addr);
  rt::announce_object(id, kind, name, t_site);
  g_objects.update(addr_key(addr), id | kPendingId, id);
  return id;
}

ObjId register_init(const void* addr, ObjKind kind) noexcept {
  g_destroyed.erase(addr_key(addr));
  ObjId id = make_object(kind, addr);
  if (ObjId old = g_objects.replace(addr_key(addr), id) & ~kPendingId) rt::destroy_object(old);
  return id;
}

ObjId known_object(const void* addr) noexcept {
  return g_objects.find(addr_key(addr)) & ~kPendingId;
}

ObjId destroy_begin(const CallSteps& c, const void* addr, ObjKind kind) noexcept {
  ObjId id = g_objects.find(addr_key(addr));
  if (id & kPendingId) id = settled_id(addr_key(addr), id);
  if (id == 0) id = create_id_for(addr, kind);
  if (id != 0) c.destroy_begin(id);
  return id;
}

// g_destroyed's value: the upper half of the bytes' fingerprint and the dead object's id (ids
// of a process stay far below 2^32).
constexpr std::uint64_t kFingerprintMask = 0xffffffff00000000ull;

void destroyed(const void* addr, std::size_t size) noexcept {
  ObjId old = g_objects.erase(addr_key(addr)) & ~kPendingId;
  if (old != 0) rt::destroy_object(old);
  if (size != 0 && old != 0 && old <= 0xffffffffu && !g_destroyed.full())
    g_destroyed.replace(addr_key(addr), (fingerprint(addr, size) & kFingerprintMask) | old);
}

ObjId use_id_slow(const CallSteps& c, const void* addr, ObjKind kind, std::size_t size) noexcept {
  if (ObjId id = g_objects.find(addr_key(addr))) return settled_id(addr_key(addr), id);
  // First sight since a destroy: the same bytes mean the program uses the dead object (it keeps
  // its id, so its holders and waiters still match); changed bytes mean it was set up anew (a
  // static initialiser, memset, another object's memory).
  if (std::uint64_t dead = g_destroyed.erase(addr_key(addr))) {
    if ((dead & kFingerprintMask) == (fingerprint(addr, size) & kFingerprintMask)) {
      ObjId id = dead & 0xffffffffu;
      bool inserted;
      id = g_objects.insert_if_absent(addr_key(addr), id, &inserted);
      if (id & kPendingId) id = settled_id(addr_key(addr), id);
      if (id != 0) c.misuse(id, rt::MisuseCode::UseAfterDestroy);
      return id;
    }
  }
  return create_id_for(addr, kind);
}

void deliver_pending_name() noexcept {
  char* name = t_ctl->pending_name.exchange(nullptr, std::memory_order_acq_rel);
  if (name == nullptr) return;
  rt::name_current_thread(name);
  std::free(name);
}

}  // namespace weft::preload
