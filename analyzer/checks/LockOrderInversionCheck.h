// lock-order-inversion
#pragma once

#include "Check.h"
#include "LockSummary.h"

namespace weft::analyzer {

/// Finds two locks taken in opposite orders on two paths (or a longer cycle of "held A while
/// acquiring B" orders): two threads taking them at once can deadlock.
///
/// Orders come from every function of the TU (and of all TUs, merged through summaries),
/// including acquisitions made in callees and through reference parameters
/// (transfer(a, b) / transfer(b, a)). std::scoped_lock(a, b) and std::lock(a, b) are
/// order-safe; try_lock never waits. Each cycle is reported once, at the second acquisition
/// of its first edge, with the other edges' sites as notes. Doc:
/// docs/checks/lock-order-inversion.md
class LockOrderInversionCheck : public Check {
 public:
  static constexpr const char* kId = "lock-order-inversion";
  static constexpr const char* kSummary =
      "Two locks are acquired in opposite orders on two paths: threads taking both orders can "
      "deadlock.";
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
