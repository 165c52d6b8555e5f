// LockModel: what the lock checks understand about locks in C++ source, and the extraction of
// per-function lock facts (LockSummary.h) from a Clang AST.
//
// Locks: std::mutex, std::timed_mutex, std::shared_mutex (exclusive side), std::recursive_mutex,
// std::recursive_timed_mutex, pthread_mutex_t, mtx_t, weft::Lock, weft::RLock, and classes
// annotated as capabilities (`__attribute__((capability("mutex")))`).
// Acquisitions: lock()/acquire() (blocking ones only), pthread_mutex_lock, mtx_lock, std::lock,
// std::lock_guard / std::unique_lock (defer_lock, try_to_lock, adopt_lock, unlock(), lock(),
// release()) / std::scoped_lock, scoped_lockable guard classes, annotated acquire functions.
// try_lock and timed acquisitions never block forever, so they are not acquisitions here.
#pragma once

#include "LockSummary.h"

namespace clang {
class ASTContext;
class CallExpr;
}  // namespace clang

namespace weft::analyzer::locks {

// Extracts the lock facts of every function body of the translation unit outside system headers
// (template instantiations and lambdas included, dependent templates skipped). Never throws;
// functions whose CFG cannot be built are skipped.
Facts extractFacts(clang::ASTContext& ctx);

// extractFacts(ctx), computed once per translation unit and thread: both lock checks run on
// the same TU one after the other and share the result. The reference is valid until the next
// call on this thread with another TU.
const Facts& tuFacts(clang::ASTContext& ctx);

// The condition fact (CondOp) tuFacts(ctx) has for the wait or notify `call`, and in `function`
// the facts of the function it is in; null when there is none (a function the pass skipped, a
// call that is no condition op). An event wait (CondOp::event) is found the same way. What the
// adapters (wait-/notify-without-lock, event-as-condition) ask the model.
const CondOp* condOpAt(clang::ASTContext& ctx, const clang::CallExpr* call,
                       const FunctionFacts** function = nullptr);

}  // namespace weft::analyzer::locks
