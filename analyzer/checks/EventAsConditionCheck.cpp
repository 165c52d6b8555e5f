// event-as-condition: see EventAsConditionCheck.h and docs/checks/event-as-condition.md.
#include "EventAsConditionCheck.h"

#include <clang/AST/ASTContext.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/ParentMapContext.h>
#include <clang/AST/StmtCXX.h>
#include <clang/ASTMatchers/ASTMatchers.h>
#include <clang/Lex/Lexer.h>

#include "Matchers.h"

using namespace clang;
using namespace clang::ast_matchers;

namespace weft::analyzer {
namespace {

std::string sourceText(const ASTContext& ctx, SourceRange r) {
  return Lexer::getSourceText(CharSourceRange::getTokenRange(r), ctx.getSourceManager(),
                              ctx.getLangOpts())
      .str();
}

// The variable or member an object expression names (`ev`, `this->ev_`, `s.ev`), else null.
const ValueDecl* objectDecl(const Expr* e) {
  if (!e) return nullptr;
  e = e->IgnoreParenImpCasts();
  if (const auto* u = dyn_cast<UnaryOperator>(e); u && u->getOpcode() == UO_AddrOf)
    return objectDecl(u->getSubExpr());
  if (const auto* r = dyn_cast<DeclRefExpr>(e)) return r->getDecl();
  if (const auto* m = dyn_cast<MemberExpr>(e)) return m->getMemberDecl();
  return nullptr;
}

void collectDecls(const Stmt* s, std::vector<const ValueDecl*>& out) {
  if (!s) return;
  if (const auto* r = dyn_cast<DeclRefExpr>(s)) out.push_back(r->getDecl());
  if (const auto* m = dyn_cast<MemberExpr>(s)) out.push_back(m->getMemberDecl());
  for (const Stmt* child : s->children()) collectDecls(child, out);
}

// State other threads can change: members, globals, statics, and what references point to.
bool shared(const ValueDecl* d) {
  if (isa<FieldDecl>(d)) return true;
  if (const auto* v = dyn_cast<VarDecl>(d))
    return v->hasGlobalStorage() || v->getType()->isReferenceType();
  return false;
}

bool isLockGuardDecl(const Stmt* s) {
  const auto* ds = dyn_cast<DeclStmt>(s);
  if (!ds) return false;
  for (const Decl* d : ds->decls()) {
    const auto* v = dyn_cast<VarDecl>(d);
    if (!v) continue;
    const CXXRecordDecl* rd = v->getType()->getAsCXXRecordDecl();
    if (!rd) continue;
    std::string n = rd->getQualifiedNameAsString();
    if (n == "std::lock_guard" || n == "std::unique_lock" || n == "std::scoped_lock" ||
        n == "std::shared_lock")
      return true;
  }
  return false;
}

bool isLockCall(const Stmt* s) {
  const auto* e = dyn_cast<Expr>(s);
  if (!e) return false;
  const auto* call = dyn_cast<CallExpr>(e->IgnoreImplicit());
  if (!call || !call->getDirectCallee()) return false;
  std::string n = call->getDirectCallee()->getNameAsString();
  return n == "lock" || n == "acquire" || n == "pthread_mutex_lock" || n == "mtx_lock";
}

}  // namespace

void EventAsConditionCheck::registerMatchers(MatchFinder* finder) {
  auto Event = names::weftEventClass();
  auto Atomic = names::atomicFlagClass();
  auto EventWait = cxxMemberCallExpr(callee(cxxMethodDecl(hasName("wait"))),
                                     thisPointerType(cxxRecordDecl(anyOf(Event, Atomic))));
  finder->addMatcher(EventWait.bind("wait"), this);
  auto Reset = cxxMemberCallExpr(
      anyOf(allOf(callee(cxxMethodDecl(hasName("clear"))),
                  thisPointerType(cxxRecordDecl(anyOf(Event, Atomic)))),
            allOf(callee(cxxMethodDecl(hasName("store"))), thisPointerType(Atomic),
                  hasArgument(0, ignoringImplicit(cxxBoolLiteral(equals(false)))))));
  finder->addMatcher(Reset.bind("reset"), this);
  finder->addMatcher(cxxOperatorCallExpr(hasOverloadedOperatorName("="),
                                         hasArgument(0, hasType(cxxRecordDecl(Atomic))),
                                         hasArgument(1, ignoringImplicit(cxxBoolLiteral(equals(false)))))
                         .bind("assign"),
                     this);
}

void EventAsConditionCheck::check(const MatchFinder::MatchResult& result) {
  ASTContext& ctx = *result.Context;
  if (const auto* assign = result.Nodes.getNodeAs<CXXOperatorCallExpr>("assign")) {
    if (const ValueDecl* d = objectDecl(assign->getArg(0))) resetEvents_.insert(d);
    return;
  }
  if (const auto* reset = result.Nodes.getNodeAs<CXXMemberCallExpr>("reset")) {
    const ValueDecl* ev = objectDecl(reset->getImplicitObjectArgument());
    if (!ev) return;
    resetEvents_.insert(ev);
    // wait(); clear(); — the reset is the statement right after a wait on the same event.
    auto parents = ctx.getParents(*reset);
    const Stmt* stmt = reset;
    while (!parents.empty() && !parents[0].get<CompoundStmt>() &&
           (parents[0].get<ExprWithCleanups>() || parents[0].get<ImplicitCastExpr>())) {
      stmt = parents[0].get<Stmt>();
      parents = ctx.getParents(*stmt);
    }
    const auto* block = parents.empty() ? nullptr : parents[0].get<CompoundStmt>();
    if (!block) return;
    const Stmt* prev = nullptr;
    for (const Stmt* s : block->body()) {
      if (s == stmt) break;
      if (!isa<NullStmt>(s)) prev = s;
    }
    const auto* prevExpr = dyn_cast_or_null<Expr>(prev);
    const auto* wait =
        prevExpr ? dyn_cast<CXXMemberCallExpr>(prevExpr->IgnoreImplicit()) : nullptr;
    if (!wait || !wait->getMethodDecl() || wait->getMethodDecl()->getName() != "wait" ||
        objectDecl(wait->getImplicitObjectArgument()) != ev)
      return;
    std::string name = sourceText(ctx, reset->getImplicitObjectArgument()->getSourceRange());
    std::string what = reset->getMethodDecl()->getNameAsString();
    diag(reset->getBeginLoc(), "'" + what + "' right after 'wait' on '" + name +
                                   "' loses a set() that arrives between the two; use a "
                                   "Condition with its lock and a predicate")
        .note(wait->getBeginLoc(), "'" + name + "' was waited on here");
    return;
  }

  const auto* wait = result.Nodes.getNodeAs<CXXMemberCallExpr>("wait");
  if (!wait) return;
  const ValueDecl* ev = objectDecl(wait->getImplicitObjectArgument());
  if (!ev) return;
  // The nearest enclosing if/loop whose body holds the wait, and whether a lock is held.
  const Expr* cond = nullptr;
  DynTypedNode node = DynTypedNode::create(*wait);
  const Stmt* child = wait;
  for (;;) {
    auto parents = ctx.getParents(node);
    if (parents.empty()) break;
    const DynTypedNode& p = parents[0];
    if (p.get<LambdaExpr>() || p.get<FunctionDecl>() || p.get<BlockExpr>()) break;
    const Stmt* s = p.get<Stmt>();
    if (!s) {
      node = p;
      child = nullptr;
      continue;
    }
    if (const auto* block = dyn_cast<CompoundStmt>(s); block && child) {
      for (const Stmt* st : block->body()) {
        if (st == child) break;
        // A lock taken before the wait: whatever this is, it is not an unlocked check.
        if (isLockGuardDecl(st) || isLockCall(st)) return;
      }
    }
    if (!cond) {
      if (const auto* i = dyn_cast<IfStmt>(s); i && child != i->getCond()) cond = i->getCond();
      if (const auto* w = dyn_cast<WhileStmt>(s); w && child == w->getBody()) cond = w->getCond();
      if (const auto* d = dyn_cast<DoStmt>(s); d && child == d->getBody()) cond = d->getCond();
      if (const auto* f = dyn_cast<ForStmt>(s); f && child == f->getBody()) cond = f->getCond();
    }
    child = s;
    node = p;
  }
  if (!cond) return;
  std::vector<const ValueDecl*> decls;
  collectDecls(cond, decls);
  const ValueDecl* state = nullptr;
  for (const ValueDecl* d : decls) {
    // The condition re-checks the event itself (`while (!stop.is_set())`): correct use.
    if (d == ev) return;
    if (!state && shared(d) && !isa<FunctionDecl>(d)) state = d;
  }
  if (!state) return;
  checkThenWait_.push_back({wait, ev,
                            sourceText(ctx, wait->getImplicitObjectArgument()->getSourceRange()),
                            state->getNameAsString()});
}

void EventAsConditionCheck::onEndOfTranslationUnit(ASTContext&) {
  // Only an event that is reset can lose the signal the check relied on; a one-shot event set
  // once and never cleared stays set, so the unlocked check is harmless.
  for (const Candidate& c : checkThenWait_) {
    if (!resetEvents_.count(c.event)) continue;
    diag(c.wait->getBeginLoc(), "'" + c.eventName + "' is waited on after checking '" +
                                    c.stateName +
                                    "' without a lock: the check and the wait are not atomic; "
                                    "use a Condition with its lock and a predicate");
  }
}

}  // namespace weft::analyzer
