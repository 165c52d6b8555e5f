// state.hpp: what the interposed functions share: the on/off switch, the per-thread re-entrancy
// guard, the object tables and the event helpers.
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <source_location>

#include "object_table.hpp"
#include "weft/runtime/event.hpp"

#define WEFT_PRELOAD_TLS __attribute__((tls_model("initial-exec")))

namespace weft::preload {

using rt::Ev;
using rt::ObjId;
using rt::ObjKind;
using rt::Sink;

// True once the constructor found no ThreadSanitizer and set up the tables. False: every
// interposed call goes straight to libc.
extern std::atomic<bool> g_enabled;

// True when WEFT_CHAOS asks for chaos points (weft run --chaos). Read once at start-up, so the
// lock path makes no Sink::chaos_point() call (a virtual call that does nothing) without it.
extern bool g_chaos;

// Set while this thread is inside the interposer's own bookkeeping or the sink: any pthread call
// made from there (the recorder's own locks, dlsym, ...) passes straight through.
extern thread_local bool t_busy WEFT_PRELOAD_TLS;

// address -> ObjId for mutexes, condvars, rwlocks and semaphores; (pthread_t | 1) -> ThreadCtl*.
extern ObjectTable g_objects;
// pthread_barrier_t address -> BarrierState*.
extern ObjectTable g_barriers;

// The sink when this call should be recorded, else nullptr. Three loads, no stores.
inline Sink* recording() noexcept {
  Sink* s = rt::active_sink();
  if (s == nullptr) [[likely]]
    return nullptr;
  if (!g_enabled.load(std::memory_order_relaxed) || t_busy) return nullptr;
  return s;
}

// Marks the calling thread busy for the scope (see t_busy).
struct Busy {
  Busy() noexcept { t_busy = true; }
  ~Busy() { t_busy = false; }
  Busy(const Busy&) = delete;
  Busy& operator=(const Busy&) = delete;
};

// Interposed calls have no source position of their own: their events carry the caller's
// return address as a code site (rt::site_from_pc), which readers symbolize to file:line. Every
// exported function starts with WEFT_NOTE_CALLER(); while recording (and not inside our own
// bookkeeping) it sets t_site for the events of this call.
extern thread_local std::source_location t_site WEFT_PRELOAD_TLS;
// (Busy around it: the first sight of an address allocates and calls dladdr.)
#define WEFT_NOTE_CALLER()                                                                     \
  do {                                                                                         \
    if (::weft::rt::active_sink() != nullptr && !::weft::preload::t_busy) [[unlikely]] {       \
      ::weft::preload::t_busy = true;                                                          \
      ::weft::preload::t_site =                                                                \
          ::weft::rt::site_from_pc(::weft::preload::user_pc(__builtin_return_address(0)));     \
      ::weft::preload::t_busy = false;                                                         \
    }                                                                                          \
  } while (0)

// The program's code address behind `pc`, the return address of an interposed call: `pc`
// itself, unless it lies in libstdc++ (std::condition_variable::notify_one and wait, std::thread's
// constructor call pthread from there). Then the stack is unwound to the first frame outside
// libstdc++, so that the site names the program's line, not a libstdc++ symbol. Call while busy.
const void* user_pc(const void* pc) noexcept;

// The lock and unlock paths note their caller inside their own Busy scope instead (one busy
// toggle per call, not two), through a small direct-mapped per-thread cache in front of
// rt::site_from_pc (whose records live as long as the process, so entries never go stale).
struct PcSite {
  const void* pc;
  std::source_location site;
};
inline constexpr std::size_t kPcSites = 8;
extern thread_local PcSite t_pc_sites[kPcSites] WEFT_PRELOAD_TLS;
// Sets t_site to the site of code address `pc`. Call while busy.
inline void note_site(const void* pc) noexcept {
  PcSite& e = t_pc_sites[(reinterpret_cast<std::uintptr_t>(pc) >> 2) % kPcSites];
  if (e.pc == pc) [[likely]] {
    t_site = e.site;
    return;
  }
  t_site = rt::site_from_pc(pc);
  if (t_site.file_name() != nullptr && t_site.file_name()[0] != '\0') e = {pc, t_site};
}

// Emits one event when a sink is (still) active.
inline void emit(Ev kind, ObjId obj, std::uint64_t arg) noexcept {
  if (Sink* s = rt::active_sink()) s->on_event(kind, obj, arg, t_site);
}

// Creates an object named after its address ("0x7ffd5c1e2a40").
ObjId make_object(ObjKind kind, const void* addr) noexcept;

// The id of the object at `addr`, created with `kind` on first sight (PTHREAD_*_INITIALIZER
// objects, objects initialised before recording began). 0 when the table is full.
ObjId create_id_for(const void* addr, ObjKind kind) noexcept;
inline ObjId id_for(const void* addr, ObjKind kind) noexcept {
  if (ObjId id = g_objects.find(reinterpret_cast<std::uintptr_t>(addr))) [[likely]]
    return id;
  return create_id_for(addr, kind);
}

// A thread started through the interposer. Owned jointly by the thread (until it ends) and by
// whoever joins or detaches it; freed when both are done.
struct ThreadCtl {
  void* (*fn)(void*);
  void* arg;
  ObjId id;
  ObjId parent;
  pthread_t handle;              // written by the thread itself before it runs fn
  std::atomic<int> refs{2};
  std::atomic<char*> pending_name{nullptr};  // set by pthread_setname_np from another thread
};

extern thread_local ThreadCtl* t_ctl WEFT_PRELOAD_TLS;

// The calling thread's kernel tid, cached (reset in a fork child: init.cpp).
extern thread_local pid_t t_tid WEFT_PRELOAD_TLS;
pid_t my_tid() noexcept;

// Hands a name given to this thread by another thread to the sink. Call while busy.
void deliver_pending_name() noexcept;

inline void check_pending_name() noexcept {
  if (t_ctl != nullptr && t_ctl->pending_name.load(std::memory_order_relaxed) != nullptr)
      [[unlikely]]
    deliver_pending_name();
}

// Installs the WEFT_PRELOAD_SELFTEST sink when that variable is set (selftest_sink.cpp).
void install_selftest_sink() noexcept;

}  // namespace weft::preload
