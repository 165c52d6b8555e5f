// wait-without-lock and notify-without-lock: one file, as they read the same lock-model facts.
#pragma once

#include <string>
#include <vector>

#include "Check.h"
#include "LockSummary.h"

namespace clang {
class CallExpr;
}  // namespace clang

namespace weft::analyzer {

/// A pthread/C11 wait or a notify whose verdict needs the callers in other files (its walk up
/// the callers ended at a function other files may call): the finding is prepared in its TU and
/// decided in the merge phase, over the lock facts of every linted file.
struct DeferredUnheld {
  std::string function;  // the USR of the function the op is in
  locks::Site site;      // the op (CondOp::site)
  locks::LockKey key;    // the lock followed, in that function's terms
  std::string lockName;  // for the notes
  Finding finding;       // message, and the notes after the path's
};

/// Finds condition waits made without holding the condition's lock where that is statically
/// evident, on the lock model's facts (LockModel.h): a std::unique_lock constructed with
/// std::defer_lock or unlocked on every path to the wait (or handed so to a helper that waits on
/// it), a pthread/C11 mutex held on no path from a thread start / main() through the callers
/// (those in other linted files in the merge phase), a weft::Condition released before or never acquired in its function.
/// Doc: docs/checks/wait-without-lock.md
class WaitWithoutLockCheck : public Check {
 public:
  static constexpr const char* kId = "wait-without-lock";
  static constexpr const char* kSummary =
      "A condition is waited on without holding its lock.";
  using Check::Check;
  void registerMatchers(clang::ast_matchers::MatchFinder* finder) override;
  void check(const clang::ast_matchers::MatchFinder::MatchResult& result) override;
  bool summarize(clang::ASTContext& ctx, nlohmann::json& out) override;
  void mergeSummaries(const std::vector<const nlohmann::json*>& summaries) override;

 private:
  std::vector<DeferredUnheld> deferred_;
};

/// Finds weft::Condition::notify/notify_all called without holding the condition's lock (a
/// RuntimeError at run time, as in Python), and pthread_cond_signal/broadcast, cnd_signal/
/// broadcast and std::condition_variable(_any)::notify_one/all on a path that never took the
/// condition's mutex, so the state its waiters check cannot have been changed under it. Both
/// decided on the lock model's facts (LockModel.h).
/// Doc: docs/checks/notify-without-lock.md
class NotifyWithoutLockCheck : public Check {
 public:
  static constexpr const char* kId = "notify-without-lock";
  static constexpr const char* kSummary =
      "A condition is notified without holding its lock.";
  using Check::Check;
  void registerMatchers(clang::ast_matchers::MatchFinder* finder) override;
  void check(const clang::ast_matchers::MatchFinder::MatchResult& result) override;
  bool summarize(clang::ASTContext& ctx, nlohmann::json& out) override;
  void mergeSummaries(const std::vector<const nlohmann::json*>& summaries) override;

 private:
  void checkC(const clang::CallExpr* call, clang::ASTContext& ctx);
  std::vector<DeferredUnheld> deferred_;
};

}  // namespace weft::analyzer
