// Constant arguments along call chains: what the `if`s on the way to a statement say about the
// function's own parameters (ParamTest), which the lock facts (LockModel) record at each
// acquisition, call and condition op; with the integer constants a call passes (Call::constants)
// they rule the statement out (`maxconns_handler(-42, 0, 0)` never reaches the `else` of
// `if (fd == -42 || ...)`: locks::feasible).
// Header-only (inline), like AstHelpers.h.
#pragma once

#include <clang/AST/ASTContext.h>
#include <clang/AST/Expr.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/Stmt.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "AstHelpers.h"
#include "LockSummary.h"

namespace weft::analyzer::ast {

using locks::ParamTest;

// `pv` is assigned, stepped or has its address taken somewhere in `body`: a test of it need not
// see the value the caller passed.
inline bool paramWritten(const clang::Stmt* s, const clang::ParmVarDecl* pv) {
  if (!s) return false;
  auto names = [&](const clang::Expr* e) {
    const auto* r = llvm::dyn_cast<clang::DeclRefExpr>(e->IgnoreParenImpCasts());
    return r && r->getDecl() == pv;
  };
  if (const auto* b = llvm::dyn_cast<clang::BinaryOperator>(s); b && b->isAssignmentOp() &&
                                                               names(b->getLHS()))
    return true;
  if (const auto* u = llvm::dyn_cast<clang::UnaryOperator>(s);
      u && (u->isIncrementDecrementOp() || u->getOpcode() == clang::UO_AddrOf) &&
      names(u->getSubExpr()))
    return true;
  for (const clang::Stmt* c : s->children())
    if (paramWritten(c, pv)) return true;
  return false;
}

// Adds what `cond` being `truth` says about `fn`'s parameters: tests of a parameter against an
// integer constant, through `&&` when true, `||` when false, and `!`.
inline void addParamTests(clang::ASTContext& ctx, const clang::FunctionDecl* fn,
                          const clang::Expr* cond, bool truth, std::vector<ParamTest>& out) {
  cond = cond->IgnoreParenImpCasts();
  if (const auto* u = llvm::dyn_cast<clang::UnaryOperator>(cond); u && u->getOpcode() == clang::UO_LNot) {
    addParamTests(ctx, fn, u->getSubExpr(), !truth, out);
    return;
  }
  const auto* b = llvm::dyn_cast<clang::BinaryOperator>(cond);
  if (!b) return;
  if ((b->getOpcode() == clang::BO_LAnd && truth) || (b->getOpcode() == clang::BO_LOr && !truth)) {
    addParamTests(ctx, fn, b->getLHS(), truth, out);
    addParamTests(ctx, fn, b->getRHS(), truth, out);
    return;
  }
  if (b->getOpcode() != clang::BO_EQ && b->getOpcode() != clang::BO_NE) return;
  auto param = [&](const clang::Expr* e) -> std::optional<unsigned> {
    const auto* ref = llvm::dyn_cast<clang::DeclRefExpr>(e->IgnoreParenImpCasts());
    const auto* pv = ref ? llvm::dyn_cast<clang::ParmVarDecl>(ref->getDecl()) : nullptr;
    if (!pv || pv->getDeclContext() != fn) return std::nullopt;
    if (fn->hasBody() && paramWritten(fn->getBody(), pv)) return std::nullopt;
    return pv->getFunctionScopeIndex();
  };
  auto constant = [&](const clang::Expr* e) -> std::optional<std::int64_t> {
    clang::Expr::EvalResult r;
    if (e->isValueDependent() || !e->EvaluateAsInt(r, ctx)) return std::nullopt;
    return r.Val.getInt().getExtValue();
  };
  std::optional<unsigned> p = param(b->getLHS());
  std::optional<std::int64_t> v = constant(b->getRHS());
  if (!p || !v) {
    p = param(b->getRHS());
    v = constant(b->getLHS());
  }
  if (!p || !v) return;
  out.push_back({*p, (b->getOpcode() == clang::BO_EQ) == truth, *v});
}

// A statement that always leaves the function: `return ...;`, or a block ending in one.
inline bool leavesFunction(const clang::Stmt* s) {
  if (const auto* cs = llvm::dyn_cast_or_null<clang::CompoundStmt>(s))
    return cs->size() > 0 && leavesFunction(cs->body_back());
  return llvm::isa_and_nonnull<clang::ReturnStmt>(s);
}

// What every path from `fn`'s entry to `stmt` says about `fn`'s parameters: the `if`s enclosing
// it (the then-branch: the condition held; the else-branch: it failed), and the early exits
// before it in its enclosing blocks (`if (fd == -1) return;` means fd != -1 after it).
// Parameters the body writes are left out.
inline std::vector<ParamTest> paramTestsAt(clang::ASTContext& ctx, const clang::FunctionDecl* fn,
                                           const clang::Stmt* stmt) {
  std::vector<ParamTest> out;
  if (!stmt || !fn) return out;
  walkOut(ctx, stmt, [&](const clang::Stmt* p, const clang::Stmt* child) {
    if (const auto* i = llvm::dyn_cast<clang::IfStmt>(p); i && child && !i->isConsteval() &&
                                                         !i->getConditionVariable()) {
      if (child == i->getThen()) addParamTests(ctx, fn, i->getCond(), true, out);
      if (child == i->getElse()) addParamTests(ctx, fn, i->getCond(), false, out);
    }
    if (const auto* cs = llvm::dyn_cast<clang::CompoundStmt>(p); cs && child) {
      for (const clang::Stmt* st : cs->body()) {
        if (st == child) break;
        const auto* i = llvm::dyn_cast<clang::IfStmt>(st);
        if (i && !i->getElse() && !i->isConsteval() && !i->getInit() &&
            !i->getConditionVariable() && leavesFunction(i->getThen()))
          addParamTests(ctx, fn, i->getCond(), false, out);
      }
    }
    return true;
  });
  return out;
}

}  // namespace weft::analyzer::ast
