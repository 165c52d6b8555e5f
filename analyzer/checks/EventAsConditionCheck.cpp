// event-as-condition: see EventAsConditionCheck.h and docs/checks/event-as-condition.md.
#include "EventAsConditionCheck.h"

#include <clang/AST/ASTContext.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/ParentMapContext.h>
#include <clang/AST/StmtCXX.h>
#include <clang/ASTMatchers/ASTMatchers.h>
#include <clang/Lex/Lexer.h>

#include <algorithm>
#include <map>
#include <set>

#include "AstHelpers.h"
#include "LockModel.h"
#include "Matchers.h"

using namespace clang;
using namespace clang::ast_matchers;

namespace weft::analyzer {

using ast::collectDecls;
using ast::objectDecl;
using ast::sourceText;

namespace {

// Whether a lock may be held at the wait (or acquire) `call`: the lock model's may-hold set
// there (LockModel.h records event waits and semaphore acquires as CondOp::event), so the check
// before it may have been made under that lock. A wait the model has no fact for (a function it
// skips) counts as locked: not reported.
bool lockedAt(ASTContext& ctx, const CallExpr* call) {
  const locks::CondOp* op = locks::condOpAt(ctx, call);
  return !op || !op->event || !op->at.mayHold.empty();
}

// `if (cond) break;` (or continue / return / goto, alone or ending a block) with no else: an
// early exit that checks `cond` before what follows it.
const Expr* earlyExitCondition(const Stmt* s) {
  const auto* i = dyn_cast<IfStmt>(s);
  if (!i || i->getElse() || i->hasInitStorage() || i->hasVarStorage()) return nullptr;
  const Stmt* then = i->getThen();
  if (const auto* block = dyn_cast<CompoundStmt>(then))
    then = block->body_empty() ? nullptr : block->body_back();
  return isa_and_nonnull<BreakStmt, ContinueStmt, ReturnStmt, GotoStmt>(then) ? i->getCond()
                                                                             : nullptr;
}

// Where a wait (or acquire) sits in its function.
struct Context {
  const Expr* exitCheck = nullptr;  // the nearest early exit before it (earlyExitCondition)
  const Expr* cond = nullptr;    // the nearest enclosing if/loop condition guarding it
  bool condIsIf = false;         // ... and that is an `if` (checked once, never re-checked)
  bool inLoop = false;           // some enclosing loop runs it repeatedly
  const void* function = nullptr;  // the enclosing FunctionDecl or LambdaExpr
};

Context contextOf(ASTContext& ctx, const Stmt* call) {
  Context c;
  ast::Enclosing e = ast::walkOut(ctx, call, [&](const Stmt* s, const Stmt* child) {
    if (const auto* block = dyn_cast<CompoundStmt>(s); block && child) {
      const Expr* exit = nullptr;
      for (const Stmt* st : block->body()) {
        if (st == child) break;
        if (const Expr* e = earlyExitCondition(st)) exit = e;
      }
      if (!c.exitCheck) c.exitCheck = exit;
    }
    if (!c.cond) {
      if (const auto* i = dyn_cast<IfStmt>(s); i && child != i->getCond()) {
        c.cond = i->getCond();
        c.condIsIf = true;
      }
      if (const auto* w = dyn_cast<WhileStmt>(s); w && child == w->getBody()) c.cond = w->getCond();
      if (const auto* d = dyn_cast<DoStmt>(s); d && child == d->getBody()) c.cond = d->getCond();
      if (const auto* f = dyn_cast<ForStmt>(s); f && child == f->getBody()) c.cond = f->getCond();
    }
    if (const auto* f = dyn_cast<ForStmt>(s); f && child && child != f->getInit()) c.inLoop = true;
    if (isa<WhileStmt, DoStmt, CXXForRangeStmt>(s) && child) c.inLoop = true;
    return true;
  });
  c.function = e.lambda ? static_cast<const void*>(e.lambda) : e.function;
  return c;
}

// The first shared variable or member `cond` reads, other than `self`; null when the condition
// reads `self` (it re-checks the event itself) or only locals.
const ValueDecl* checkedState(const Expr* cond, const ValueDecl* self) {
  if (!cond) return nullptr;
  std::vector<const ValueDecl*> decls;
  collectDecls(cond, decls);
  const ValueDecl* state = nullptr;
  for (const ValueDecl* d : decls) {
    if (d == self) return nullptr;
    if (!state && ast::sharedState(d) && !isa<FunctionDecl>(d)) state = d;
  }
  return state;
}

// Whether `s` names the declaration `d`.
bool namesDecl(const Stmt* s, const ValueDecl* d) {
  std::vector<const ValueDecl*> named;
  collectDecls(s, named);
  return std::find(named.begin(), named.end(), d) != named.end();
}

// The member call statement `s` makes: `ev.wait()`, or the `co_await ev.wait()` of an awaitable
// event (weft::aio::Event), through the implicit nodes around either; null for anything else.
const CXXMemberCallExpr* memberCallOf(const Stmt* s) {
  const auto* e = dyn_cast_or_null<Expr>(s);
  if (!e) return nullptr;
  e = e->IgnoreImplicit();
  if (const auto* a = dyn_cast<CoawaitExpr>(e)) e = a->getOperand()->IgnoreImplicit();
  return dyn_cast<CXXMemberCallExpr>(e->IgnoreParens());
}

// Whether `s` is `wait` on the event `ev` (awaited or not).
const CXXMemberCallExpr* waitOn(const Stmt* s, const ValueDecl* ev) {
  const CXXMemberCallExpr* call = memberCallOf(s);
  if (!call || !call->getMethodDecl() || call->getMethodDecl()->getName() != "wait" ||
      objectDecl(call->getImplicitObjectArgument()) != ev)
    return nullptr;
  return call;
}

// weft::aio::Event: its tasks share one event loop and switch only at a co_await, so what runs
// between two suspension points is atomic with respect to the other tasks.
bool isAioEvent(const ValueDecl* ev) {
  const auto* rd = ev->getType().getNonReferenceType()->getAsCXXRecordDecl();
  return rd && rd->getQualifiedNameAsString() == "weft::aio::Event";
}

// Whether `s` suspends the running task somewhere (a co_await or co_yield in it).
bool suspends(const Stmt* s) {
  if (!s) return false;
  if (isa<CoawaitExpr, CoyieldExpr, DependentCoawaitExpr>(s)) return true;
  if (isa<LambdaExpr>(s)) return false;  // a lambda's body runs elsewhere
  for (const Stmt* child : s->children())
    if (suspends(child)) return true;
  return false;
}

// The first call in `s` (pre-order), if any.
const CallExpr* firstCall(const Stmt* s) {
  if (!s) return nullptr;
  if (const auto* call = dyn_cast<CallExpr>(s); call && call->getDirectCallee()) return call;
  for (const Stmt* child : s->children())
    if (const CallExpr* c = firstCall(child)) return c;
  return nullptr;
}

}  // namespace

// send(cmd); ev.clear(); ev.wait(); — the reset comes after the request that makes another
// thread set the event: a reply that arrives before the reset is wiped out and the wait hangs
// (or waits for the next reply). The reset is followed, in its block, by a wait on the event
// (only statements not naming it between), and preceded by a statement with a call that does not
// name it (the request). Reported at the reset: the fix moves it before the request.
void EventAsConditionCheck::checkResetAfterRequest(ASTContext& ctx, const CXXMemberCallExpr* reset,
                                                   const ValueDecl* ev, const CompoundStmt* block,
                                                   const Stmt* stmt, const std::string& name,
                                                   const std::string& what) {
  const CXXMemberCallExpr* wait = nullptr;
  const Stmt* waitStmt = nullptr;
  const CallExpr* request = nullptr;
  // An aio::Event is set by another task only while this one is suspended: a request made
  // without a co_await cannot be answered before the reset.
  bool aio = isAioEvent(ev);
  bool after = false;
  for (const Stmt* s : block->body()) {
    if (s == stmt) {
      after = true;
      continue;
    }
    if (!after) {
      // The nearest earlier call that does not touch the event; a statement naming it (a wait,
      // a set, a check) starts over.
      if (namesDecl(s, ev)) request = nullptr;
      else if (const CallExpr* c = firstCall(s))
        // A wait for something else (`published.wait()`) is no request to another thread.
        request = c->getDirectCallee()->getNameAsString() == "wait" || (aio && !suspends(s))
                      ? nullptr
                      : c;
      continue;
    }
    if (!namesDecl(s, ev)) continue;
    wait = waitOn(s, ev);
    waitStmt = s;
    break;
  }
  if (!wait || !request) return;
  resetAfterRequest_.push_back({reset, request, wait, waitStmt, name, what});
  (void)ctx;
}

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
  // std::binary_semaphore is std::counting_semaphore<1> (matched through the callee's class:
  // thisPointerType does not see through the alias).
  auto BinarySemaphore = classTemplateSpecializationDecl(
      hasName("::std::counting_semaphore"), hasTemplateArgument(0, equalsIntegralValue("1")));
  finder->addMatcher(
      cxxMemberCallExpr(callee(cxxMethodDecl(
          hasAnyName("acquire", "try_acquire", "try_acquire_for", "try_acquire_until", "release"),
          ofClass(BinarySemaphore))))
          .bind("semaphore"),
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
    // wait(); ...; clear(); — the nearest earlier statement of the block that names the event
    // is a wait on it; what lies between (handling the signal) does not touch the event.
    std::vector<const Stmt*> before;
    for (const Stmt* s : block->body()) {
      if (s == stmt) break;
      before.push_back(s);
    }
    const CXXMemberCallExpr* wait = nullptr;
    const Stmt* waitStmt = nullptr;  // the wait's statement: `co_await ev.wait();` starts there
    for (auto it = before.rbegin(); it != before.rend() && !wait; ++it) {
      std::vector<const ValueDecl*> named;
      collectDecls(*it, named);
      if (std::find(named.begin(), named.end(), ev) == named.end()) continue;
      wait = waitOn(*it, ev);  // `ev.wait();` or `co_await ev.wait();`
      if (!wait) return;       // the event is set, checked or waited on otherwise in between
      waitStmt = *it;
    }
    std::string name = sourceText(ctx, reset->getImplicitObjectArgument()->getSourceRange());
    std::string what = reset->getMethodDecl()->getNameAsString();
    if (!wait) {
      checkResetAfterRequest(ctx, reset, ev, block, stmt, name, what);
      return;
    }
    reportedWaits_.insert(wait);
    // Reported at the wait: that is what the fix replaces (a Condition wait with a predicate).
    diag(waitStmt->getBeginLoc(), "'" + name + "' is waited on, then reset by '" + what +
                                  "': a set() that arrives between the two is lost; use a "
                                  "Condition with its lock and a predicate")
        .note(reset->getBeginLoc(), "'" + name + "' is reset here");
    return;
  }

  if (const auto* sem = result.Nodes.getNodeAs<CXXMemberCallExpr>("semaphore")) {
    const ValueDecl* d = objectDecl(sem->getImplicitObjectArgument());
    if (!d) return;
    Context c = contextOf(ctx, sem);
    bool release = sem->getMethodDecl()->getName() == "release";
    SemaphoreUse use{sem, d, c.function, release, false, {}, {}};
    use.name = sourceText(ctx, sem->getImplicitObjectArgument()->getSourceRange());
    // try_acquire() does not block: it is a poll, not a wait for a signal.
    if (!release && sem->getMethodDecl()->getName() != "try_acquire" && !lockedAt(ctx, sem)) {
      const ValueDecl* state = c.condIsIf ? checkedState(c.cond, d) : nullptr;
      if (state) use.stateName = state->getNameAsString();
      use.candidate = state || c.inLoop;
    }
    semaphoreUses_.push_back(std::move(use));
    return;
  }

  const auto* wait = result.Nodes.getNodeAs<CXXMemberCallExpr>("wait");
  if (!wait) return;
  const ValueDecl* ev = objectDecl(wait->getImplicitObjectArgument());
  if (!ev) return;
  // A lock held at the wait on some path: whatever this is, it is not an unlocked check. A
  // condition that re-checks the event itself (`while (!stop.is_set())`) is correct use.
  // An aio::Event's check and wait run without a task switch between them (nothing is
  // awaited there): no other task can change the state in between.
  if (isAioEvent(ev)) return;
  if (lockedAt(ctx, wait)) return;
  Context c = contextOf(ctx, wait);
  const ValueDecl* state = checkedState(c.cond, ev);
  // `while (true) { if (ready) break; ...; ev.wait(); }`: the early exit is the check.
  if (!state && c.exitCheck) state = checkedState(c.exitCheck, ev);
  if (!state) return;
  checkThenWait_.push_back({wait, ev,
                            sourceText(ctx, wait->getImplicitObjectArgument()->getSourceRange()),
                            state->getNameAsString()});
}

void EventAsConditionCheck::onEndOfTranslationUnit(ASTContext&) {
  // Only an event that is reset can lose the signal the check relied on; a one-shot event set
  // once and never cleared stays set, so the unlocked check is harmless.
  for (const Candidate& c : checkThenWait_) {
    if (!resetEvents_.count(c.event) || reportedWaits_.count(c.wait)) continue;
    diag(c.wait->getBeginLoc(), "'" + c.eventName + "' is waited on after checking '" +
                                    c.stateName +
                                    "' without a lock: the check and the wait are not atomic; "
                                    "use a Condition with its lock and a predicate");
  }
  for (const ResetAfterRequest& r : resetAfterRequest_) {
    bool checked =
        std::any_of(checkThenWait_.begin(), checkThenWait_.end(), [&](const Candidate& c) {
          return c.wait == r.wait && resetEvents_.count(c.event);
        });
    if (checked) continue;
    std::string callee = r.request->getDirectCallee()->getNameAsString();
    diag(r.reset->getBeginLoc(), "'" + r.name + "' is reset by '" + r.what + "' after '" + callee +
                                     "' and then waited on: a set() that answers '" + callee +
                                     "' before the reset is lost and the wait may never return; "
                                     "reset it before the request, or use a Condition with its "
                                     "lock and a predicate")
        .note(r.request->getBeginLoc(), "'" + callee + "' is called here, before the reset")
        .note(r.waitStmt->getBeginLoc(), "'" + r.name + "' is waited on here");
  }
  reportSemaphores();
}

void EventAsConditionCheck::reportSemaphores() {
  // Per function: the binary semaphores it acquires and releases.
  std::map<const void*, std::set<const ValueDecl*>> acquired, released;
  for (const SemaphoreUse& u : semaphoreUses_)
    (u.release ? released : acquired)[u.function].insert(u.semaphore);
  // A release is a signal when its function does not acquire the same semaphore (that is a
  // lock or a pool slot) and waits for no hand-back (a semaphore it acquires and does not
  // release: the two-semaphore ping-pong, where releases cannot pile up).
  std::map<const ValueDecl*, const CXXMemberCallExpr*> signal;
  for (const SemaphoreUse& u : semaphoreUses_) {
    if (!u.release || signal.count(u.semaphore)) continue;
    const std::set<const ValueDecl*>& acq = acquired[u.function];
    if (acq.count(u.semaphore)) continue;
    bool handBack = false;
    for (const ValueDecl* other : acq)
      if (!released[u.function].count(other)) handBack = true;
    if (!handBack) signal[u.semaphore] = u.call;
  }
  for (const SemaphoreUse& u : semaphoreUses_) {
    if (u.release || !u.candidate) continue;
    auto it = signal.find(u.semaphore);
    // Released nowhere as a signal (a one-shot gate released once, a pool): nothing coalesces.
    if (it == signal.end()) continue;
    // The same function releases it too: a lock or a slot, not an event.
    if (released[u.function].count(u.semaphore)) continue;
    std::string method = u.call->getMethodDecl()->getNameAsString();
    if (!u.stateName.empty()) {
      diag(u.call->getBeginLoc(),
           "'" + u.name + "' is acquired after checking '" + u.stateName +
               "' without a lock: the check and the acquire are not atomic, and a release() left "
               "from an earlier round lets it return while the state is unchanged; use a "
               "Condition with its lock and a predicate")
          .note(it->second->getBeginLoc(), "'" + u.name + "' is released here as a signal");
    } else {
      diag(u.call->getBeginLoc(),
           "'" + u.name + "' is a binary_semaphore used as an auto-reset event: release() calls "
               "that arrive before this " + method + "() coalesce into one, so signals are lost; "
               "use a Condition with its lock and a predicate, or a counting_semaphore that "
               "counts the items")
          .note(it->second->getBeginLoc(), "'" + u.name + "' is released here as a signal");
    }
  }
}

}  // namespace weft::analyzer
