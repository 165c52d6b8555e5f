// discarded-awaitable
#pragma once

#include "Check.h"

namespace weft::analyzer {

/// Finds an awaitable (or a lazy coroutine's task) whose value is discarded instead of co_awaited: nothing waits for it, the tutorial's forgotten await.
/// Doc: docs/checks/discarded-awaitable.md
class DiscardedAwaitableCheck : public Check {
 public:
  static constexpr const char* kId = "discarded-awaitable";
  static constexpr const char* kSummary = "Finds an awaitable (or a lazy coroutine's task) whose value is discarded instead of co_awaited: nothing waits for it, the tutorial's forgotten await.";
  using Check::Check;
  void registerMatchers(clang::ast_matchers::MatchFinder* finder) override;
  void check(const clang::ast_matchers::MatchFinder::MatchResult& result) override;
};

}  // namespace weft::analyzer
