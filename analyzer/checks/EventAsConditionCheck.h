// event-as-condition
#pragma once

#include <set>
#include <string>
#include <vector>

#include "Check.h"

namespace clang {
class ASTContext;
class CallExpr;
class CompoundStmt;
class Stmt;
class CXXMemberCallExpr;
class ValueDecl;
}  // namespace clang

namespace weft::analyzer {

/// Finds Events used where a Condition is needed: a reusable event waited on after checking
/// other shared state without a lock (none held at the wait on any path: the lock model's
/// may-hold set, LockModel.h) (in an enclosing if/loop condition, or an early exit
/// `if (state) break;` before the wait), and `wait(); ...; clear();` that loses a concurrent
/// `set()` (reported at the wait, with a note at the reset).
///
/// Events understood: weft::Event (wait/clear/set), weft::aio::Event (`co_await ev.wait()`; its
/// tasks switch only at a co_await, so its check-then-wait is atomic and not reported, and a
/// request before its reset counts only when it suspends), std::atomic<bool> and std::atomic_flag
/// (wait; clear, store(false) or `= false` as the reset), and std::binary_semaphore used as an
/// auto-reset event (released as a signal, acquired in a consumer loop or after a check). A one-shot signal (never cleared, or
/// re-checked through the event itself as in `while (!stop.is_set())`) is correct and not
/// reported. Doc: docs/checks/event-as-condition.md
class EventAsConditionCheck : public Check {
 public:
  static constexpr const char* kId = "event-as-condition";
  static constexpr const char* kSummary =
      "An Event is used where a Condition is needed: check-then-wait on other shared state "
      "without a lock, or wait() then clear() that loses a concurrent set().";
  using Check::Check;
  void registerMatchers(clang::ast_matchers::MatchFinder* finder) override;
  void check(const clang::ast_matchers::MatchFinder::MatchResult& result) override;
  void onEndOfTranslationUnit(clang::ASTContext& ctx) override;

 private:
  struct Candidate {
    const clang::CallExpr* wait;
    const clang::ValueDecl* event;
    std::string eventName, stateName;
  };
  std::vector<Candidate> checkThenWait_;         // reported if the event is ever reset
  std::set<const clang::ValueDecl*> resetEvents_;  // events cleared somewhere in the TU
  std::set<const clang::CallExpr*> reportedWaits_;  // waits already reported as wait-then-reset
  // send(); ev.clear(); ev.wait(); — reported at the end of the TU unless the wait is reported
  // as check-then-wait (the same race seen from the check: one finding is enough).
  struct ResetAfterRequest {
    const clang::CallExpr* reset;
    const clang::CallExpr* request;
    const clang::CallExpr* wait;
    const clang::Stmt* waitStmt;  // where the wait's statement starts (`co_await ev.wait();`)
    std::string name, what;
  };
  std::vector<ResetAfterRequest> resetAfterRequest_;

  // std::binary_semaphore: every acquire/release, judged once the whole TU is seen.
  struct SemaphoreUse {
    const clang::CXXMemberCallExpr* call;
    const clang::ValueDecl* semaphore;
    const void* function;  // enclosing FunctionDecl or LambdaExpr
    bool release;
    bool candidate;         // an acquire in a loop, or after an unlocked check of shared state
    std::string stateName;  // the state checked before the acquire, if any
    std::string name;       // the semaphore as written
  };
  std::vector<SemaphoreUse> semaphoreUses_;
  void reportSemaphores();
  void checkResetAfterRequest(clang::ASTContext& ctx, const clang::CXXMemberCallExpr* reset,
                              const clang::ValueDecl* ev, const clang::CompoundStmt* block,
                              const clang::Stmt* stmt, const std::string& name,
                              const std::string& what);
};

}  // namespace weft::analyzer
