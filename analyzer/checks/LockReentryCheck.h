// lock-reentry
#pragma once

#include "Check.h"
#include "LockSummary.h"

namespace weft::analyzer {

/// Finds a non-reentrant lock acquired again by the thread that already holds it, directly or
/// through a chain of calls: the thread waits for itself forever.
///
/// Locks: std::mutex, std::timed_mutex, std::shared_mutex (exclusive), default pthread_mutex_t,
/// mtx_t, weft::Lock and capability-annotated classes. Recursive ones (std::recursive_mutex,
/// weft::RLock, pthread/mtx mutexes initialised as recursive where visible) are never reported.
/// Understands lock_guard / unique_lock (defer_lock, try_to_lock, adopt_lock, unlock, release)
/// / scoped_lock, scope ends, unlock() before a call, try_lock (never blocks). Calls are
/// followed within the TU and, through per-TU summaries, across TUs. Doc:
/// docs/checks/lock-reentry.md
class LockReentryCheck : public Check {
 public:
  static constexpr const char* kId = "lock-reentry";
  static constexpr const char* kSummary =
      "A non-reentrant lock is acquired again by the thread that already holds it, directly or "
      "through calls: a self-deadlock.";
  using Check::Check;
  void registerMatchers(clang::ast_matchers::MatchFinder*) override {}
  void onEndOfTranslationUnit(clang::ASTContext& ctx) override;
  using Check::onEndOfTranslationUnit;
  bool summarize(clang::ASTContext& ctx, nlohmann::json& out) override;
  void mergeSummaries(const std::vector<const nlohmann::json*>& summaries) override;

 private:
  void report(const std::vector<locks::Finding>& findings);
};

}  // namespace weft::analyzer
