// wait-not-in-loop
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "Check.h"

namespace weft::analyzer {

/// Finds condition-variable waits without a predicate that are not inside a loop re-checking
/// the awaited state: a spurious or stolen wake-up then runs on as if the state had changed.
///
/// Waits understood: std::condition_variable(_any)::wait/wait_for/wait_until without a
/// predicate, weft::Condition::wait, `co_await` of weft::aio::Condition::wait and of other
/// classes with an async condition's shape (a wait, a notify, no event members: see
/// docs/checks/wait-not-in-loop.md), pthread_cond_(timed|clock)wait, cnd_(timed)wait, and the
/// functions named in the option `wait-not-in-loop.Wrappers` (qualified names, `;`-separated),
/// and wait wrappers it recognises itself: a function that forwards a wait on a condition it
/// receives or owns and reads no other state after it is checked at its callers instead.
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
  // Across translation units: the wrappers this TU defines, and the calls it makes of functions
  // defined elsewhere, each with the finding it draws if that function is a wrapper.
  bool summarize(clang::ASTContext& ctx, nlohmann::json& out) override;
  // A prepared call finding is reported when another TU's summary shows its callee to be a
  // wrapper, with a note at the wait inside it.
  void mergeSummaries(const std::vector<const nlohmann::json*>& summaries) override;

 private:
  void checkCall(const clang::ast_matchers::MatchFinder::MatchResult& result);
  // The wait a wrapper forwards, or nullptr when `fn` is not one (cached per definition).
  const clang::CallExpr* forwardedWait(const clang::FunctionDecl* fn, clang::ASTContext& ctx);

  std::vector<std::string> wrapperNames_;  // keeps the names the wrapper matcher refers to
  std::map<const clang::FunctionDecl*, const clang::CallExpr*> wrappers_;
  std::set<const clang::CallExpr*> wrapperWaits_;  // the waits inside recognised wrappers
  // A wrapper of a wrapper defined in another TU (RocksDB's SystemClock::TimedWait forwarding to
  // port::CondVar::TimedWait): a wrapper if those callees are, which the merge decides. `wait`
  // is its call of them; `depends` their USRs.
  struct Conditional {
    const clang::CallExpr* wait = nullptr;
    std::vector<std::string> depends;
  };
  std::map<const clang::FunctionDecl*, Conditional> conditional_;
  std::map<const clang::CallExpr*, const clang::FunctionDecl*> conditionalWaits_;
  std::string pendingInside_;  // the conditional wrapper whose own wait is being checked
  // The call being checked is of a function defined in no file of this TU (its USR): what it
  // draws is kept in pending_, not reported, until the merge phase knows whether it is a wrapper.
  std::string pendingCallee_;
  struct Pending {
    std::string callee;  // USR
    Finding finding;
    std::string inside;  // USR of the conditional wrapper this call is the wait of, or ""
  };
  std::vector<Pending> pending_;
};

}  // namespace weft::analyzer
