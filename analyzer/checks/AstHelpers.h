// Small AST helpers shared by the checks: the source text of a range, the variable or member an
// object expression names, the declarations an expression reads, the walk out to the enclosing
// function. Header-only (inline); the checks include it after the Clang headers they use. What
// takes or releases a lock is LockVocabulary.h.
#pragma once

#include <clang/AST/ASTContext.h>
#include <clang/AST/ParentMapContext.h>
#include <clang/AST/DeclCXX.h>
#include <clang/AST/Expr.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/Stmt.h>
#include <clang/Lex/Lexer.h>

#include <string>
#include <vector>

namespace weft::analyzer::ast {

// The spelling of `r` in the file (e.g. "this->cv_" for a member call's object); empty when the
// range is not in a file (a macro argument the lexer cannot map).
inline std::string sourceText(const clang::ASTContext& ctx, clang::SourceRange r) {
  return clang::Lexer::getSourceText(clang::CharSourceRange::getTokenRange(r),
                                     ctx.getSourceManager(), ctx.getLangOpts())
      .str();
}

// The variable or member an object expression names (`ev`, `this->ev_`, `s.ev`, `&m`), else
// null (a call result, an array element, ...).
inline const clang::ValueDecl* objectDecl(const clang::Expr* e) {
  if (!e) return nullptr;
  e = e->IgnoreParenImpCasts();
  if (const auto* u = llvm::dyn_cast<clang::UnaryOperator>(e);
      u && u->getOpcode() == clang::UO_AddrOf)
    return objectDecl(u->getSubExpr());
  if (const auto* r = llvm::dyn_cast<clang::DeclRefExpr>(e)) return r->getDecl();
  if (const auto* m = llvm::dyn_cast<clang::MemberExpr>(e)) return m->getMemberDecl();
  return nullptr;
}

// Every variable, member and function `s` names, in source order (with repeats).
inline void collectDecls(const clang::Stmt* s, std::vector<const clang::ValueDecl*>& out) {
  if (!s) return;
  if (const auto* r = llvm::dyn_cast<clang::DeclRefExpr>(s)) out.push_back(r->getDecl());
  if (const auto* m = llvm::dyn_cast<clang::MemberExpr>(s)) out.push_back(m->getMemberDecl());
  for (const clang::Stmt* child : s->children()) collectDecls(child, out);
}

// State other threads can change: members, globals, statics, and what references point to.
inline bool sharedState(const clang::ValueDecl* d) {
  if (llvm::isa<clang::FieldDecl>(d)) return true;
  if (const auto* v = llvm::dyn_cast<clang::VarDecl>(d))
    return v->hasGlobalStorage() || v->getType()->isReferenceType();
  return false;
}

// What a walk out from a statement reached.
struct Enclosing {
  const clang::FunctionDecl* function = nullptr;  // the enclosing function, when reached
  const clang::LambdaExpr* lambda = nullptr;      // or the lambda whose body holds the statement
  bool stopped = false;                           // visit() returned false
};

// Walks out from `start` to its enclosing function, calling visit(s, child) for each enclosing
// statement `s` in turn; `child` is the statement the walk came from (null when it came through
// a declaration, e.g. the VarDecl whose initialiser holds `start`). A lambda or a block ends the
// walk: it is a function of its own, run wherever it is called. visit returns false to stop.
template <class Visit>
Enclosing walkOut(clang::ASTContext& ctx, const clang::Stmt* start, Visit visit) {
  Enclosing out;
  clang::DynTypedNode node = clang::DynTypedNode::create(*start);
  const clang::Stmt* child = start;
  for (;;) {
    auto parents = ctx.getParents(node);
    if (parents.empty()) return out;
    const clang::DynTypedNode& p = parents[0];
    if (const auto* l = p.get<clang::LambdaExpr>()) {
      out.lambda = l;
      return out;
    }
    if (p.get<clang::BlockExpr>() || p.get<clang::BlockDecl>()) return out;
    if (const auto* f = p.get<clang::FunctionDecl>()) {
      out.function = f;
      return out;
    }
    const clang::Stmt* s = p.get<clang::Stmt>();
    if (s && !visit(s, child)) {
      out.stopped = true;
      return out;
    }
    child = s;
    node = p;
  }
}

}  // namespace weft::analyzer::ast
