// wait-without-lock, notify-without-lock: see WaitWithoutLockCheck.h and docs/checks/.
#include "WaitWithoutLockCheck.h"

#include <clang/AST/ASTContext.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/ParentMapContext.h>
#include <clang/ASTMatchers/ASTMatchers.h>
#include <clang/Lex/Lexer.h>

#include <cstring>

#include "AstHelpers.h"
#include "Matchers.h"

using namespace clang;
using namespace clang::ast_matchers;

namespace weft::analyzer {
namespace {

using ast::objectDecl;
using ast::sourceText;

bool mentions(const Stmt* s, const ValueDecl* d) {
  if (!s) return false;
  if (const auto* r = dyn_cast<DeclRefExpr>(s); r && r->getDecl() == d) return true;
  if (const auto* m = dyn_cast<MemberExpr>(s); m && m->getMemberDecl() == d) return true;
  if (const auto* ds = dyn_cast<DeclStmt>(s)) {
    for (const Decl* x : ds->decls()) {
      if (x == d) return true;
      if (const auto* v = dyn_cast<VarDecl>(x); v && v->getInit() && mentions(v->getInit(), d))
        return true;
    }
  }
  for (const Stmt* c : s->children())
    if (mentions(c, d)) return true;
  return false;
}

// True when `s` takes any lock: a guard declaration or a lock()/acquire()/try_lock() call.
bool anyLocking(const Stmt* s) {
  if (!s) return false;
  if (ast::isLockGuardDecl(s, /*withShared=*/false)) return true;
  if (const auto* call = dyn_cast<CallExpr>(s);
      call && ast::isLockingCallee(call->getDirectCallee(), /*withTry=*/true))
    return true;
  for (const Stmt* c : s->children())
    if (anyLocking(c)) return true;
  return false;
}

enum class State { kHeld, kNotHeld, kUnknown };

// What one statement that mentions the lock `l` does to it. `where` gets its location.
State classify(const Stmt* s, const ValueDecl* l, const ASTContext& ctx, std::string& why) {
  if (const auto* ds = dyn_cast<DeclStmt>(s); ds && ds->isSingleDecl()) {
    const auto* v = dyn_cast<VarDecl>(ds->getSingleDecl());
    if (!v) return State::kUnknown;
    const auto* ctor =
        v->getInit() ? dyn_cast<CXXConstructExpr>(v->getInit()->IgnoreImplicit()) : nullptr;
    const CXXRecordDecl* rd = v->getType()->getAsCXXRecordDecl();
    std::string type = rd ? rd->getQualifiedNameAsString() : "";
    if (v == l) {  // the std::unique_lock passed to wait is declared here
      if (type != "std::unique_lock" || !ctor) return State::kUnknown;
      if (ctor->getNumArgs() == 0) {
        why = "'" + v->getNameAsString() + "' was constructed without a mutex";
        return State::kNotHeld;
      }
      if (ctor->getNumArgs() == 2) {
        const CXXRecordDecl* tag = ctor->getArg(1)->getType()->getAsCXXRecordDecl();
        std::string t = tag ? tag->getQualifiedNameAsString() : "";
        if (t == "std::defer_lock_t") {
          why = "'" + v->getNameAsString() + "' was constructed with std::defer_lock";
          return State::kNotHeld;
        }
        if (t == "std::adopt_lock_t") return State::kHeld;
        return State::kUnknown;
      }
      return State::kHeld;
    }
    // A guard over the lock (`std::unique_lock lk(cond)`): held from here on.
    if ((type == "std::lock_guard" || type == "std::unique_lock" || type == "std::scoped_lock") &&
        ctor && ctor->getNumArgs() >= 1 && objectDecl(ctor->getArg(0)) == l)
      return State::kHeld;
    return State::kUnknown;
  }
  const auto* e = dyn_cast<Expr>(s);
  const auto* call = e ? dyn_cast<CallExpr>(e->IgnoreImplicit()) : nullptr;
  if (!call || !call->getDirectCallee()) return State::kUnknown;
  std::string n = call->getDirectCallee()->getNameAsString();
  const ValueDecl* target = nullptr;
  if (const auto* mc = dyn_cast<CXXMemberCallExpr>(call))
    target = objectDecl(mc->getImplicitObjectArgument());
  else if (call->getNumArgs() >= 1)
    target = objectDecl(call->getArg(0));
  if (target != l) return State::kUnknown;
  if (n == "lock" || n == "acquire" || n == "pthread_mutex_lock" || n == "mtx_lock")
    return State::kHeld;
  if (n == "unlock" || n == "release" || n == "pthread_mutex_unlock" || n == "mtx_unlock") {
    why = "'" + sourceText(ctx, call->getSourceRange()) + "' released it here";
    return State::kNotHeld;
  }
  return State::kUnknown;
}

struct Scan {
  State state = State::kUnknown;
  bool reachedTop = false;  // no statement before the call mentions the lock
  bool functionLocksAnything = false;
  const FunctionDecl* function = nullptr;
  const Stmt* at = nullptr;
  std::string why;
};

// Walks back from `call` through the statements that run before it in straight-line order
// (earlier statements of each enclosing block) to the last one that mentions `l`.
Scan scan(const Stmt* call, const ValueDecl* l, ASTContext& ctx) {
  Scan r;
  ast::Enclosing e = ast::walkOut(ctx, call, [&](const Stmt* s, const Stmt* child) {
    if (const auto* block = dyn_cast<CompoundStmt>(s); block && child) {
      std::vector<const Stmt*> before;
      for (const Stmt* st : block->body()) {
        if (st == child) break;
        before.push_back(st);
      }
      for (auto it = before.rbegin(); it != before.rend(); ++it) {
        if (!mentions(*it, l)) continue;
        r.state = classify(*it, l, ctx, r.why);
        r.at = *it;
        return false;
      }
    } else if (child && !isa<CompoundStmt>(s) && !isa<ExprWithCleanups>(s) &&
               !isa<ImplicitCastExpr>(s) && mentions(s, l) && !mentions(child, l)) {
      // The lock appears in an enclosing statement's other parts (a condition, an init).
      return false;
    }
    return true;
  });
  r.function = e.function;
  if (e.stopped) return r;
  r.reachedTop = true;
  if (r.function && r.function->hasBody()) r.functionLocksAnything = anyLocking(r.function->getBody());
  return r;
}

// weft::Condition used by a function that never locks anything, is not annotated as requiring
// a lock and is not named like a helper called with the lock held.
bool evidentlyUnlocked(const Scan& s) {
  if (!s.reachedTop || s.functionLocksAnything || !s.function) return false;
  if (s.function->hasAttr<RequiresCapabilityAttr>()) return false;
  std::string name = s.function->getNameAsString();
  for (const char* suffix : {"Locked", "_locked", "_locked_", "LockHeld", "_lock_held"})
    if (name.size() >= std::strlen(suffix) &&
        name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
      return false;
  return true;
}

}  // namespace

void WaitWithoutLockCheck::registerMatchers(MatchFinder* finder) {
  auto StdWait = cxxMemberCallExpr(
      callee(cxxMethodDecl(hasAnyName("wait", "wait_for", "wait_until"),
                           ofClass(cxxRecordDecl(hasAnyName("::std::condition_variable",
                                                            "::std::condition_variable_any"))))));
  finder->addMatcher(StdWait.bind("std"), this);
  finder->addMatcher(
      callExpr(callee(functionDecl(hasAnyName("::pthread_cond_wait", "::pthread_cond_timedwait",
                                              "::pthread_cond_clockwait", "::cnd_wait",
                                              "::cnd_timedwait"))))
          .bind("c"),
      this);
  finder->addMatcher(cxxMemberCallExpr(callee(cxxMethodDecl(hasAnyName("wait", "wait_for"),
                                                            ofClass(names::weftConditionClass()))))
                         .bind("weft"),
                     this);
}

void WaitWithoutLockCheck::check(const MatchFinder::MatchResult& result) {
  ASTContext& ctx = *result.Context;
  const CallExpr* call = nullptr;
  const ValueDecl* lock = nullptr;
  bool weft = false;
  if (const auto* c = result.Nodes.getNodeAs<CXXMemberCallExpr>("std")) {
    call = c;
    if (c->getNumArgs() >= 1) lock = objectDecl(c->getArg(0));
  } else if (const auto* c2 = result.Nodes.getNodeAs<CallExpr>("c")) {
    call = c2;
    if (c2->getNumArgs() >= 2) lock = objectDecl(c2->getArg(1));
  } else if (const auto* c3 = result.Nodes.getNodeAs<CXXMemberCallExpr>("weft")) {
    call = c3;
    lock = objectDecl(c3->getImplicitObjectArgument());
    weft = true;
  }
  if (!call || !lock) return;
  Scan s = scan(call, lock, ctx);
  std::string name = call->getDirectCallee()->getNameAsString();
  std::string lockName = lock->getNameAsString();
  if (s.state == State::kNotHeld) {
    diag(call->getBeginLoc(), "'" + name + "' is called without holding the lock '" + lockName + "'")
        .note(s.at->getBeginLoc(), s.why);
  } else if (weft && evidentlyUnlocked(s)) {
    diag(call->getBeginLoc(), "'" + name + "' is called without holding the lock '" + lockName + "'")
        .note(call->getBeginLoc(), "nothing in '" + s.function->getNameAsString() +
                                       "' acquires it; hold it around the check and the wait: "
                                       "'std::unique_lock lk(" + lockName + ");'");
  }
}

void NotifyWithoutLockCheck::registerMatchers(MatchFinder* finder) {
  finder->addMatcher(cxxMemberCallExpr(callee(cxxMethodDecl(hasAnyName("notify", "notify_all"),
                                                            ofClass(names::weftConditionClass()))))
                         .bind("notify"),
                     this);
}

void NotifyWithoutLockCheck::check(const MatchFinder::MatchResult& result) {
  ASTContext& ctx = *result.Context;
  const auto* call = result.Nodes.getNodeAs<CXXMemberCallExpr>("notify");
  const ValueDecl* lock = call ? objectDecl(call->getImplicitObjectArgument()) : nullptr;
  if (!lock) return;
  Scan s = scan(call, lock, ctx);
  std::string name = call->getMethodDecl()->getNameAsString();
  std::string lockName = lock->getNameAsString();
  if (s.state == State::kNotHeld) {
    diag(call->getBeginLoc(), "'" + name + "' is called without holding the lock of '" + lockName + "'")
        .note(s.at->getBeginLoc(), s.why);
  } else if (evidentlyUnlocked(s)) {
    diag(call->getBeginLoc(), "'" + name + "' is called without holding the lock of '" + lockName + "'")
        .note(call->getBeginLoc(), "nothing in '" + s.function->getNameAsString() +
                                       "' acquires it; change the state and notify under "
                                       "'std::lock_guard g(" + lockName + ");'");
  }
}

}  // namespace weft::analyzer
