// lock-across-suspend: see LockAcrossSuspendCheck.h and docs/checks/lock-across-suspend.md.
//
// For each coroutine with a body, its statements are walked in order, keeping the thread locks
// held at each point of a block: a guard declared in the block (std::lock_guard, scoped_lock,
// unique_lock and shared_lock unless constructed with std::defer_lock, classes with Clang's
// `scoped_lockable` attribute) until the block ends or `unlock()` / `release()` is called on it,
// and a lock object locked by a member call (`mu.lock()`, `wl.acquire()`) until its unlock. A
// co_await or co_yield reached with one of them held is reported, once per lock. Lambdas are
// functions of their own and are not walked; `co_return` is not a suspension with the body's
// locals alive (they are destroyed before the final suspend).
#include "LockAcrossSuspendCheck.h"

#include <clang/AST/Decl.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/StmtCXX.h>
#include <clang/ASTMatchers/ASTMatchers.h>

#include <set>
#include <vector>

#include "AstHelpers.h"
#include "LockVocabulary.h"
#include "Matchers.h"

using namespace clang;
using namespace clang::ast_matchers;

namespace weft::analyzer {
namespace {

// A lock held at some point of the walk.
struct Held {
  const ValueDecl* key;  // the guard variable, or the lock object locked by a member call
  SourceLocation where;  // where it was taken
  std::string what;      // for the message: "'g' (a std::lock_guard)", "'mu'"
  bool held = true;
};

const ValueDecl* declOf(const Expr* e) {
  if (e == nullptr) return nullptr;
  e = e->IgnoreParenImpCasts();
  if (const auto* r = dyn_cast<DeclRefExpr>(e)) return r->getDecl();
  if (const auto* m = dyn_cast<MemberExpr>(e)) return m->getMemberDecl();
  return nullptr;
}

// True when the guard declared by `v` holds its lock once constructed: not std::defer_lock.
bool holdsAtConstruction(const VarDecl* v) {
  const auto* ctor = v->getInit() ? dyn_cast<CXXConstructExpr>(v->getInit()->IgnoreImplicit()) : nullptr;
  if (ctor == nullptr || ctor->getNumArgs() == 0) return false;  // no mutex: holds nothing
  for (const Expr* arg : ctor->arguments()) {
    const auto* rd = arg->getType().getNonReferenceType()->getAsCXXRecordDecl();
    if (rd != nullptr && rd->getName() == "defer_lock_t") return false;
  }
  return true;
}

class Walker {
 public:
  Walker(LockAcrossSuspendCheck& check, const FunctionDecl* fn) : check_(check), fn_(fn) {}

  void walk(const Stmt* s) {
    if (s == nullptr || isa<LambdaExpr>(s) || isa<BlockExpr>(s)) return;
    if (const auto* cs = dyn_cast<CompoundStmt>(s)) {
      std::size_t mark = held_.size();
      for (const Stmt* c : cs->body()) walk(c);
      held_.resize(mark);
      return;
    }
    if (const auto* ds = dyn_cast<DeclStmt>(s)) {
      for (const Decl* d : ds->decls()) {
        const auto* v = dyn_cast<VarDecl>(d);
        if (v == nullptr) continue;
        if (v->getInit()) walk(v->getInit());
        if (!v->getType()->isReferenceType() && !v->getType()->isPointerType() &&
            vocab::guardKind(v->getType()) != vocab::Guard::kNone) {
          // A deferred guard is tracked too: its lock() takes the lock later.
          std::string what = "'";
          what += v->getNameAsString();
          what += "' (a ";
          what += v->getType().getCanonicalType().getUnqualifiedType().getAsString(
              check_.printingPolicy());
          what += ")";
          held_.push_back({v, v->getLocation(), what, holdsAtConstruction(v)});
        }
      }
      return;
    }
    if (isa<CoawaitExpr>(s) || isa<CoyieldExpr>(s) || isa<DependentCoawaitExpr>(s)) {
      // The operand is evaluated before the coroutine suspends.
      const Expr* operand = nullptr;
      if (const auto* a = dyn_cast<CoawaitExpr>(s)) operand = a->getOperand();
      if (const auto* y = dyn_cast<CoyieldExpr>(s)) operand = y->getOperand();
      if (const auto* d = dyn_cast<DependentCoawaitExpr>(s)) operand = d->getOperand();
      walk(operand);
      suspend(s, isa<CoyieldExpr>(s) ? "co_yield" : "co_await");
      return;
    }
    if (const auto* mc = dyn_cast<CXXMemberCallExpr>(s)) {
      for (const Stmt* c : s->children()) walk(c);
      memberCall(mc);
      return;
    }
    for (const Stmt* c : s->children()) walk(c);
  }

 private:
  void memberCall(const CXXMemberCallExpr* mc) {
    const CXXMethodDecl* m = mc->getMethodDecl();
    const ValueDecl* obj = declOf(mc->getImplicitObjectArgument());
    if (m == nullptr || obj == nullptr || !m->getDeclName().isIdentifier()) return;
    llvm::StringRef name = m->getName();
    for (Held& h : held_) {
      if (h.key != obj) continue;
      switch (vocab::guardMethod(name)) {
        case vocab::GuardMethod::kUnlock:
        case vocab::GuardMethod::kRelease:
          h.held = false;
          return;
        case vocab::GuardMethod::kLock:
        case vocab::GuardMethod::kTryLock:
          h.held = true;
          h.where = mc->getBeginLoc();
          return;
        default:
          break;
      }
      if (vocab::releasesLock(m)) h.held = false;
      return;
    }
    // A lock object locked by a member call: std::mutex::lock(), weft::Lock::acquire().
    if (!vocab::lockType(mc->getImplicitObjectArgument()->getType())) return;
    if (vocab::takesLock(m) && (name != "acquire" || vocab::acquireBlocks(mc, check_.context()))) {
      std::string what = "'";
      what += obj->getNameAsString();
      what += "'";
      held_.push_back({obj, mc->getBeginLoc(), what});
    }
  }

  void suspend(const Stmt* at, const char* how) {
    for (Held& h : held_) {
      if (!h.held || reported_.count(h.key)) continue;
      reported_.insert(h.key);
      std::string message = "thread lock ";
      message += h.what;
      message += " is held across this ";
      message += how;
      message += " in ";
      const auto* md = dyn_cast<CXXMethodDecl>(fn_);
      if (md != nullptr && md->getParent()->isLambda()) {
        message += "a coroutine lambda";
      } else {
        message += "coroutine '";
        message += fn_->getQualifiedNameAsString();
        message += "'";
      }
      message += ": the coroutine may resume on another thread, which then unlocks a mutex it does not own, "
                 "or never, and the lock stays held";
      check_.report(at->getBeginLoc(), message, h.where);
    }
  }

  LockAcrossSuspendCheck& check_;
  const FunctionDecl* fn_;
  std::vector<Held> held_;
  std::set<const ValueDecl*> reported_;
};

}  // namespace

void LockAcrossSuspendCheck::registerMatchers(MatchFinder* finder) {
  finder->addMatcher(
      functionDecl(isDefinition(), hasBody(coroutineBodyStmt()), unless(isTemplateInstantiation()))
          .bind("coroutine"),
      this);
}

void LockAcrossSuspendCheck::check(const MatchFinder::MatchResult& result) {
  const auto* fn = result.Nodes.getNodeAs<FunctionDecl>("coroutine");
  if (fn == nullptr) return;
  const auto* body = dyn_cast_or_null<CoroutineBodyStmt>(fn->getBody());
  if (body == nullptr) return;
  context_ = result.Context;
  Walker w(*this, fn);
  w.walk(body->getBody());
}

void LockAcrossSuspendCheck::report(SourceLocation at, const std::string& message,
                                    SourceLocation taken) {
  diag(at, message)
      .note(taken, "the lock is taken here; release it before suspending (end the guard's block), or use "
                   "a lock made for tasks (weft::aio::Lock)");
}

}  // namespace weft::analyzer
