// blocking-in-coroutine
#pragma once

#include "Check.h"

namespace weft::analyzer {

/// Finds blocking calls (sleeps, thread locks and waits, futures, blocking I/O) in a coroutine body: they stall the event loop and every task on it.
/// Doc: docs/checks/blocking-in-coroutine.md
class BlockingInCoroutineCheck : public Check {
 public:
  static constexpr const char* kId = "blocking-in-coroutine";
  static constexpr const char* kSummary = "Finds blocking calls (sleeps, thread locks and waits, futures, blocking I/O) in a coroutine body: they stall the event loop and every task on it.";
  using Check::Check;
  void registerMatchers(clang::ast_matchers::MatchFinder* finder) override;
  void check(const clang::ast_matchers::MatchFinder::MatchResult& result) override;
};

}  // namespace weft::analyzer
