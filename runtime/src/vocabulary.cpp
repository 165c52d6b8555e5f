// The vocabulary's names: event kinds, object kinds, misuse codes and the bug kinds they are
// reported as. Apart from the recording switch (hooks.cpp) so that readers of traces (the
// fuzzer of the trace reader) can name things without starting a recorder.
#include <string_view>

#include "weft/runtime/event.hpp"

namespace weft::rt {

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
