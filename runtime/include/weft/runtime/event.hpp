// weft/runtime/event.hpp: the recording interface between instrumented code and the runtime.
//
// Everything that emits events (the primitives library, the LD_PRELOAD interposer) talks to the
// runtime only through this header. It is small and stable on purpose:
//
//   ObjId id = weft::rt::new_object(ObjKind::Lock, name, where);   // every constructor
//   if (auto* s = weft::rt::active_sink()) [[unlikely]]             // every operation
//     s->on_event(Ev::Acquired, id, /*arg=*/1, where);
//   weft::rt::destroy_object(id);                                   // every destructor
//
// With no recording active `active_sink()` is one relaxed load and one predictable branch.
//
// Event conventions (what `arg` means for each kind) are fixed here; the trace format, the
// detectors, `weft report` and the viewer all read them the same way. The kinds' names and
// values, and which args are object ids or typed reasons, are in runtime/vocabulary.json.
//
//   kind            obj              arg
//   --------------  ---------------  ------------------------------------------------------
//   AcquireBegin    lock/sem/...     0 (emitted only when the caller is about to block);
//                                    rwlock: the mode asked for, 1 = exclusive, 2 = shared
//   Acquired        lock/sem/...     RLock: recursion depth after; Semaphore: value after;
//                                    else 1
//   AcquireFailed   lock/sem/...     AcquireFail: 0 = non-blocking try failed, 1 = timed out,
//                                    2 = refused (EDEADLK: the caller holds it), 3 = error
//                                    (EINVAL, ENOTRECOVERABLE, ...: the call changed nothing)
//   Release         lock/sem/...     RLock: depth after; Semaphore: value after; else 0
//   WaitBegin       condition/event  the id of the lock the wait releases (0 if none)
//                   /barrier/queue
//   WaitEnd         same             WaitResult: Notified, Timeout, Spurious (chaos), Broken,
//                                    Failed (the wait returned an error without waiting, e.g.
//                                    EPERM or EINVAL: its lock was neither released nor re-taken)
//   Notify          condition        (requested << 32) | woken; requested = 0xffffffff for all
//   Set             event            number of waiters woken
//   Clear           event            0
//   BarrierArrive   barrier          arrival index
//   BarrierPass     barrier          generation number that passed
//   BarrierBreak    barrier          0 = abort(), 1 = timeout, 2 = reset(), 3 = action threw
//   ThreadStart     thread object    ObjId of the starting thread's parent thread object
//   ThreadEnd       thread object    0 normal, 1 an exception escaped the target
//   JoinBegin       thread object    0
//   JoinEnd         thread object    0 joined, 1 timed out
//   TaskSubmit      future           executor ObjId
//   TaskStart       future           executor ObjId
//   TaskEnd         future           0 result, 1 exception, 2 cancelled
//   QueuePut        queue            size after the put
//   QueueGet        queue            size after the get
//   TaskResume      aio-task         0: the calling thread's loop resumes the weft::aio task; this
//                                    event and the thread's next ones are the task's (a lane of
//                                    its own in readers), until...
//   TaskSuspend     aio-task         ...the task suspends: the object it waits on (0: a timer or
//                                    a to_thread() call); TaskEnd(task) ends the lane too
//   Finding         0                detector-defined (see runtime/README.md)
//   DestroyBegin    any              0: the program is about to destroy the object (the
//                                    detectors check it is not in use); Destroy follows when
//                                    the destruction succeeded
//   Misuse          any              Misuse code (low 8 bits) | errno << 8: a contract breach
//                                    only the front end can see (a destroyed pthread mutex
//                                    used again, a recursive mutex held twice in a condition
//                                    wait, a robust mutex unlocked while inconsistent, ...);
//                                    the detectors turn it into a finding
//
// A Condition wait is recorded as: WaitBegin(cond, lock) Release(lock, ...) ... WaitEnd(cond,
// reason) Acquired(lock, ...). The lock's own events appear so that the viewer shows it free
// while the thread waits.
//
// weft::aio primitives (aio-lock, aio-condition, aio-event, aio-semaphore, aio-queue) record the
// rows of their threading twins, in the lane of the task that calls them: a contended
// `co_await lock.acquire()` is AcquireBegin, TaskSuspend(task, lock), ..., TaskResume(task),
// Acquired (AcquireFailed with arg 3 if cancelled); `co_await cond.wait()` is WaitBegin(cond,
// lock) Release(lock) TaskSuspend ... TaskResume WaitEnd(cond, notified | spurious | broken =
// cancelled | timeout = cancelled by wait_for()'s timeout) and the lock's re-acquisition. The detectors keep them apart from thread primitives.
//
// Objects seen through the LD_PRELOAD interposer use the same rows: RecursiveMutex as RLock,
// PosixSemaphore as Semaphore, CondVar as Condition, PosixBarrier as Barrier, SpinLock as Mutex.
// A sleep (nanosleep, clock_nanosleep, usleep, sleep: std::this_thread::sleep_for) is a
// WaitBegin(sleep, 0) .. WaitEnd(sleep, Timeout, or Failed when a signal cut it short) on the
// process's one Sleep object: not a condition, no detector but blocking-in-coroutine reads it.
// RWLock: Acquired arg 1 = exclusive (write), 2 = shared (read); Release arg 0 = exclusive,
// 2 = shared. A robust mutex taken from an owner that died (EOWNERDEAD) has kAcquiredOwnerDead
// in Acquired's arg.
//
// Front ends do not spell these rows out themselves: weft/runtime/protocol.hpp has one typed
// function per step (a lock attempt, a release, a wait, a misuse), used by the primitives and
// the interposer alike.
#pragma once

#include <atomic>
#include <cstdint>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "weft/runtime/vocabulary.inc"  // generated from runtime/vocabulary.json

namespace weft::rt {

using ObjId = std::uint64_t;  // 0 means "no object"

// The enums below, their names and which event's `arg` is what come from one table,
// runtime/vocabulary.json, through the generated X-macro lists of vocabulary.inc (docs/design.md,
// "Vocabulary"). Values are on disk (docs/trace-format.md): they never change.
#define WEFT_X_ENUM(Name, value, ...) Name = value,

enum class ObjKind : std::uint8_t {
  WEFT_VOCAB_OBJECT_KINDS(WEFT_X_ENUM)
  kCount
};

enum class Ev : std::uint8_t {
  WEFT_VOCAB_EVENTS(WEFT_X_ENUM)  // Create, Destroy: recorded by new_object / destroy_object
  kCount
};

// How a wait ended (WaitEnd's arg).
enum class WaitResult : std::uint8_t { WEFT_VOCAB_WAIT_RESULTS(WEFT_X_ENUM) };

// Why a lock attempt failed (AcquireFailed's arg).
enum class AcquireFail : std::uint8_t { WEFT_VOCAB_ACQUIRE_FAILS(WEFT_X_ENUM) };

// A contract breach seen by a front end (Misuse's arg, low 8 bits; the errno the call returned,
// if any, above them). Each maps to one bug kind (misuse_kind(), docs/checks/<kind>.md).
enum class MisuseCode : std::uint8_t {
  WEFT_VOCAB_MISUSE_CODES(WEFT_X_ENUM)
  kCount
};
#undef WEFT_X_ENUM

// What an event's `arg` is: a plain number, an object id (remapped like `obj` by readers of
// multi-process traces), or a value of the enum named.
enum class ArgKind : std::uint8_t { Number, Object, AcquireFail, WaitResult, MisuseCode };
constexpr ArgKind arg_kind(Ev kind) noexcept {
  switch (kind) {
#define WEFT_X_ARG(Name, value, id, arg) \
  case Ev::Name:                         \
    return ArgKind::arg;
    WEFT_VOCAB_EVENTS(WEFT_X_ARG)
#undef WEFT_X_ARG
    case Ev::kCount: break;
  }
  return ArgKind::Number;
}
constexpr bool arg_is_object(Ev kind) noexcept { return arg_kind(kind) == ArgKind::Object; }

// Reentrant locks (RLock, recursive mutexes): Acquired/Release carry the depth after.
constexpr bool is_reentrant(ObjKind kind) noexcept {
  switch (kind) {
#define WEFT_X_REENTRANT(Name, value, id, reentrant) \
  case ObjKind::Name:                                \
    return reentrant;
    WEFT_VOCAB_OBJECT_KINDS(WEFT_X_REENTRANT)
#undef WEFT_X_REENTRANT
    case ObjKind::kCount: break;
  }
  return false;
}

// The bug-kind ids of docs/design.md, as constants: bug_kind::kLockReentry == "lock-reentry".
namespace bug_kind {
#define WEFT_X_BUG(Name, id, lint, run) inline constexpr std::string_view k##Name = id;
WEFT_VOCAB_BUG_KINDS(WEFT_X_BUG)
#undef WEFT_X_BUG
}  // namespace bug_kind

// Added convention: an emitter MAY OR this bit into Acquired's `arg` when the acquisition was a
// non-blocking try (try_lock(), acquire(false), pthread_mutex_trylock, the tries inside
// std::lock). The lock-order detector adds no edge for such acquisitions (a try cannot
// deadlock). Readers of `arg` mask it off: `arg & ~kAcquiredByTry`.
inline constexpr std::uint64_t kAcquiredByTry = std::uint64_t{1} << 63;
// Added convention: a robust mutex acquired from an owner that died holding it (EOWNERDEAD).
inline constexpr std::uint64_t kAcquiredOwnerDead = std::uint64_t{1} << 62;
// Added convention: the lock is a robust mutex (its owner may die holding it: not a bug).
inline constexpr std::uint64_t kAcquiredRobust = std::uint64_t{1} << 61;
// The value bits of Acquired's arg (depth, value or mode), without the flags above.
inline constexpr std::uint64_t acquired_value(std::uint64_t arg) noexcept {
  return arg & ~(kAcquiredByTry | kAcquiredOwnerDead | kAcquiredRobust);
}

// Stable lower-case names ("acquire-begin", "lock", ...), used by report/JSON/viewer.
std::string_view to_string(Ev kind) noexcept;
std::string_view to_string(ObjKind kind) noexcept;
std::string_view to_string(WaitResult result) noexcept;   // "notified", "timeout", ...
std::string_view to_string(AcquireFail reason) noexcept;  // "would-block", "timed-out", ...
// The bug kind a misuse code is reported as ("use-after-destroy", ...), and a short phrase.
std::string_view misuse_kind(MisuseCode code) noexcept;
std::string_view to_string(MisuseCode code) noexcept;

// A finding of an online detector, handed to the sink that records it (see Sink::on_finding).
struct FindingRecord {
  std::string kind;     // bug-kind id from docs/design.md, e.g. "lock-reentry"
  std::string message;  // plain words, one line
  std::vector<std::uint32_t> threads;       // current_thread_index() values involved
  std::vector<ObjId> objects;               // objects involved
  std::vector<std::source_location> sites;  // e.g. where the lock was first taken, then again
  bool fatal = false;   // the process is about to be stopped (deadlock, self-deadlock)
};

// Sink: where events go while recording is active. The recorder is one; tests install an
// in-memory one (weft/runtime/memory_sink.hpp). Implementations must be thread-safe and must not
// call back into instrumented primitives (they would record themselves).
class Sink {
 public:
  virtual ~Sink() = default;

  // An object came to exist (kind, display name, where it was constructed).
  virtual void on_object(ObjId id, ObjKind kind, std::string_view name,
                         const std::source_location& where) noexcept = 0;
  // An object is gone; its id is never reused.
  virtual void on_destroy(ObjId id) noexcept {}
  // An operation on `obj` by the calling thread at `where`. See the table above for `arg`.
  virtual void on_event(Ev kind, ObjId obj, std::uint64_t arg,
                        const std::source_location& where) noexcept = 0;
  // The calling thread's display name changed (UTF-8).
  virtual void on_thread_name(std::string_view name) noexcept {}

  // A detector found a bug. Recorders write it into the trace; the default drops it.
  virtual void on_finding(const FindingRecord& finding) noexcept {}

  // Chaos hooks (weft run --chaos). Called only while a sink is active.
  // True when this sink's chaos hooks may answer anything but the defaults above and below
  // (false, nothing, 0). Emitters with a costly way to a hook (a loop per notified waiter) may
  // ask once per operation and skip the hook when false.
  virtual bool chaos_enabled() const noexcept { return false; }
  // Should the condition wait that is about to block return at once as a spurious wake-up?
  // `timed`: the wait has a timeout (wait_for / timedwait). Callers say so, because code that
  // treats any return of a timed wait as "time to do the periodic work" is not necessarily wrong.
  virtual bool inject_spurious_wakeup(ObjId cond, bool timed) noexcept { return false; }
  // A point where a short yield or sleep may be injected (around lock and notify operations).
  virtual void chaos_point(ObjId obj) noexcept {}
  // Which of `n` (> 0) candidates a notify on `cond` wakes: 0 = the usual one (the longest
  // waiter); under chaos, any of them. For an interposed pthread_cond_signal, whose target the
  // caller cannot choose, any non-zero answer turns it into a broadcast (the extra wake-ups are
  // spurious ones, which callers must tolerate).
  virtual std::uint32_t chaos_pick(ObjId cond, std::uint32_t n) noexcept { return 0; }
};

namespace detail {
extern std::atomic<Sink*> g_sink;
}

// The active sink, or nullptr when nothing is recording. One relaxed load.
inline Sink* active_sink() noexcept {
  return detail::g_sink.load(std::memory_order_relaxed);
}

// Installs `sink` (nullptr stops recording) and returns the previous one. The caller keeps the
// sink alive until no thread can still be inside one of its calls.
Sink* set_sink(Sink* sink) noexcept;

// Allocates a fresh object id (never 0, never reused in this process) and, when recording,
// reports the object to the sink. Call from every instrumented constructor.
ObjId new_object(ObjKind kind, std::string_view name = {},
                 const std::source_location& where = std::source_location::current()) noexcept;
// new_object in two steps, for a front end that must publish the id before the object is
// reported (the interposer: of two threads seeing an object first at once, only the one whose
// id was stored reports it). An id reserved and never announced is simply never seen.
ObjId reserve_object_id() noexcept;
void announce_object(ObjId id, ObjKind kind, std::string_view name,
                     const std::source_location& where) noexcept;

// Reports that an object is gone (when recording). Call from every instrumented destructor.
void destroy_object(ObjId id) noexcept;

// Emits one event if recording is active. Convenience wrapper around active_sink().
inline void emit(Ev kind, ObjId obj, std::uint64_t arg,
                 const std::source_location& where) noexcept {
  if (Sink* s = active_sink()) [[unlikely]] {
    s->on_event(kind, obj, arg, where);
  }
}

// ---- call sites known only by a code address ------------------------------------------------
//
// The LD_PRELOAD interposer has no source position for a call, and a weft primitive locked
// through a std:: wrapper (std::lock_guard<weft::Lock>) receives the wrapper's defaulted
// source_location, inside a system header. Both pass the return address into the caller
// instead, as a std::source_location made by site_from_pc(): every consumer carries it like any
// other site, its file_name() is a readable label ("worker() in prog+0x1a2b", line 0), and the
// recorder writes the address so that readers can symbolize it to file:line
// (weft::trace::symbolize_sites, docs/trace-format.md).

// Where a site_from_pc() location points: the ELF object (absolute path) and the address inside
// it that a symbolizer expects (the run-time address minus the object's load bias).
struct PcSiteInfo {
  const void* pc;
  const char* module;
  std::uint64_t offset;
};

// A source_location standing for code address `pc` (normally __builtin_return_address(0)).
// Cheap after the first call for a given pc in a thread (a per-thread cache); never blocks for
// long; an empty location when unsupported (a standard library other than libstdc++).
std::source_location site_from_pc(const void* pc) noexcept;

// The address behind a site_from_pc() location, else nullptr.
const PcSiteInfo* pc_site_info(const std::source_location& where) noexcept;

// True when `file` is a system header (/usr/include/..., .../include/c++/...): the defaulted
// source_location of a std:: wrapper rather than the user's line.
bool is_system_header(const char* file) noexcept;

// Names the calling thread for the trace (UTF-8), if recording is active.
void name_current_thread(std::string_view name) noexcept;

// A dense per-process id of the calling thread: 1 for the first thread that asks (normally the
// main thread), then 2, 3, ... Cheap (thread_local after the first call).
std::uint32_t current_thread_index() noexcept;

// ---- weft's own calls -----------------------------------------------------------------------
//
// A program linked with weft::runtime that `weft run` records gets the LD_PRELOAD interposer
// too, for the std::mutex, std::thread and sleep calls of its own code (runtime/README.md, "One
// runtime per process"). The pthread calls and sleeps that weft's primitives and runtime make
// for themselves (the std::mutex inside a Semaphore, the deadlock watchdog's naps, a chaos
// delay) are not the program's: they run inside a Quiet scope, which the interposer passes
// straight to libc. One thread-local counter; nothing else happens without the interposer.
namespace detail {
extern constinit thread_local unsigned t_quiet;
}

class Quiet {
 public:
  Quiet() noexcept { ++detail::t_quiet; }
  ~Quiet() { --detail::t_quiet; }
  Quiet(const Quiet&) = delete;
  Quiet& operator=(const Quiet&) = delete;
};

// True inside a Quiet scope of the calling thread.
inline bool quiet() noexcept { return detail::t_quiet != 0; }

}  // namespace weft::rt
