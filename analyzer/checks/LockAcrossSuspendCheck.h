// lock-across-suspend
#pragma once

#include <clang/AST/ASTContext.h>

#include <string>

#include "Check.h"

namespace weft::analyzer {

/// Finds a thread lock (std::lock_guard, std::unique_lock, std::scoped_lock, a held weft::Lock) alive across a co_await or co_yield: the coroutine may resume on another thread, or never.
/// Doc: docs/checks/lock-across-suspend.md
class LockAcrossSuspendCheck : public Check {
 public:
  static constexpr const char* kId = "lock-across-suspend";
  static constexpr const char* kSummary = "Finds a thread lock (std::lock_guard, std::unique_lock, std::scoped_lock, a held weft::Lock) alive across a co_await or co_yield: the coroutine may resume on another thread, or never.";
  using Check::Check;
  void registerMatchers(clang::ast_matchers::MatchFinder* finder) override;
  void check(const clang::ast_matchers::MatchFinder::MatchResult& result) override;

  // For the walker of one coroutine (LockAcrossSuspendCheck.cpp).
  const clang::ASTContext& context() const { return *context_; }
  // Types as `std::lock_guard<std::mutex>`, whatever the declaration spelled (CTAD included).
  clang::PrintingPolicy printingPolicy() const {
    clang::PrintingPolicy p = context_->getPrintingPolicy();
    p.SuppressTagKeyword = true;
    p.FullyQualifiedName = true;
    return p;
  }
  void report(clang::SourceLocation at, const std::string& message, clang::SourceLocation taken);

 private:
  const clang::ASTContext* context_ = nullptr;
};

}  // namespace weft::analyzer
