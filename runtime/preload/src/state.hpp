// state.hpp: what the interposed functions share: the on/off switch, the per-thread re-entrancy
// guard, the object tables and the event helpers.
#pragma once

#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <source_location>

#include "object_table.hpp"
#include "site_memo.hpp"
#include "weft/runtime/event.hpp"
#include "weft/runtime/host.hpp"
#include "weft/runtime/protocol.hpp"
#include "weft/runtime/tsan.hpp"

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

// The interposer's rare modes, one bit each in one word, so that the common case (recording, no
// ThreadSanitizer on either side, no chaos) tests a single load against 0 and takes one branch to
// the general path otherwise. Set once by the library constructor (init.cpp), next to the flags
// the general path reads (g_enabled, g_chaos, g_tsan_ahead, g_tsan_behind, rt::tsan::g_present),
// before any thread but the main one exists; kModeOff until then, and for good when the
// constructor found no room for its tables.
enum ModeBit : std::uint32_t {
  kModeOff = 1u << 0,          // not enabled (g_enabled is false)
  kModeTsanPresent = 1u << 1,  // rt::tsan::g_present: weft's work runs in TSan ignore brackets
  kModeTsanAhead = 1u << 2,    // g_tsan_ahead
  kModeTsanBehind = 1u << 3,   // g_tsan_behind
  kModeChaos = 1u << 4,        // g_chaos
  kModeHost = 1u << 5,         // g_host: recording into a weft-linked program's runtime
};
extern std::atomic<std::uint32_t> g_modes;
inline std::uint32_t modes() noexcept { return g_modes.load(std::memory_order_relaxed); }

// Set while this thread is inside the interposer's own bookkeeping or the sink: any pthread call
// made from there (the recorder's own locks, dlsym, ...) passes straight through.
extern constinit thread_local bool t_busy WEFT_PRELOAD_TLS;

// address -> ObjId for mutexes, condvars, rwlocks and semaphores; (pthread_t | 1) -> ThreadCtl*.
extern ObjectTable g_objects;
// pthread_barrier_t address -> BarrierState*.
extern ObjectTable g_barriers;
// address of a destroyed object -> a fingerprint of its bytes then (objects.cpp).
extern ObjectTable g_destroyed;

// The program's runtime when the interposer runs in a program linked with weft (it records into
// that runtime's sink: weft/runtime/host.hpp), else nullptr. Set by the constructor.
extern const rt::HostTable* g_host;
// The calling thread's Quiet counter in the program's runtime (rt::Quiet: weft's own calls).
extern constinit thread_local unsigned* t_host_quiet WEFT_PRELOAD_TLS;
inline bool host_quiet() noexcept {
  unsigned* q = t_host_quiet;
  if (q == nullptr) [[unlikely]]
    q = t_host_quiet = g_host->quiet_counter();
  return *q != 0;
}

// The sink when this call should be recorded, else nullptr: not while the thread is inside the
// interposer or the sink (t_busy), nor in weft's own code (rt::Quiet: the deadlock watchdog;
// with a program runtime, its Quiet counter too). Loads only, no stores.
inline Sink* recording() noexcept {
  Sink* s = rt::active_sink();
  if (s == nullptr) [[likely]]
    return nullptr;
  if (!g_enabled.load(std::memory_order_relaxed) || t_busy || rt::quiet()) return nullptr;
  if (g_host != nullptr && host_quiet()) [[unlikely]]
    return nullptr;
  return s;
}

// Marks the calling thread busy for the scope (see t_busy).
struct Busy {
  Busy() noexcept {
    t_busy = true;
    rt::tsan::ignore_begin();
  }
  ~Busy() {
    rt::tsan::ignore_end();
    t_busy = false;
  }
  Busy(const Busy&) = delete;
  Busy& operator=(const Busy&) = delete;
};

// Interposed calls have no source position of their own: their events carry the caller's
// return address as a code site (rt::site_from_pc), which readers symbolize to file:line. A
// recorded call's `Call` scope (below) sets t_site for the events of that call.
extern constinit thread_local std::source_location t_site WEFT_PRELOAD_TLS;

// The executable segments of one loaded object, found with dl_iterate_phdr (no allocation).
struct TextRanges {
  std::uintptr_t lo[4] = {}, hi[4] = {};
  int n = 0;
  bool contains(std::uintptr_t a) const noexcept {
    for (int i = 0; i < n; ++i)
      if (a >= lo[i] && a < hi[i]) return true;
    return false;
  }
  void add_text_of(const dl_phdr_info* info) noexcept {
    for (int i = 0; i < info->dlpi_phnum && n < 4; ++i) {
      const ElfW(Phdr)& ph = info->dlpi_phdr[i];
      if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
      lo[n] = info->dlpi_addr + ph.p_vaddr;
      hi[n] = lo[n] + ph.p_memsz;
      ++n;
    }
  }
};

// True when code address `pc` lies in a function of the C++ standard library's headers that was
// compiled out of line into a module of the program (std::mutex::lock, __gthread_mutex_lock at
// -O0), by the module's symbol table, read once (std_frames.cpp). Call while busy.
bool in_std_header_function(std::uintptr_t pc) noexcept;

// The program's code address behind `pc`, the return address of an interposed call: `pc`
// itself, unless it lies in libstdc++ (std::condition_variable::notify_one and wait, std::thread's
// constructor call pthread from there). Then the stack is unwound to the first frame outside
// libstdc++, so that the site names the program's line, not a libstdc++ symbol. Call while busy.
const void* user_pc(const void* pc) noexcept;

// The lock and unlock paths note their caller inside their own Busy scope instead (one busy
// toggle per call, not two), through a small direct-mapped per-thread cache in front of
// rt::site_from_pc (whose records live as long as the process, so entries never go stale).
// Each entry also keeps the site's id in the trace (`memo`, filled by the recorder's inline writer
// the first time it writes an event of that site), so that the lock path's record skips the
// recorder's own site cache.
struct PcSite {
  const void* pc;
  std::source_location site;
  rt::SiteMemo memo;
};
inline constexpr std::size_t kPcSites = 8;
extern constinit thread_local PcSite t_pc_sites[kPcSites] WEFT_PRELOAD_TLS;
// A code address inside an out-of-line standard-header function (in_std_header_function) is
// never cached: the site is its caller's, found by unwinding each time (its memo is a scratch
// one, emptied each time).
rt::SiteMemo* note_site_slow(const void* pc, PcSite& entry) noexcept;
// Sets t_site to the site of code address `pc`; returns the memo of that site's trace id. Call
// while busy.
inline rt::SiteMemo* note_site(const void* pc) noexcept {
  PcSite& e = t_pc_sites[(reinterpret_cast<std::uintptr_t>(pc) >> 2) % kPcSites];
  if (e.pc == pc) [[likely]] {
    t_site = e.site;
    return &e.memo;
  }
  return note_site_slow(pc, e);
}

// Emits one event when a sink is (still) active.
inline void emit(Ev kind, ObjId obj, std::uint64_t arg) noexcept {
  if (Sink* s = rt::active_sink()) s->on_event(kind, obj, arg, t_site);
}

// Creates an object named after its address ("0x7ffd5c1e2a40").
ObjId make_object(ObjKind kind, const void* addr) noexcept;

// An object id in g_objects with this bit set is being reported by the thread that stored it
// (create_id_for); other threads wait for the bit to clear (settled_id). Ids stay far below it.
inline constexpr std::uint64_t kPendingId = std::uint64_t{1} << 63;
ObjId settled_id(std::uintptr_t key, std::uint64_t stored) noexcept;

// The id of the object at `addr`, created with `kind` on first sight (PTHREAD_*_INITIALIZER
// objects, objects initialised before recording began). 0 when the table is full.
ObjId create_id_for(const void* addr, ObjKind kind) noexcept;
inline ObjId id_for(const void* addr, ObjKind kind) noexcept {
  std::uint64_t id = g_objects.find(reinterpret_cast<std::uintptr_t>(addr));
  if (id != 0 && !(id & kPendingId)) [[likely]]
    return id;
  if (id != 0) return settled_id(reinterpret_cast<std::uintptr_t>(addr), id);
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

extern constinit thread_local ThreadCtl* t_ctl WEFT_PRELOAD_TLS;

// The calling thread's kernel tid, cached (reset in a fork child: init.cpp).
extern constinit thread_local pid_t t_tid WEFT_PRELOAD_TLS;

// ThreadSanitizer's interceptors run before ours (clang's static runtime): a thread we start runs
// our trampoline before TSan has set the thread up, so its ThreadStart waits for the thread's
// first recorded call (t_start_pending) instead of being recorded there.
extern bool g_tsan_ahead;
// ThreadSanitizer is in the process behind the interposer (g++'s libtsan.so, clang's
// -shared-libsan): the "real" functions weft calls are TSan's interceptors. A blocking lock is
// then not tried first (TSan leaves try-locks out of its lock-order graph, so its
// lock-order-inversion reports would be lost): whether the thread blocks is read from the lock
// word instead (a racy peek: a lock taken between the peek and the call shows as a long
// acquisition, not as a wait).
extern bool g_tsan_behind;

// TSan's __tsan_func_entry/__tsan_func_exit, resolved when g_tsan_behind.
extern void (*g_tsan_func_entry)(void* caller_pc);
extern void (*g_tsan_func_exit)();

// With TSan behind us, what its interceptor reports (a race on a barrier or a condvar, a bad
// unlock, a thread's creation) carries TSan's shadow stack: the return addresses that the
// program's instrumented functions push on entry. This library is not instrumented, so the call
// site in the program, the program's own line, would be missing from every such stack (a
// wrapper called from main() shows as "pthread_barrier_destroy < __libc_start_call_main").
// Each exported wrapper pushes its caller's address for the call's duration, as an instrumented
// function does. One predictable branch when TSan is absent.
class TsanCallerFrame {
 public:
  explicit TsanCallerFrame(void* caller_pc) noexcept {
    if (g_tsan_behind) [[unlikely]] {
      g_tsan_func_entry(caller_pc);
      pushed_ = true;
    }
  }
  ~TsanCallerFrame() {
    if (pushed_) [[unlikely]]
      g_tsan_func_exit();
  }
  TsanCallerFrame(const TsanCallerFrame&) = delete;
  TsanCallerFrame& operator=(const TsanCallerFrame&) = delete;

 private:
  bool pushed_ = false;
};
#define WEFT_TSAN_FRAME \
  ::weft::preload::TsanCallerFrame weft_tsan_frame_(__builtin_return_address(0))
extern constinit thread_local bool t_start_pending WEFT_PRELOAD_TLS;
void deliver_start() noexcept;
pid_t my_tid() noexcept;

// Hands a name given to this thread by another thread to the sink. Call while busy.
void deliver_pending_name() noexcept;

inline void check_pending_name() noexcept {
  if (t_start_pending) [[unlikely]]
    deliver_start();
  if (t_ctl != nullptr && t_ctl->pending_name.load(std::memory_order_relaxed) != nullptr)
      [[unlikely]]
    deliver_pending_name();
}

// The protocol steps of one recorded interposed call (weft/runtime/protocol.hpp), each carrying
// the call's site (t_site). The entry ritual is Call's or CommonCall's, below.
class CallSteps {
 public:
  explicit CallSteps(Sink& s) noexcept : s_(s) {}
  CallSteps(const CallSteps&) = delete;
  CallSteps& operator=(const CallSteps&) = delete;

  Sink& sink() const noexcept { return s_; }
  const std::source_location& site() const noexcept { return t_site; }

  void acquire_begin(ObjId id, std::uint64_t mode = 0) const noexcept {
    rt::protocol::acquire_begin(s_, id, t_site, mode);
  }
  void acquired(ObjId id, rt::protocol::Acquisition a) const noexcept {
    rt::protocol::acquired(s_, id, a, t_site);
  }
  void acquire_failed(ObjId id, rt::AcquireFail why) const noexcept {
    rt::protocol::acquire_failed(s_, id, why, t_site);
  }
  void released(ObjId id, std::uint64_t value_after) const noexcept {
    rt::protocol::released(s_, id, value_after, t_site);
  }
  void wait_begin(ObjId cond, ObjId lock) const noexcept {
    rt::protocol::wait_begin(s_, cond, lock, t_site);
  }
  void wait_end(ObjId cond, rt::WaitResult why) const noexcept {
    rt::protocol::wait_end(s_, cond, why, t_site);
  }
  void destroy_begin(ObjId id) const noexcept { rt::protocol::destroy_begin(s_, id, t_site); }
  void misuse(ObjId id, rt::MisuseCode code, int err = 0) const noexcept {
    rt::protocol::misuse(s_, id, code, err, t_site);
  }
  void event(Ev kind, ObjId id, std::uint64_t arg) const noexcept {
    s_.on_event(kind, id, arg, t_site);
  }

 protected:
  ~CallSteps() = default;

 private:
  Sink& s_;
};

// One recorded interposed call, the entry ritual every family shares: marks the thread busy for
// the scope (see t_busy), notes the caller's site and delivers a name given to this thread by
// another. Construct only when recording() returned a sink.
//
//   if (Sink* s = recording()) { Call c(*s, __builtin_return_address(0)); c.released(id, 0); }
class Call : public CallSteps {
 public:
  // `pc`: the caller's return address. A call from inside libstdc++ (std::condition_variable,
  // std::thread), or from ThreadSanitizer's interceptor when it runs first (g_tsan_ahead), is
  // sited at the program's frame below it (user_pc); `direct` skips that test for the lock and
  // unlock paths, which std:: wrappers reach from inline code.
  enum Siting { kUserFrame, kDirect };
  Call(Sink& s, const void* pc, Siting siting = kUserFrame) noexcept : CallSteps(s) {
    t_busy = true;
    rt::tsan::ignore_begin();
    note_site(siting == kDirect && !g_tsan_ahead ? pc : user_pc(pc));
    check_pending_name();
  }
  ~Call() {
    rt::tsan::ignore_end();
    t_busy = false;
  }

  // An acquisition (by a successful try: kByTry) or release of a non-recursive lock of kind
  // kLock: the general way here (CommonCall's may take the detectors' inline path).
  template <ObjKind kLock, bool kByTry = false>
  void lock_acquired(ObjId id) const noexcept {
    acquired(id, {1, kByTry});
  }
  template <ObjKind kLock>
  void lock_released(ObjId id) const noexcept {
    released(id, 0);
  }
};

// Some thread was given a name by another (pthread_setname_np): from then on, CommonCall looks
// for a pending name at each call (one global load until then, not two thread-local ones).
extern std::atomic<bool> g_names_pending;

// Call's ritual for a lock or unlock path when modes() is 0 (checked by the caller, with t_busy
// false and a sink installed): no ThreadSanitizer brackets, the site is the caller's own
// (kDirect, nothing ahead of the interposer) and no thread start is pending (t_start_pending is
// only set when g_tsan_ahead).
class CommonCall : public CallSteps {
 public:
  CommonCall(Sink& s, const void* pc) noexcept : CallSteps(s) {
    t_busy = true;
    memo_ = note_site(pc);
    if (g_names_pending.load(std::memory_order_relaxed)) [[unlikely]]
      check_pending_name();
  }
  ~CommonCall() { t_busy = false; }

  // An uncontended acquisition (by a successful try: kByTry) or a release of a non-recursive
  // lock of kind kLock (a default mutex, a spin lock): through the detectors' inline lock path
  // (runtime/src/detectors/lock_path.hpp) when the sink is the detector in front of the
  // recorder, its record dated with this call's site memo; else as acquired() / released() do.
  // Defined in mutex.cpp, their only user.
  template <ObjKind kLock, bool kByTry = false>
  void lock_acquired(ObjId id) const noexcept;
  template <ObjKind kLock>
  void lock_released(ObjId id) const noexcept;

 private:
  rt::SiteMemo* memo_;
};

// A failed call's errno survives the bookkeeping that follows it.
struct KeepErrno {
  int saved = errno;
  ~KeepErrno() { errno = saved; }
};

// ---- object lifetimes (objects.cpp) ---------------------------------------------------------
// Registers a freshly initialised object at `addr` (pthread_*_init), replacing whatever was
// there. Returns its id.
ObjId register_init(const void* addr, ObjKind kind) noexcept;
// The object recorded at `addr`, without creating one: 0 when none (a ThreadSanitizer report's
// mutexes, weft/runtime/tsan.hpp).
ObjId known_object(const void* addr) noexcept;
// The object at `addr` is being destroyed: tells the detectors (DestroyBegin), to check that it
// is not in use. Returns its id (0 when unknown).
ObjId destroy_begin(const CallSteps& c, const void* addr, ObjKind kind) noexcept;
// The destroy call succeeded: the object is gone. Its address is remembered with a fingerprint
// of its `size` bytes, so that a later use of the same, untouched bytes is reported as
// use-after-destroy (a re-initialisation or any write in between makes it a new object).
void destroyed(const void* addr, std::size_t size) noexcept;
// The id for a use of the object at `addr` (like id_for), reporting a use of a destroyed one.
// Inline: every lock operation looks its object up; only a first sight takes the slow path.
ObjId use_id_slow(const CallSteps& c, const void* addr, ObjKind kind, std::size_t size) noexcept;
inline ObjId use_id(const CallSteps& c, const void* addr, ObjKind kind, std::size_t size) noexcept {
  std::uint64_t id = g_objects.find(reinterpret_cast<std::uintptr_t>(addr));
  if (id != 0 && !(id & kPendingId)) [[likely]]
    return id;
  return use_id_slow(c, addr, kind, size);
}

// ---- what the condition-variable family asks of the mutex family (mutex.cpp) ---------------
ObjId mutex_use_id(const CallSteps& c, const pthread_mutex_t* m) noexcept;
// Acquired's value for `m` (recursion depth, else 1) and Release's (the depth after, else 0).
std::uint64_t mutex_held_depth(const pthread_mutex_t* m) noexcept;
std::uint64_t mutex_depth_after_release(const pthread_mutex_t* m) noexcept;
// glibc will refuse to unlock `m` for the calling thread (EPERM): an error-checking, recursive
// or robust mutex it does not own.
bool mutex_unlock_refused(const pthread_mutex_t* m) noexcept;
// `m` is a recursive mutex the calling thread holds more than once.
bool mutex_recursive_held_twice(const pthread_mutex_t* m) noexcept;

// Installs the WEFT_PRELOAD_SELFTEST sink when that variable is set (selftest_sink.cpp).
void install_selftest_sink() noexcept;

}  // namespace weft::preload
