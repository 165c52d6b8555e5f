// The recording switch: the active sink, object ids and thread indexes.
#include <atomic>
#include <string_view>

#include "weft/runtime/event.hpp"
#include "weft/runtime/recorder.hpp"
#include "weft/runtime/trace_model.hpp"

// A program that must never record itself (the weft CLI) defines this symbol.
extern "C" __attribute__((weak)) const int weft_rt_no_autostart;

// Marks a binary that records itself: `weft run` looks for this ELF section in PROG and then
// does not add the LD_PRELOAD interposer (two runtimes would record the same process twice).
__attribute__((used, retain, section(".weft_rt"))) static const char weft_rt_marker[] =
    "weft runtime 1: records natively when WEFT_TRACE is set";

// Start-up: recording begins before any other constructor of the program runs, so objects
// created by static initialisers are recorded too. It lives in this file because every user of
// the recording interface references g_sink below, so the linker always keeps it, even from the
// static library.
__attribute__((constructor(101))) static void weft_rt_autostart() {
  if (&weft_rt_no_autostart != nullptr) return;
  weft::rt::detail::start_recording_from_env();
}

namespace weft::rt {

namespace detail {
std::atomic<Sink*> g_sink{nullptr};
}  // namespace detail

namespace {
std::atomic<ObjId> g_next_object{1};
std::atomic<std::uint32_t> g_next_thread{1};
thread_local std::uint32_t t_thread_index = 0;
}  // namespace

Sink* set_sink(Sink* sink) noexcept {
  return detail::g_sink.exchange(sink, std::memory_order_acq_rel);
}

ObjId new_object(ObjKind kind, std::string_view name, const std::source_location& where) noexcept {
  ObjId id = reserve_object_id();
  announce_object(id, kind, name, where);
  return id;
}

ObjId reserve_object_id() noexcept { return g_next_object.fetch_add(1, std::memory_order_relaxed); }

void announce_object(ObjId id, ObjKind kind, std::string_view name,
                     const std::source_location& where) noexcept {
  if (Sink* s = active_sink()) [[unlikely]] {
    s->on_object(id, kind, name, where);
  }
}

void destroy_object(ObjId id) noexcept {
  if (Sink* s = active_sink()) [[unlikely]] {
    s->on_destroy(id);
  }
}

void name_current_thread(std::string_view name) noexcept {
  if (Sink* s = active_sink()) [[unlikely]] {
    s->on_thread_name(name);
  }
}

std::uint32_t current_thread_index() noexcept {
  if (t_thread_index == 0) [[unlikely]] {
    t_thread_index = g_next_thread.fetch_add(1, std::memory_order_relaxed);
  }
  return t_thread_index;
}

std::string_view to_string(Ev kind) noexcept {
  switch (kind) {
    case Ev::Create: return "create";
    case Ev::Destroy: return "destroy";
    case Ev::AcquireBegin: return "acquire-begin";
    case Ev::Acquired: return "acquired";
    case Ev::AcquireFailed: return "acquire-failed";
    case Ev::Release: return "release";
    case Ev::WaitBegin: return "wait-begin";
    case Ev::WaitEnd: return "wait-end";
    case Ev::Notify: return "notify";
    case Ev::Set: return "set";
    case Ev::Clear: return "clear";
    case Ev::BarrierArrive: return "barrier-arrive";
    case Ev::BarrierPass: return "barrier-pass";
    case Ev::BarrierBreak: return "barrier-break";
    case Ev::ThreadStart: return "thread-start";
    case Ev::ThreadEnd: return "thread-end";
    case Ev::JoinBegin: return "join-begin";
    case Ev::JoinEnd: return "join-end";
    case Ev::TaskSubmit: return "task-submit";
    case Ev::TaskStart: return "task-start";
    case Ev::TaskEnd: return "task-end";
    case Ev::QueuePut: return "queue-put";
    case Ev::QueueGet: return "queue-get";
    case Ev::Finding: return "finding";
    case Ev::DestroyBegin: return "destroy-begin";
    case Ev::Misuse: return "misuse";
    case Ev::kCount: break;
  }
  return "unknown";
}

std::string_view to_string(ObjKind kind) noexcept {
  switch (kind) {
    case ObjKind::Unknown: return "unknown";
    case ObjKind::Lock: return "lock";
    case ObjKind::RLock: return "rlock";
    case ObjKind::Condition: return "condition";
    case ObjKind::Semaphore: return "semaphore";
    case ObjKind::BoundedSemaphore: return "bounded-semaphore";
    case ObjKind::Event: return "event";
    case ObjKind::Barrier: return "barrier";
    case ObjKind::Thread: return "thread";
    case ObjKind::Queue: return "queue";
    case ObjKind::Future: return "future";
    case ObjKind::Executor: return "executor";
    case ObjKind::Mutex: return "mutex";
    case ObjKind::RecursiveMutex: return "recursive-mutex";
    case ObjKind::CondVar: return "condvar";
    case ObjKind::RWLock: return "rwlock";
    case ObjKind::PosixSemaphore: return "posix-semaphore";
    case ObjKind::PosixBarrier: return "posix-barrier";
    case ObjKind::Process: return "process";
    case ObjKind::SpinLock: return "spinlock";
    case ObjKind::kCount: break;
  }
  return "unknown";
}

std::string_view misuse_kind(MisuseCode code) noexcept {
  switch (code) {
    case MisuseCode::UnlockNotOwner: return "unowned-release";
    case MisuseCode::UseAfterDestroy:
    case MisuseCode::UseUninitialised: return "use-after-destroy";
    case MisuseCode::DestroyBusy: return "destroy-in-use";
    case MisuseCode::WaitRecursiveHeld:
    case MisuseCode::BarrierCountZero:
    case MisuseCode::BarrierInitInUse:
    case MisuseCode::SemOverflow:
    case MisuseCode::SemInitInvalid:
    case MisuseCode::RobustNotConsistent:
    case MisuseCode::kCount: break;
  }
  return "api-misuse";
}

std::string_view to_string(MisuseCode code) noexcept {
  switch (code) {
    case MisuseCode::UnlockNotOwner: return "unlock refused: the caller does not own it";
    case MisuseCode::UseAfterDestroy: return "used after it was destroyed";
    case MisuseCode::UseUninitialised: return "used without being initialised";
    case MisuseCode::WaitRecursiveHeld: return "condition wait on a recursive mutex held more than once";
    case MisuseCode::BarrierCountZero: return "barrier initialised with count 0";
    case MisuseCode::BarrierInitInUse: return "barrier initialised again while threads wait in it";
    case MisuseCode::SemOverflow: return "semaphore posted past SEM_VALUE_MAX";
    case MisuseCode::SemInitInvalid: return "semaphore initialised with a value past SEM_VALUE_MAX";
    case MisuseCode::RobustNotConsistent: return "robust mutex unlocked while inconsistent";
    case MisuseCode::DestroyBusy: return "destroyed while in use";
    case MisuseCode::kCount: break;
  }
  return "misuse";
}

}  // namespace weft::rt

namespace weft::trace {
const Object* Trace::object(rt::ObjId id) const {
  for (const auto& o : objects)
    if (o.id == id) return &o;
  return nullptr;
}
}  // namespace weft::trace
