// wait-not-in-loop
#pragma once

#include <string>
#include <vector>

#include "Check.h"

namespace weft::analyzer {

/// Finds condition-variable waits without a predicate that are not inside a loop re-checking
/// the awaited state: a spurious or stolen wake-up then runs on as if the state had changed.
///
/// Waits understood: std::condition_variable(_any)::wait/wait_for/wait_until without a
/// predicate, weft::Condition::wait, pthread_cond_(timed|clock)wait, cnd_(timed)wait, and the
/// functions named in the option `wait-not-in-loop.Wrappers` (qualified names, `;`-separated).
/// Fix-it: `if` -> `while` where that rewrite is exact; otherwise a note suggesting the
/// predicate overload. Doc: docs/checks/wait-not-in-loop.md
class WaitNotInLoopCheck : public Check {
 public:
  static constexpr const char* kId = "wait-not-in-loop";
  static constexpr const char* kSummary =
      "A condition wait without a predicate is not inside a loop that re-checks the awaited "
      "state.";
  using Check::Check;
  void registerMatchers(clang::ast_matchers::MatchFinder* finder) override;
  void check(const clang::ast_matchers::MatchFinder::MatchResult& result) override;

 private:
  std::vector<std::string> wrapperNames_;  // keeps the names the wrapper matcher refers to
};

}  // namespace weft::analyzer
