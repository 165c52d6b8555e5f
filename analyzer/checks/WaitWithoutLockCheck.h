// wait-without-lock and notify-without-lock: one file, as they share the lock-state scan.
#pragma once

#include "Check.h"

namespace weft::analyzer {

/// Finds condition waits made without holding the condition's lock where that is statically
/// evident: a std::unique_lock constructed with std::defer_lock or unlocked just before, a
/// pthread/C11 mutex unlocked just before, a weft::Condition released just before or never
/// acquired in its function. Doc: docs/checks/wait-without-lock.md
class WaitWithoutLockCheck : public Check {
 public:
  static constexpr const char* kId = "wait-without-lock";
  static constexpr const char* kSummary =
      "A condition is waited on without holding its lock.";
  using Check::Check;
  void registerMatchers(clang::ast_matchers::MatchFinder* finder) override;
  void check(const clang::ast_matchers::MatchFinder::MatchResult& result) override;
};

/// Finds weft::Condition::notify/notify_all called without holding the condition's lock (a
/// RuntimeError at run time, as in Python). std::condition_variable and pthread notifies
/// without the lock are legal and not reported. Doc: docs/checks/notify-without-lock.md
class NotifyWithoutLockCheck : public Check {
 public:
  static constexpr const char* kId = "notify-without-lock";
  static constexpr const char* kSummary =
      "A weft::Condition is notified without holding its lock.";
  using Check::Check;
  void registerMatchers(clang::ast_matchers::MatchFinder* finder) override;
  void check(const clang::ast_matchers::MatchFinder::MatchResult& result) override;
};

}  // namespace weft::analyzer
