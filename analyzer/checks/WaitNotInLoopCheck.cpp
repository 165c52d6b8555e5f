// wait-not-in-loop: see WaitNotInLoopCheck.h and docs/checks/wait-not-in-loop.md.
#include "WaitNotInLoopCheck.h"

#include <clang/AST/ASTContext.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/ParentMapContext.h>
#include <clang/AST/StmtCXX.h>
#include <clang/ASTMatchers/ASTMatchers.h>
#include <clang/Index/USRGeneration.h>
#include <clang/Lex/Lexer.h>
#include <llvm/ADT/SmallString.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "AstHelpers.h"
#include "FindingJson.h"
#include "Matchers.h"

using namespace clang;
using namespace clang::ast_matchers;

namespace weft::analyzer {
namespace {

using ast::sourceText;

// A call that changes nothing by its declaration: a const or static member function (e.g.
// `q.empty()`, an atomic's load or `operator bool`), or a function declared pure or const.
bool readOnlyCall(const CallExpr* call) {
  const FunctionDecl* fn = call->getDirectCallee();
  const auto* method = dyn_cast_or_null<CXXMethodDecl>(fn);
  bool pure = fn && (fn->hasAttr<PureAttr>() || fn->hasAttr<ConstAttr>());
  return pure || (method && (method->isConst() || method->isStatic()));
}

// True when evaluating `s` again cannot change anything: no assignments, increments or calls
// other than read-only ones (readOnlyCall).
bool readOnly(const Stmt* s, const ASTContext& ctx) {
  if (!s) return true;
  if (const auto* e = dyn_cast<Expr>(s); e && e->HasSideEffects(ctx, false)) return false;
  if (const auto* call = dyn_cast<CallExpr>(s); call && !readOnlyCall(call)) return false;
  for (const Stmt* child : s->children())
    if (!readOnly(child, ctx)) return false;
  return true;
}

// The variables and members the condition reads.
void collectDecls(const Stmt* s, std::set<const ValueDecl*>& out) {
  std::vector<const ValueDecl*> all;
  ast::collectDecls(s, all);
  out.insert(all.begin(), all.end());
}

// The variables and members `s` reads (not the functions it calls).
std::set<const ValueDecl*> stateOf(const Stmt* s) {
  std::set<const ValueDecl*> all, state;
  collectDecls(s, all);
  for (const ValueDecl* d : all)
    if (isa<VarDecl, FieldDecl>(d)) state.insert(d);
  return state;
}

bool mentionsAny(const Stmt* s, const std::set<const ValueDecl*>& decls) {
  std::set<const ValueDecl*> used;
  collectDecls(s, used);
  for (const ValueDecl* d : used)
    if (decls.count(d)) return true;
  return false;
}

const Stmt* stripImplicit(const Stmt* s) {
  if (const auto* e = dyn_cast_or_null<Expr>(s)) return e->IgnoreImplicit();
  return s;
}

// The statement `s` is the wait `call`, or `co_await call` (an async condition's wait).
bool isTheWait(const Stmt* s, const CallExpr* call) {
  s = stripImplicit(s);
  if (const auto* a = dyn_cast_or_null<CoawaitExpr>(s))
    s = a->getOperand()->IgnoreImplicit()->IgnoreParens();
  return s && s == call->IgnoreImplicit();
}

// The body of a loop statement.
const Stmt* loopBody(const Stmt* loop) {
  if (const auto* w = dyn_cast<WhileStmt>(loop)) return w->getBody();
  if (const auto* d = dyn_cast<DoStmt>(loop)) return d->getBody();
  if (const auto* f = dyn_cast<ForStmt>(loop)) return f->getBody();
  if (const auto* r = dyn_cast<CXXForRangeStmt>(loop)) return r->getBody();
  return nullptr;
}

// The statement a guarding `if` would re-check with: is it the first thing after the `if`?
const Expr* conditionOf(const Stmt* s) {
  if (const auto* i = dyn_cast_or_null<IfStmt>(s)) return i->getCond();
  if (const auto* w = dyn_cast_or_null<WhileStmt>(s)) return w->getCond();
  return nullptr;
}

// A statement that tests the state again after a wait, and acts on it: a `while` (it waits or
// spins until the state holds), an `if` with an `else` (the code that uses the state is in a
// branch), or an `if` whose branch leaves (return, break, continue, goto, throw, co_return) or
// waits again. `if (!ready) ++misses;` only records what it saw and falls through to the code
// that uses the state: no re-check.
bool leavesOrWaitsAgain(const Stmt* s) {
  if (s == nullptr || isa<LambdaExpr>(s)) return false;
  if (isa<ReturnStmt>(s) || isa<BreakStmt>(s) || isa<ContinueStmt>(s) || isa<GotoStmt>(s) ||
      isa<CXXThrowExpr>(s) || isa<CoreturnStmt>(s) || isa<CoawaitExpr>(s))
    return true;
  if (const auto* c = dyn_cast<CXXMemberCallExpr>(s))
    if (const auto* m = c->getMethodDecl(); m && m->getIdentifier() && m->getName().starts_with("wait"))
      return true;
  if (const auto* c = dyn_cast<CallExpr>(s))
    if (const auto* f = c->getDirectCallee(); f && f->getIdentifier() && f->getName().contains("cond_wait"))
      return true;
  for (const Stmt* c : s->children())
    if (leavesOrWaitsAgain(c)) return true;
  return false;
}
bool actsOnRecheck(const Stmt* s) {
  if (isa<WhileStmt>(s)) return true;
  if (const auto* i = dyn_cast<IfStmt>(s)) return i->getElse() != nullptr || leavesOrWaitsAgain(i->getThen());
  return false;
}

// The condition a loop statement tests before each further iteration (none for a range-for).
const Expr* loopCondition(const Stmt* loop) {
  if (const auto* w = dyn_cast<WhileStmt>(loop)) return w->getCond();
  if (const auto* d = dyn_cast<DoStmt>(loop)) return d->getCond();
  if (const auto* f = dyn_cast<ForStmt>(loop)) return f->getCond();
  return nullptr;
}

// Accessors that read a container or an iterator, whatever their constness
// (`queue_[i].begin()` on a non-const deque).
bool readOnlyAccessor(llvm::StringRef name) {
  static const char* const kNames[] = {"begin", "end",  "cbegin", "cend",  "rbegin",   "rend",
                                       "size",  "empty", "find",  "count", "contains", "front",
                                       "back",  "data",  "load"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

// std:: functions that only read their arguments.
bool readOnlyStdFunction(const FunctionDecl* fn) {
  static const char* const kNames[] = {"find",    "find_if", "find_if_not", "count", "count_if",
                                       "any_of",  "all_of",  "none_of",     "distance",
                                       "min",     "max",     "begin",       "end",  "addressof"};
  if (!fn->isInStdNamespace() || !fn->getIdentifier()) return false;
  return std::find(std::begin(kNames), std::end(kNames), fn->getName()) != std::end(kNames);
}

// The target of a write, when it is one of `own`'s variables.
bool writesOwn(const Expr* target, const std::set<const ValueDecl*>& own) {
  const auto* r = dyn_cast<DeclRefExpr>(target->IgnoreParenImpCasts());
  return r && own.count(r->getDecl());
}

// `s` changes nothing but the variables in `own` (locals declared after the wait, in the same
// iteration) and the ones it declares itself (added to `own`), and calls nothing that could:
// read-only calls (readOnlyCall), read-only accessors, std:: functions that only read, and
// functions that do not return (an `assert`'s failure). Such code ends with the iteration: it
// cannot act on a wake-up.
bool effectFree(const Stmt* s, std::set<const ValueDecl*>& own) {
  if (!s) return true;
  if (isa<LambdaExpr>(s) || isa<GotoStmt>(s) || isa<ReturnStmt>(s) || isa<BreakStmt>(s) ||
      isa<CXXThrowExpr>(s) || isa<CoreturnStmt>(s) || isa<CoawaitExpr>(s) || isa<CoyieldExpr>(s))
    return false;
  if (const auto* ds = dyn_cast<DeclStmt>(s)) {
    for (const Decl* d : ds->decls()) {
      const auto* v = dyn_cast<VarDecl>(d);
      if (!v || v->isStaticLocal() || v->getType()->isReferenceType()) return false;
      if (!effectFree(v->getInit(), own)) return false;
      own.insert(v);
    }
    return true;
  }
  if (const auto* b = dyn_cast<BinaryOperator>(s); b && b->isAssignmentOp()) {
    if (!writesOwn(b->getLHS(), own)) return false;
    return effectFree(b->getRHS(), own);
  }
  if (const auto* u = dyn_cast<UnaryOperator>(s); u && u->isIncrementDecrementOp())
    return writesOwn(u->getSubExpr(), own);
  if (const auto* op = dyn_cast<CXXOperatorCallExpr>(s)) {
    OverloadedOperatorKind k = op->getOperator();
    if (k == OO_PlusPlus || k == OO_MinusMinus || op->isAssignmentOp()) {
      if (op->getNumArgs() == 0 || !writesOwn(op->getArg(0), own)) return false;
    } else if (k != OO_EqualEqual && k != OO_ExclaimEqual && k != OO_Less && k != OO_Greater &&
               k != OO_LessEqual && k != OO_GreaterEqual && k != OO_Subscript && k != OO_Star &&
               k != OO_Arrow && k != OO_Exclaim) {
      return false;
    }
  } else if (const auto* call = dyn_cast<CallExpr>(s); call && !readOnlyCall(call)) {
    const FunctionDecl* fn = call->getDirectCallee();
    bool accessor = isa<CXXMemberCallExpr>(call) && fn && fn->getIdentifier() &&
                    readOnlyAccessor(fn->getName());
    bool reads = !isa<CXXMemberCallExpr>(call) && fn &&
                 (fn->isNoReturn() || readOnlyStdFunction(fn) || fn->getBuiltinID() != 0);
    if (!accessor && !reads) return false;
  }
  for (const Stmt* c : s->children())
    if (!effectFree(c, own)) return false;
  return true;
}

// The statements of `block` from `first` on cannot act on a wake-up that nobody checked: each is
// an `if`, `while` or `for` whose condition reads some of `state` (the guard's state, or the
// state the loop re-checks: it tests what the wake-up was for), or code without effect beyond
// the variables it declares (RocksDB's debug-only invariant scan after the wait), and then the
// loop comes back to its check.
bool guardedRest(const CompoundStmt* block, const Stmt* first,
                 const std::set<const ValueDecl*>& state) {
  if (state.empty()) return false;
  bool from = false;
  std::set<const ValueDecl*> own;
  for (const Stmt* st : block->body()) {
    if (st == first) from = true;
    if (!from || isa<NullStmt>(st)) continue;
    const Expr* c = conditionOf(st);
    if (const auto* f = dyn_cast<ForStmt>(st)) c = f->getCond();
    if (c && mentionsAny(c, state)) continue;
    if (!effectFree(st, own)) return false;
  }
  return from;
}

// ---- async conditions: `co_await x.wait()` on any class with a condition's shape -------------
//
// Coroutine libraries each have their own condition variable, and none is in a namespace weft
// knows: libcoro's coro::condition_variable (wait(lock) / notify_one / notify_all), concurrencpp's
// async_condition_variable (await(executor, lock) / notify_one / notify_all), Seastar's
// condition_variable (wait() or when() / signal / broadcast), a project's own. What they share is
// the shape, and so does the bug: a member that returns something to co_await, members that wake
// waiters, and no state of their own that stays set. Events (cppcoro's async_manual_reset_event,
// libunifex's async_manual_reset_event, asyncio's Event, async_simple's Notifier, folly's Baton)
// remember that they were set, so one wait under an `if` is enough for them: their classes have
// set()/is_set()/clear()/reset()/post() and stay out.

// A member name compared without case or underscores: notify_one, notifyOne and NotifyOne are one.
std::string foldName(llvm::StringRef name) {
  std::string out;
  for (char c : name)
    if (c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The (folded) names of the member functions and member function templates of `rd` and of its
// bases, and of the names its using-declarations bring in.
void memberNames(const CXXRecordDecl* rd, std::set<std::string>& out, int depth = 0) {
  if (!rd || depth > 8) return;
  rd = rd->getDefinition();
  if (!rd) return;
  for (const Decl* d : rd->decls()) {
    const auto* nd = dyn_cast<NamedDecl>(d);
    if (!nd || !isa<CXXMethodDecl, FunctionTemplateDecl, UsingDecl>(nd) || !nd->getIdentifier())
      continue;
    out.insert(foldName(nd->getName()));
  }
  for (const CXXBaseSpecifier& b : rd->bases())
    memberNames(b.getType()->getAsCXXRecordDecl(), out, depth + 1);
}

// The waits of an async condition, folded: wait() (libcoro, Seastar, most), async_wait(),
// wait_async(), await() (concurrencpp), when() (Seastar's coroutine-only waiter).
bool asyncWaitName(llvm::StringRef name) {
  std::string n = foldName(name);
  return n == "wait" || n == "asyncwait" || n == "waitasync" || n == "await" || n == "when";
}

AST_MATCHER(CXXMethodDecl, hasAsyncWaitName) {
  return Node.getIdentifier() && asyncWaitName(Node.getName());
}

// A class with a condition's shape for coroutines: a wait (asyncWaitName), members that wake
// waiters (notify / notify_one / notify_all in any case, or both signal and broadcast), and none
// of an event's (set, is_set, clear, reset, post). std's and weft's condition classes are not
// asked: they are known by name.
bool isAsyncConditionClass(const CXXRecordDecl* rd) {
  std::set<std::string> names;
  memberNames(rd, names);
  bool waits = names.count("wait") || names.count("asyncwait") || names.count("waitasync") ||
               names.count("await") || names.count("when");
  bool wakes = names.count("notify") || names.count("notifyone") || names.count("notifyall") ||
               (names.count("signal") && names.count("broadcast"));
  bool event = names.count("set") || names.count("isset") || names.count("clear") ||
               names.count("reset") || names.count("post");
  return waits && wakes && !event;
}

// The `co_await` whose operand `e` is (through parentheses and implicit nodes), or nullptr.
const CoawaitExpr* awaitedBy(ASTContext& ctx, const Expr* e) {
  DynTypedNode node = DynTypedNode::create(*e);
  for (int i = 0; i < 8; ++i) {
    auto parents = ctx.getParents(node);
    if (parents.empty()) return nullptr;
    for (const DynTypedNode& p : parents)
      if (const auto* a = p.get<CoawaitExpr>();
          a && a->getOperand()->IgnoreImplicit()->IgnoreParens() == e)
        return a;
    const auto* up = parents[0].get<Expr>();
    if (!up || !(isa<ParenExpr, MaterializeTemporaryExpr, CXXBindTemporaryExpr, ImplicitCastExpr,
                     ExprWithCleanups>(up)))
      return nullptr;
    node = parents[0];
  }
  return nullptr;
}

// `co_await x.wait(...)` (or another asyncWaitName) where x's class is an async condition
// (isAsyncConditionClass) other than std's and weft's own.
bool isAsyncConditionWait(ASTContext& ctx, const CallExpr* call) {
  const auto* member = dyn_cast_or_null<CXXMemberCallExpr>(call);
  const CXXMethodDecl* method = member ? member->getMethodDecl() : nullptr;
  if (!method || !method->getIdentifier() || !asyncWaitName(method->getName())) return false;
  const CXXRecordDecl* rd = member->getObjectType()->getAsCXXRecordDecl();
  if (!rd) rd = method->getParent();
  std::string cls = rd->getQualifiedNameAsString();
  if (cls == "std::condition_variable" || cls == "std::condition_variable_any" ||
      cls == "weft::Condition" || cls == "weft::aio::Condition")
    return false;
  return awaitedBy(ctx, call) && isAsyncConditionClass(rd);
}

// A record type with a call operator (a lambda's closure, std::function, a functor), looked up
// in the class and its bases.
bool hasCallOperator(const CXXRecordDecl* rd, int depth = 0) {
  if (!rd || depth > 8) return false;
  rd = rd->getDefinition();
  if (!rd) return false;
  if (rd->isLambda()) return true;
  for (const Decl* d : rd->decls()) {
    const auto* fn = dyn_cast<FunctionDecl>(d);
    if (const auto* t = dyn_cast<FunctionTemplateDecl>(d)) fn = t->getTemplatedDecl();
    if (fn && fn->getOverloadedOperator() == OO_Call) return true;
  }
  for (const CXXBaseSpecifier& b : rd->bases())
    if (hasCallOperator(b.getType()->getAsCXXRecordDecl(), depth + 1)) return true;
  return false;
}

// An argument of an async wait that is a predicate: something callable. The overloads that take
// one re-check it after every wake-up (libcoro's wait(lock, pred), concurrencpp's await(executor,
// lock, pred), Seastar's wait(pred)), as std's predicate overloads do: correct by construction.
bool hasPredicateArgument(const CallExpr* call) {
  for (const Expr* a : call->arguments()) {
    if (isa<CXXDefaultArgExpr>(a)) continue;
    QualType t = a->getType().getNonReferenceType();
    if (t->isFunctionType() || t->isFunctionPointerType() || t->isMemberFunctionPointerType() ||
        hasCallOperator(t->getAsCXXRecordDecl()))
      return true;
  }
  return false;
}

// An argument of an async wait that is a timeout: a std::chrono duration or time point, or a
// number (Seastar's wait(duration), a library's wait(lock, ms)).
bool hasTimeoutArgument(const CallExpr* call) {
  for (const Expr* a : call->arguments()) {
    if (isa<CXXDefaultArgExpr>(a)) continue;
    QualType t = a->getType().getNonReferenceType().getCanonicalType();
    if (t->isArithmeticType()) return true;
    if (const auto* rd = t->getAsCXXRecordDecl();
        rd && llvm::StringRef(rd->getQualifiedNameAsString()).starts_with("std::chrono::"))
      return true;
  }
  return false;
}

// A type that is a condition variable: std::condition_variable(_any), weft::Condition,
// weft::aio::Condition, an async condition (isAsyncConditionClass), pthread_cond_t, cnd_t (also
// through typedefs such as libuv's uv_cond_t), possibly behind a pointer or reference.
bool isConditionType(QualType t) {
  if (t.isNull()) return false;
  if (t->isPointerType() || t->isReferenceType()) t = t->getPointeeType();
  // C's condition types are typedefs (of an anonymous union for pthread_cond_t), and wrappers add
  // their own on top (libuv's uv_cond_t): look at every name on the way down.
  for (QualType u = t.getUnqualifiedType();;) {
    if (const auto* td = u->getAs<TypedefType>()) {
      std::string n = td->getDecl()->getName().str();
      if (n == "pthread_cond_t" || n == "cnd_t") return true;
      u = td->getDecl()->getUnderlyingType().getUnqualifiedType();
      continue;
    }
    break;
  }
  if (const auto* rd = t.getCanonicalType()->getAsCXXRecordDecl()) {
    std::string n = rd->getQualifiedNameAsString();
    return n == "std::condition_variable" || n == "std::condition_variable_any" ||
           n == "weft::Condition" || n == "weft::aio::Condition" || isAsyncConditionClass(rd);
  }
  return false;
}

// `e` reads only the function's own values: locals and by-value parameters (no globals, members,
// or anything behind a pointer or reference), so no other thread can change what it says.
// `if (timeout == -1) cv.wait(m); else cv.wait_for(m, ...)` chooses a flavour of wait, it does
// not test the awaited state.
// A field of such a local object counts as its own value too (`if (end.first)`, where `end` is the
// std::pair a local computation returned), and so does a method called on it (`t.has_timeout()`).
bool isOwnValue(const ValueDecl* d) {
  const auto* v = dyn_cast_or_null<VarDecl>(d);
  if (!v || v->hasGlobalStorage()) return false;
  QualType t = v->getType();
  return !t->isPointerType() && !t->isReferenceType();
}

void scanOwnValues(const Stmt* s, bool& any, bool& shared) {
  if (!s || shared) return;
  if (const auto* m = dyn_cast<MemberExpr>(s)) {
    const Expr* base = m->getBase()->IgnoreParenImpCasts();
    if (const auto* r = dyn_cast<DeclRefExpr>(base); r && !m->isArrow() && isOwnValue(r->getDecl())) {
      any = true;
      return;
    }
    if (isa<FieldDecl>(m->getMemberDecl())) {
      shared = true;  // a member of `this`, or of an object behind a pointer or reference
      return;
    }
  } else if (const auto* r = dyn_cast<DeclRefExpr>(s)) {
    const ValueDecl* d = r->getDecl();
    if (isa<FunctionDecl, EnumConstantDecl>(d)) return;
    if (isOwnValue(d))
      any = true;
    else
      shared = true;
    return;
  }
  for (const Stmt* c : s->children()) scanOwnValues(c, any, shared);
}

bool readsOnlyOwnValues(const Expr* e) {
  bool any = false, shared = false;
  scanOwnValues(e, any, shared);
  return any && !shared;
}

// `local = <read-only expression>;`: a local variable (not a reference) given a value that
// evaluating changes nothing (an atomic's load, a const member function).
bool reloadsLocal(const Stmt* s, const ASTContext& ctx) {
  const auto* e = dyn_cast<Expr>(s);
  const auto* b = e ? dyn_cast<BinaryOperator>(e->IgnoreParenImpCasts()) : nullptr;
  if (!b || b->getOpcode() != BO_Assign) return false;
  const auto* r = dyn_cast<DeclRefExpr>(b->getLHS()->IgnoreParenImpCasts());
  const auto* v = r ? dyn_cast<VarDecl>(r->getDecl()) : nullptr;
  return v && v->hasLocalStorage() && !v->getType()->isReferenceType() &&
         readOnly(b->getRHS(), ctx);
}

// The own counter a statement steps: `++i`, `i--`, `i += 1` on a local or by-value parameter.
const VarDecl* steppedCounter(const Stmt* s) {
  const Expr* target = nullptr;
  if (const auto* u = dyn_cast<UnaryOperator>(s); u && u->isIncrementDecrementOp())
    target = u->getSubExpr();
  else if (const auto* c = dyn_cast<CompoundAssignOperator>(s);
           c && (c->getOpcode() == BO_AddAssign || c->getOpcode() == BO_SubAssign) &&
           (isa<IntegerLiteral>(c->getRHS()->IgnoreParenImpCasts()) ||
            readsOnlyOwnValues(c->getRHS())))
    target = c->getLHS();
  const auto* ref = target ? dyn_cast<DeclRefExpr>(target->IgnoreParenImpCasts()) : nullptr;
  const auto* v = ref ? dyn_cast<VarDecl>(ref->getDecl()) : nullptr;
  if (!v || v->hasGlobalStorage() || v->getType()->isReferenceType() ||
      v->getType()->isPointerType())
    return nullptr;
  return v;
}

// Every own counter stepped anywhere in `s` (a for-loop's increment, `n-- > 0`).
void collectSteps(const Stmt* s, std::set<const ValueDecl*>& out) {
  if (!s) return;
  if (const VarDecl* v = steppedCounter(s)) out.insert(v);
  for (const Stmt* child : s->children()) collectSteps(child, out);
}

// A loop that counts wake-ups (`for (int i = 0; i < n; ++i) cv.wait(lk);`): its condition reads
// only the function's own values, among them a counter that the loop itself steps, and its body
// does nothing but the wait and such steps. Each wake-up is taken for an event, so a spurious (or
// stolen) one is counted: nothing in the loop looks at the state the notifier changed. A local
// that the loop does not step (`while (!done) cv.wait(lk);`, `done` set by a lambda holding it by
// reference) is not a counter: that loop re-checks.
bool countsWakeUps(const Stmt* loop, const CallExpr* wait) {
  const Expr* cond = nullptr;
  std::set<const ValueDecl*> steps;
  if (const auto* w = dyn_cast<WhileStmt>(loop)) cond = w->getCond();
  else if (const auto* d = dyn_cast<DoStmt>(loop)) cond = d->getCond();
  else if (const auto* f = dyn_cast<ForStmt>(loop)) {
    cond = f->getCond();
    collectSteps(f->getInc(), steps);
  }
  if (!cond || !readsOnlyOwnValues(cond)) return false;
  collectSteps(cond, steps);
  const Stmt* body = loopBody(loop);
  std::vector<const Stmt*> stmts;
  if (const auto* cs = dyn_cast<CompoundStmt>(body)) stmts.assign(cs->body_begin(), cs->body_end());
  else stmts.push_back(body);
  bool waited = false;
  for (const Stmt* st : stmts) {
    if (isa<NullStmt>(st)) continue;
    if (isTheWait(st, wait)) {
      waited = true;
      continue;
    }
    const VarDecl* v = steppedCounter(stripImplicit(st));
    if (!v) return false;
    steps.insert(v);
  }
  return waited && mentionsAny(cond, steps);
}

// A lock type (LockVocabulary.h), or a project's own mutex class by its name, possibly behind a
// pointer or reference.
bool isLockType(QualType t) {
  if (vocab::lockType(t)) return true;
  if (t->isPointerType() || t->isReferenceType()) t = t->getPointeeType();
  if (const auto* rd = t.getCanonicalType()->getAsCXXRecordDecl()) {
    // Projects wrap their mutexes too (leveldb's port::Mutex): go by the class name.
    std::string n = rd->getNameAsString();
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
    return n.find("mutex") != std::string::npos || (n.size() >= 4 && n.ends_with("lock"));
  }
  return false;
}

// Every field of `rd` is a condition variable or a lock: a wrapper class, not a monitor.
bool onlySynchronisation(const RecordDecl* rd) {
  for (const FieldDecl* f : rd->fields())
    if (!isConditionType(f->getType()) && !isLockType(f->getType())) return false;
  return true;
}

// The variables and members `s` reads: like collectDecls, but the target of a plain assignment is
// written, not read (`mu_->locked_ = true;` reads `mu_` only).
void collectReads(const Stmt* s, std::set<const ValueDecl*>& out) {
  if (!s) return;
  if (const auto* b = dyn_cast<BinaryOperator>(s); b && b->getOpcode() == BO_Assign) {
    const Expr* lhs = b->getLHS()->IgnoreParenImpCasts();
    if (const auto* m = dyn_cast<MemberExpr>(lhs))
      collectReads(m->getBase(), out);
    else if (!isa<DeclRefExpr>(lhs))
      collectReads(lhs, out);
    collectReads(b->getRHS(), out);
    return;
  }
  if (const auto* r = dyn_cast<DeclRefExpr>(s)) out.insert(r->getDecl());
  if (const auto* m = dyn_cast<MemberExpr>(s)) out.insert(m->getMemberDecl());
  for (const Stmt* c : s->children()) collectReads(c, out);  // a DeclStmt's: its initialisers
}

// Reads state that outlives the call: a global or static variable, or a member (other than the
// ones in `allowed`, the condition and mutex being forwarded). Writing such state (a debug
// "locked" flag set again after the wait) reads nothing.
bool readsSharedState(const Stmt* s, const std::set<const ValueDecl*>& allowed) {
  std::set<const ValueDecl*> used;
  collectReads(s, used);
  for (const ValueDecl* d : used) {
    if (allowed.count(d)) continue;
    if (isa<FieldDecl>(d)) return true;
    if (const auto* v = dyn_cast<VarDecl>(d); v && v->hasGlobalStorage()) return true;
  }
  return false;
}

// The stable cross-TU name of a function (its USR), empty if it has none.
std::string usrOf(const FunctionDecl* fn) {
  llvm::SmallString<128> buf;
  if (index::generateUSRForDecl(fn->getCanonicalDecl(), buf)) return {};
  return std::string(buf.str());
}

// A timed wait that tells its caller whether the awaited state holds (boost.asio's
// posix_event::wait_for_usec: `if ((state_ & 1) == 0) { ...; pthread_cond_timedwait(...); ... }
// return (state_ & 1) != 0;`): a function returning bool whose body is an `if` testing some
// state, holding the wait (under nothing else but `if`s on the function's own values, such as a
// clock read), and then `return` of a test of that state. The result is the re-check, made
// after the wait, for the caller, which has to handle "not yet" after a timeout anyway: a
// spurious wake-up only looks like an early timeout there. `path` runs from the wait out to the
// function's body.
bool reportsStateAfterTimedWait(const FunctionDecl* fn, const std::vector<const Stmt*>& path,
                                const CallExpr* wait) {
  if (!fn || !fn->getReturnType()->isBooleanType() || path.size() < 2) return false;
  const auto* body = dyn_cast<CompoundStmt>(path.back());
  if (!body || body != fn->getBody()) return false;
  const auto* top = dyn_cast<IfStmt>(path[path.size() - 2]);
  if (!top || top->getElse() || top->getInit() || top->getConditionVariable()) return false;
  // The wait is in the `if`'s branch, under no other test of shared state.
  const Stmt* child = wait;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const Stmt* s = path[i];
    if (const auto* inner = dyn_cast<IfStmt>(s)) {
      if (child == inner->getCond()) return false;
      if (inner != top && !readsOnlyOwnValues(inner->getCond())) return false;
    } else if (!isa<CompoundStmt>(s) && !isa<Expr>(s)) {
      return false;  // a switch, a try, a label: not this shape
    }
    child = s;
  }
  std::set<const ValueDecl*> state = stateOf(top->getCond());
  if (state.empty() || readsOnlyOwnValues(top->getCond())) return false;
  // The `if` is followed by the function's last statement, `return <test of that state>`.
  auto it = std::find(body->body_begin(), body->body_end(), top);
  if (it == body->body_end() || std::next(it) == body->body_end() ||
      std::next(it, 2) != body->body_end())
    return false;
  const auto* ret = dyn_cast<ReturnStmt>(*std::next(it));
  return ret && ret->getRetValue() && mentionsAny(ret->getRetValue(), state);
}

}  // namespace

// A function whose job is to forward a wait: the wait in its body is on a condition it receives
// (a parameter) or owns (a member), nothing but error handling guards it, no loop surrounds it,
// and nothing after it reads state that outlives the call (globals, members other than the
// forwarded condition and mutex). Its callers are checked in its place; `wait` is its wait.
const CallExpr* WaitNotInLoopCheck::forwardedWait(const FunctionDecl* fn, ASTContext& ctx) {
  if (!fn) return nullptr;
  fn = fn->getDefinition();
  if (!fn || !fn->hasBody()) return nullptr;
  auto cached = wrappers_.find(fn);
  if (cached != wrappers_.end()) return cached->second;
  wrappers_[fn] = nullptr;  // recursion guard
  // The waits in the body.
  auto waits = match(
      findAll(callExpr(callee(functionDecl(anyOf(
                           cxxMethodDecl(hasAnyName("wait", "wait_for", "wait_until"),
                                         ofClass(names::conditionClass())),
                           names::freeConditionWait()))))
                  .bind("w")),
      *fn->getBody(), ctx);
  // `co_await x.wait()` on an async condition (isAsyncConditionWait) in a coroutine.
  for (const auto& m : match(findAll(cxxMemberCallExpr(callee(cxxMethodDecl(
                                         hasAsyncWaitName(),
                                         unless(ofClass(names::conditionClass())))))
                                         .bind("w")),
                             *fn->getBody(), ctx))
    if (isAsyncConditionWait(ctx, m.getNodeAs<CallExpr>("w"))) waits.push_back(m);
  // Calls of other wrappers (a wrapper of a wrapper): recognised here when their body is in this
  // TU, conditional on them when it is in another (the merge decides).
  std::set<const CallExpr*> nested;
  std::vector<std::string> depends;
  if (waits.empty()) {
    auto calls = match(
        findAll(callExpr(callee(functionDecl(
                             matchesName("[Ww]ait"),
                             unless(anyOf(cxxMethodDecl(ofClass(names::conditionClass())),
                                          names::freeConditionWait())))))
                    .bind("w")),
        *fn->getBody(), ctx);
    const SourceManager& sm = ctx.getSourceManager();
    for (const auto& m : calls) {
      const auto* c = m.getNodeAs<CallExpr>("w");
      const FunctionDecl* g = c->getDirectCallee();
      if (!g || g->getCanonicalDecl() == fn->getCanonicalDecl()) continue;
      const FunctionDecl* def = g->getDefinition();
      if (def && def->hasBody()) {
        if (!forwardedWait(def, ctx)) {
          if (!conditional_.count(def)) continue;  // not a wait
          std::string usr = usrOf(def);  // a wrapper if the merge finds its callees are
          if (usr.empty()) continue;
          depends.push_back(usr);
        }
      } else {
        if (sm.isInSystemHeader(sm.getExpansionLoc(g->getLocation()))) continue;
        std::string usr = usrOf(g);
        if (usr.empty()) continue;
        depends.push_back(usr);
      }
      nested.insert(c);
      waits.push_back(m);
    }
  }
  if (waits.empty() || waits.size() > 4) return nullptr;
  const auto* w = waits[0].getNodeAs<CallExpr>("w");
  // A predicate form re-checks by itself: the function is not forwarding a bare wait.
  if (const auto* m = dyn_cast_or_null<CXXMethodDecl>(w->getDirectCallee()); m && !nested.count(w)) {
    std::string wn = m->getNameAsString(), cls = m->getParent()->getQualifiedNameAsString();
    if (cls == "weft::Condition" || cls == "weft::aio::Condition") {
      if (wn != "wait") return nullptr;
    } else if (isAsyncConditionWait(ctx, w)) {
      if (hasPredicateArgument(w)) return nullptr;
    } else if (m->getNumParams() != (wn == "wait" ? 1u : 2u)) {
      return nullptr;
    }
  }
  // A function that takes the lock itself owns the decision of what to wait for: its callers
  // cannot re-check under the lock around the wait, so it is the one that must loop (a Gate
  // whose pass() locks and waits once). A wrapper waits with the lock its caller holds
  // (received, or adopted by a unique_lock).
  auto takesLock = match(
      findAll(stmt(anyOf(
          cxxConstructExpr(hasDeclaration(cxxConstructorDecl(ofClass(names::lockGuardClass()))),
                           unless(hasAnyArgument(hasType(
                               cxxRecordDecl(hasAnyName("::std::adopt_lock_t", "::std::defer_lock_t")))))),
          callExpr(callee(names::lockingFunction()))))),
      *fn->getBody(), ctx);
  if (!takesLock.empty()) return nullptr;
  // The condition: the object of a member wait, or the first argument of a free one.
  const Expr* cond = nullptr;
  if (const auto* m = dyn_cast<CXXMemberCallExpr>(w))
    cond = m->getImplicitObjectArgument();
  else if (w->getNumArgs() > 0)
    cond = w->getArg(0);
  if (!cond) return nullptr;
  std::set<const ValueDecl*> forwarded = stateOf(cond);
  bool receivedOrOwned = false;
  if (nested.count(w)) {
    // The inner wrapper is called on an object the function receives, on a member of its class
    // that only the class's own methods reach (a private or protected helper, or a class of
    // nothing but synchronisation), or on `this` (a method calling its class's own wrapper).
    const Expr* obj = cond->IgnoreParenImpCasts();
    const auto* inner = dyn_cast_or_null<CXXMethodDecl>(w->getDirectCallee());
    const auto* outer = dyn_cast<CXXMethodDecl>(fn);
    if (isa<CXXThisExpr>(obj) && inner && outer && inner->getParent() == outer->getParent())
      receivedOrOwned = true;
    // Or it passes on a condition it receives (RocksDB's SystemClockWrapper::TimedWait(cv, t)
    // calling target_->TimedWait(cv, t)).
    for (const Expr* a : w->arguments())
      for (const ValueDecl* d : stateOf(a))
        if (isa<ParmVarDecl>(d)) receivedOrOwned = true;
    for (const ValueDecl* d : forwarded) {
      if (isa<ParmVarDecl>(d)) receivedOrOwned = true;
      if (const auto* f = dyn_cast<FieldDecl>(d);
          f && (onlySynchronisation(f->getParent()) || fn->getAccess() == AS_private ||
                fn->getAccess() == AS_protected))
        receivedOrOwned = true;
    }
  }
  for (const ValueDecl* d : forwarded) {
    if (isa<ParmVarDecl>(d) && isConditionType(d->getType())) receivedOrOwned = true;
    // Received inside a struct the caller passes (TokuDB's `pthread_cond_wait(&cond->pcond,
    // &mutex->pmutex)` on a `toku_cond_t* cond` that pairs the condvar with a profiling hook).
    if (isa<ParmVarDecl>(d) && isConditionType(cond->getType())) receivedOrOwned = true;
    // Owned: only by a class that is nothing but a condition variable (and its mutex): a class
    // with state of its own (a latch's count, a gate's flag) is a monitor whose method must wait
    // for that state itself.
    // A class's private helper forwarding its wait (abseil's PthreadWaiter::TimedWait, called
    // in the loop of Wait()) is a wrapper too: only the class's own methods call it.
    if (const auto* f = dyn_cast<FieldDecl>(d);
        f && isConditionType(f->getType()) &&
        (onlySynchronisation(f->getParent()) || fn->getAccess() == AS_private ||
         fn->getAccess() == AS_protected))
      receivedOrOwned = true;
  }
  if (!receivedOrOwned) return nullptr;
  // The mutex too may be read afterwards (a guard adopting it, a pointer member).
  for (unsigned i = 0; i < w->getNumArgs(); ++i) {
    std::set<const ValueDecl*> more = stateOf(w->getArg(i));
    forwarded.insert(more.begin(), more.end());
  }
  // Every wait (a wrapper may choose between wait and wait_for) is on the same condition, with
  // only error handling or a choice of flavour around it: no loop, no `if` but one that tests
  // the wait's own result or the function's own values.
  std::string condText = ast::sourceText(ctx, cond->getSourceRange());
  // A coroutine's statements are in the CoroutineBodyStmt's compound statement.
  const Stmt* body = fn->getBody();
  if (const auto* coro = dyn_cast<CoroutineBodyStmt>(body)) body = coro->getBody();
  const auto* block = dyn_cast_or_null<CompoundStmt>(body);
  if (!block) return nullptr;
  const Stmt* top = nullptr;  // the first body statement holding a wait
  for (const auto& m : waits) {
    const auto* wi = m.getNodeAs<CallExpr>("w");
    const Expr* ci = nullptr;
    if (const auto* mc = dyn_cast<CXXMemberCallExpr>(wi))
      ci = mc->getImplicitObjectArgument();
    else if (wi->getNumArgs() > 0)
      ci = wi->getArg(0);
    if (!ci || ast::sourceText(ctx, ci->getSourceRange()) != condText) return nullptr;
    bool plain = true;
    ast::walkOut(ctx, wi, [&](const Stmt* p, const Stmt* child) {
      if (isa<WhileStmt, DoStmt, ForStmt, CXXForRangeStmt>(p)) plain = false;
      if (const auto* i = dyn_cast<IfStmt>(p);
          i && child && child != i->getCond() && !readsOnlyOwnValues(i->getCond()))
        plain = false;
      if (p == block && !top) top = child;
      return plain;
    });
    if (!plain) return nullptr;
  }
  if (!top) return nullptr;
  // Nothing after the waits reads state that outlives the call.
  bool after = false;
  for (const Stmt* st : block->body()) {
    if (st == top) {
      after = true;
      continue;
    }
    if (after && readsSharedState(st, forwarded)) return nullptr;
  }
  if (!depends.empty()) {
    // Decided by the merge: until then neither a wrapper here nor a place to report its wait.
    conditional_[fn] = {w, depends};
    for (const auto& m : waits) conditionalWaits_[m.getNodeAs<CallExpr>("w")] = fn;
    return nullptr;
  }
  for (const auto& m : waits) wrapperWaits_.insert(m.getNodeAs<CallExpr>("w"));
  return wrappers_[fn] = w;
}

void WaitNotInLoopCheck::registerMatchers(MatchFinder* finder) {
  auto ConditionWait = cxxMethodDecl(hasAnyName("wait", "wait_for", "wait_until"),
                                     ofClass(names::conditionClass()));
  finder->addMatcher(cxxMemberCallExpr(callee(ConditionWait)).bind("wait"), this);
  finder->addMatcher(callExpr(callee(names::freeConditionWait())).bind("wait"), this);
  // Async conditions of other libraries: any class's wait-like member, sorted out in checkCall
  // (isAsyncConditionWait).
  finder->addMatcher(cxxMemberCallExpr(callee(cxxMethodDecl(hasAsyncWaitName(),
                                                            unless(ofClass(names::conditionClass())))))
                         .bind("wait"),
                     this);
  std::string wrappers = option("Wrappers");
  std::vector<std::string> names;
  for (size_t pos = 0; pos < wrappers.size();) {
    size_t semi = wrappers.find(';', pos);
    if (semi == std::string::npos) semi = wrappers.size();
    if (semi > pos) names.push_back(wrappers.substr(pos, semi - pos));
    pos = semi + 1;
  }
  if (!names.empty()) {
    std::vector<llvm::StringRef> refs(names.begin(), names.end());
    finder->addMatcher(callExpr(callee(functionDecl(hasAnyName(refs)))).bind("wrapper"), this);
    wrapperNames_ = std::move(names);
  }
  // Calls of functions that may forward a wait (decided in check(): forwardedWait()).
  finder->addMatcher(
      callExpr(callee(functionDecl(matchesName("[Ww]ait"),
                                   unless(anyOf(cxxMethodDecl(ofClass(names::conditionClass())),
                                                names::freeConditionWait())))))
          .bind("candidate"),
      this);
}

void WaitNotInLoopCheck::check(const MatchFinder::MatchResult& result) {
  std::vector<Finding>& found = context().findings();
  size_t before = found.size();
  pendingCallee_.clear();
  checkCall(result);
  if (pendingCallee_.empty()) return;
  for (size_t i = before; i < found.size(); ++i)
    pending_.push_back({pendingCallee_, std::move(found[i]), pendingInside_});
  found.resize(before);
}

void WaitNotInLoopCheck::checkCall(const MatchFinder::MatchResult& result) {
  ASTContext& ctx = *result.Context;
  const auto* call = result.Nodes.getNodeAs<CallExpr>("wait");
  bool wrapper = false;
  const CallExpr* forwarded = nullptr;  // the wait inside a recognised wrapper being called
  if (!call) {
    call = result.Nodes.getNodeAs<CallExpr>("wrapper");
    wrapper = true;
  }
  const auto* candidate = call ? nullptr : result.Nodes.getNodeAs<CallExpr>("candidate");
  if (candidate) call = candidate;
  if (!call) return;
  // The wait inside a wrapper (a condition's wait, or another wrapper's call): its callers are
  // checked instead.
  if (const FunctionDecl* encl = ast::walkOut(ctx, call, [](const Stmt*, const Stmt*) {
                                   return true;
                                 }).function)
    forwardedWait(encl, ctx);
  if (wrapperWaits_.count(call)) return;
  if (candidate) {
    // An async condition's wait is checked as a wait (the matcher above), not as a wrapper.
    if (isAsyncConditionWait(ctx, call)) return;
    // A named wrapper (the option) is matched above already.
    if (std::find(wrapperNames_.begin(), wrapperNames_.end(),
                  call->getDirectCallee()->getQualifiedNameAsString()) != wrapperNames_.end())
      return;
    const FunctionDecl* callee = call->getDirectCallee();
    forwarded = forwardedWait(callee, ctx);
    if (!forwarded) {
      // Defined in another TU (not in a system header), or a wrapper of such a function: checked
      // as if it were a wrapper, and reported in the merge phase if it is one.
      const FunctionDecl* def = callee->getDefinition();
      if (def && def->hasBody() && !conditional_.count(def)) return;
      const SourceManager& sm = ctx.getSourceManager();
      if (sm.isInSystemHeader(sm.getExpansionLoc(callee->getLocation()))) return;
      pendingCallee_ = usrOf(callee);
      if (pendingCallee_.empty()) return;
      // The conditional wrapper's own wait: dropped by the merge if that function is a wrapper.
      pendingInside_.clear();
      if (auto it = conditionalWaits_.find(call); it != conditionalWaits_.end())
        pendingInside_ = usrOf(it->second);
    }
    wrapper = true;
  }
  const FunctionDecl* fn = call->getDirectCallee();
  if (!fn) return;
  std::string name = fn->getNameAsString();

  enum class Kind { kStd, kWeft, kAsync, kC } kind = Kind::kC;
  bool timed = name != "wait" && name != "pthread_cond_wait" && name != "cnd_wait";
  if (const auto* method = dyn_cast<CXXMethodDecl>(fn); method && !wrapper) {
    std::string cls = method->getParent()->getQualifiedNameAsString();
    // weft::aio::Condition (`co_await cond.wait()`) has weft::Condition's shape: it owns its
    // lock, wait() takes no lock argument, wait_for(pred) is the predicate form.
    if (cls == "weft::Condition" || cls == "weft::aio::Condition") {
      kind = Kind::kWeft;
      // weft::Condition::wait_for(pred, timeout) is the predicate form: correct by construction.
      if (name != "wait") return;
      timed = call->getNumArgs() >= 1 && !isa<CXXDefaultArgExpr>(call->getArg(0));
    } else if (cls != "std::condition_variable" && cls != "std::condition_variable_any") {
      // Another library's async condition (or just a method named like a wait: not reported).
      if (!isAsyncConditionWait(ctx, call)) return;
      kind = Kind::kAsync;
      // A predicate argument makes it the form that re-checks: correct by construction.
      if (hasPredicateArgument(call)) return;
      timed = hasTimeoutArgument(call);
    } else {
      kind = Kind::kStd;
      // The overloads taking a predicate loop internally: correct by construction.
      unsigned plainParams = name == "wait" ? 1 : 2;
      if (method->getNumParams() != plainParams) return;
    }
  }
  if (wrapper) timed = false;

  // Walk out from the wait to the enclosing function (a lambda counts as a function: it runs
  // wherever it is called, not in the loop around its definition).
  const IfStmt* guard = nullptr;
  bool guardInThen = false;
  bool tail = true;                // nothing runs between the wait and the loop's next check
  const Stmt* following = nullptr;  // the first statement run after the guarded wait
  const CompoundStmt* followingBlock = nullptr;  // the block `following` is in
  const Stmt* loop = nullptr;
  bool jumpsBack = false;  // a `continue` after the wait goes straight to the loop's check
  std::vector<const Stmt*> path;  // the statements from the wait out to the function's body
  ast::Enclosing enclosing = ast::walkOut(ctx, call, [&](const Stmt* s, const Stmt* child) {
    path.push_back(s);
    if (isa<WhileStmt>(s) || isa<DoStmt>(s) || isa<ForStmt>(s) || isa<CXXForRangeStmt>(s)) {
      loop = s;
      return false;
    }
    if (const auto* i = dyn_cast<IfStmt>(s); i && !guard && child &&
                                             (child == i->getThen() || child == i->getElse())) {
      guard = i;
      guardInThen = child == i->getThen();
    }
    if (const auto* cs = dyn_cast<CompoundStmt>(s); cs && child && tail && !jumpsBack) {
      bool after = false;
      for (const Stmt* st : cs->body()) {
        if (st == child) {
          after = true;
          continue;
        }
        if (!after || isa<NullStmt>(st)) continue;
        // `continue` goes straight back to the loop's check.
        if (isa<ContinueStmt>(st)) {
          jumpsBack = true;
          break;
        }
        // Re-reading state into a local before that `continue` changes nothing (RocksDB's write
        // stall: `stall_cv_.Wait(); writers = newest_writer->load(); continue;`).
        if (reloadsLocal(st, ctx)) continue;
        if (guard) {
          tail = false;
          following = st;
          followingBlock = cs;
        }
        break;
      }
    }
    return true;
  });

  if (loop && !guard && !timed && countsWakeUps(loop, call)) {
    auto d = diag(call->getBeginLoc(), "'" + name + "' is in a loop that counts wake-ups instead "
                                       "of re-checking its condition; a spurious wake-up is counted");
    if (forwarded)
      d.note(forwarded->getBeginLoc(),
             "'" + name + "' is a wait wrapper: it waits here and re-checks nothing");
    d.note(call->getBeginLoc(), "count the events in state the notifier changes under the lock "
                                "and wait while it falls short: 'while (done < n) ...'");
    d.note(call->getBeginLoc(), "if counting wake-ups is right here by design, say so where it is: "
                                "'// NOLINT(wait-not-in-loop): <why a spurious wake-up is harmless>'");
    return;
  }
  if (loop) {
    // A wait straight in a loop: whatever follows it in the body may re-check; we cannot tell,
    // and precision comes first. An `if` that only chooses between flavours of wait (on the
    // function's own values: `if (!t.has_timeout()) cv.wait(lk); else cv.wait_until(...)`)
    // leaves the wait straight in the loop.
    if (!guard || readsOnlyOwnValues(guard->getCond())) return;
    // The `if` is re-evaluated on the next iteration before anything else runs (leveldb's
    // MakeRoomForWrite shape: `while (true) { if (...) ... else cv.wait(); }`).
    if (tail) return;
    // The statement after the `if` checks the same state again: all of it. A re-check of part
    // of it is the pool worker's `if (tasks.empty() && !stop) cv.wait(lk); if (tasks.empty())
    // return;`, which takes a spurious wake-up for "stop" and leaves the pool.
    if (const Expr* again = conditionOf(following); again && actsOnRecheck(following)) {
      std::set<const ValueDecl*> guardState = stateOf(guard->getCond()), used = stateOf(again);
      bool all = !guardState.empty() &&
                 std::all_of(guardState.begin(), guardState.end(),
                             [&](const ValueDecl* d) { return used.count(d) > 0; });
      if (all) return;
      std::set<const ValueDecl*> decls;
      collectDecls(guard->getCond(), decls);
      if (guardState.empty() && mentionsAny(again, decls)) return;
    }
    // Everything after the `if` up to the end of the loop body runs only under a test of the
    // guard's own state, and then the loop comes back to the `if`: a spurious wake-up can only
    // lead back to the check (memcached's compaction thread: `while (1) { if (!compacting &&
    // find_work()) {...} else { pthread_cond_wait(...); } while (compacting) {...} }`).
    // The same when the tests after the `if` are of the state the loop itself re-checks
    // (RocksDB's rate limiter: `do { if (...) { if (refill_pending) r.cv.Wait(); else ... }
    // if (r.request_bytes == 0) {...} } while (!stop_ && r.request_bytes > 0);`): the `if` only
    // chose the thread's role, and the loop re-checks what the wait was for.
    std::set<const ValueDecl*> state = stateOf(guard->getCond());
    if (const Expr* again = loopCondition(loop); again && !readsOnlyOwnValues(again))
      for (const ValueDecl* d : stateOf(again)) state.insert(d);
    if (followingBlock && loopBody(loop) == followingBlock &&
        guardedRest(followingBlock, following, state))
      return;
  }

  if (!loop && timed && !wrapper && reportsStateAfterTimedWait(enclosing.function, path, call))
    return;

  auto d = diag(call->getBeginLoc(), "'" + name + "' is not in a loop that re-checks its condition");
  if (forwarded)
    d.note(forwarded->getBeginLoc(),
           "'" + name + "' is a wait wrapper: it waits here and re-checks nothing, so its "
           "caller must loop");

  // if -> while is exact when the `if` only guards this wait and its condition can be
  // evaluated again without effects.
  bool exact = guard && guardInThen && !guard->getElse() && !guard->getInit() &&
               !guard->getConditionVariable() && !guard->isConstexpr() && !guard->isConsteval() &&
               !timed && guard->getIfLoc().isFileID() && readOnly(guard->getCond(), ctx);
  if (exact) {
    const Stmt* then = guard->getThen();
    if (const auto* cs = dyn_cast<CompoundStmt>(then)) then = cs->size() == 1 ? cs->body_front() : nullptr;
    exact = then && isTheWait(then, call);
  }
  // Some single waits are deliberate (a one-shot start-up handshake, a wake-up that only paces a
  // loop): the rule still holds, so say how to record the decision where the wait is.
  auto suppressNote = [&] {
    d.note(call->getBeginLoc(), "if one wake-up is enough here by design, say so where it is: "
                                "'// NOLINT(wait-not-in-loop): <why a spurious wake-up is harmless>'");
  };
  if (exact) {
    d.fix(FixItHint::CreateReplacement(CharSourceRange::getTokenRange(guard->getIfLoc()), "while"));
    suppressNote();
    return;
  }

  std::string awaited = "<awaited state>";
  if (guard && guardInThen) {
    const Expr* cond = guard->getCond()->IgnoreParenImpCasts();
    if (const auto* neg = dyn_cast<UnaryOperator>(cond); neg && neg->getOpcode() == UO_LNot)
      awaited = sourceText(ctx, neg->getSubExpr()->IgnoreParens()->getSourceRange());
    else
      awaited = "!(" + sourceText(ctx, cond->getSourceRange()) + ")";
  }
  if (kind == Kind::kStd) {
    const auto* member = cast<CXXMemberCallExpr>(call);
    std::string object = sourceText(ctx, member->getImplicitObjectArgument()->getSourceRange());
    std::string args;
    for (unsigned i = 0; i < call->getNumArgs(); ++i)
      args += sourceText(ctx, call->getArg(i)->getSourceRange()) + ", ";
    std::string sep = member->getImplicitObjectArgument()->getType()->isPointerType() ? "->" : ".";
    d.note(call->getBeginLoc(), "use the predicate overload, which re-checks after every wake-up: '" +
                                    object + sep + name + "(" + args + "[&] { return " + awaited +
                                    "; })'");
  } else if (kind == Kind::kWeft) {
    const auto* member = cast<CXXMemberCallExpr>(call);
    std::string object = sourceText(ctx, member->getImplicitObjectArgument()->getSourceRange());
    std::string sep = member->getImplicitObjectArgument()->getType()->isPointerType() ? "->" : ".";
    std::string timeout =
        timed ? ", " + sourceText(ctx, call->getArg(0)->getSourceRange()) : std::string();
    d.note(call->getBeginLoc(), "use 'wait_for' with a predicate, which re-checks after every "
                                "wake-up: '" + object + sep + "wait_for([&] { return " + awaited +
                                    "; }" + timeout + ")'");
  } else if (kind == Kind::kAsync) {
    d.note(call->getBeginLoc(), "co_await '" + name + "' in a 'while' loop that re-checks the "
                                "awaited state, or pass it a predicate if its class has such an "
                                "overload");
  } else {
    d.note(call->getBeginLoc(),
           "call '" + name + "' in a 'while' loop that re-checks the awaited state");
  }
  suppressNote();
}

bool WaitNotInLoopCheck::summarize(ASTContext& ctx, nlohmann::json& out) {
  nlohmann::json wrappers = nlohmann::json::array(), calls = nlohmann::json::array();
  for (const auto& [fn, wait] : wrappers_) {
    SourcePoint where;
    if (!wait || !context().resolve(wait->getBeginLoc(), where)) continue;
    std::string usr = usrOf(fn);
    if (!usr.empty())
      wrappers.push_back({{"usr", usr}, {"name", fn->getNameAsString()}, {"wait", pointToJson(where)}});
  }
  nlohmann::json conditional = nlohmann::json::array();
  for (const auto& [fn, c] : conditional_) {
    SourcePoint where;
    if (!context().resolve(c.wait->getBeginLoc(), where)) continue;
    std::string usr = usrOf(fn);
    if (!usr.empty())
      conditional.push_back({{"usr", usr}, {"name", fn->getNameAsString()},
                             {"wait", pointToJson(where)}, {"depends", c.depends}});
  }
  for (const Pending& p : pending_) {
    nlohmann::json call = {{"callee", p.callee}, {"finding", findingToJson(p.finding)}};
    if (!p.inside.empty()) call["inside"] = p.inside;
    calls.push_back(std::move(call));
  }
  (void)ctx;
  if (wrappers.empty() && calls.empty() && conditional.empty()) return false;
  out = {{"wrappers", std::move(wrappers)}, {"calls", std::move(calls)}};
  if (!conditional.empty()) out["conditional"] = std::move(conditional);
  return true;
}

void WaitNotInLoopCheck::mergeSummaries(const std::vector<const nlohmann::json*>& summaries) {
  std::map<std::string, SourcePoint> waitOf;  // wrapper USR -> the wait inside it
  for (const nlohmann::json* j : summaries) {
    if (!j->is_object() || !j->contains("wrappers")) continue;
    for (const auto& w : (*j)["wrappers"]) {
      try {
        waitOf.emplace(w.at("usr").get<std::string>(), pointFromJson(w.at("wait")));
      } catch (const nlohmann::json::exception&) {
        continue;  // a stale --merge-summaries file
      }
    }
  }
  // Wrappers of wrappers: one whose callees all turned out to be wrappers is one too (to a fixed
  // point: a chain of them across TUs).
  std::vector<std::tuple<std::string, SourcePoint, std::vector<std::string>>> conditional;
  for (const nlohmann::json* j : summaries) {
    if (!j->is_object() || !j->contains("conditional")) continue;
    for (const auto& w : (*j)["conditional"]) {
      try {
        conditional.emplace_back(w.at("usr").get<std::string>(), pointFromJson(w.at("wait")),
                                 w.at("depends").get<std::vector<std::string>>());
      } catch (const nlohmann::json::exception&) {
        continue;
      }
    }
  }
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [usr, wait, depends] : conditional) {
      if (waitOf.count(usr)) continue;
      bool all = std::all_of(depends.begin(), depends.end(),
                             [&](const std::string& d) { return waitOf.count(d) > 0; });
      if (all) {
        waitOf.emplace(usr, wait);
        grew = true;
      }
    }
  }
  for (const nlohmann::json* j : summaries) {
    if (!j->is_object() || !j->contains("calls")) continue;
    for (const auto& c : (*j)["calls"]) {
      Finding f;
      SourcePoint wait;
      try {
        // A wrapper's own call of the wrapper it forwards to: its callers are checked instead.
        if (c.contains("inside") && waitOf.count(c.at("inside").get<std::string>())) continue;
        auto it = waitOf.find(c.at("callee").get<std::string>());
        if (it == waitOf.end()) continue;
        wait = it->second;
        f = findingFromJson(c.at("finding"));
      } catch (const nlohmann::json::exception&) {
        continue;
      }
      // The message names the call (the wrapper); the first note, the wait it goes through.
      std::string name = f.message.substr(0, f.message.find("' "));
      if (!name.empty() && name[0] == '\'') name.erase(0, 1);
      bool counts = f.message.find("counts wake-ups") != std::string::npos;
      DiagBuilder d = diag(f.where, f.message);
      d.note(wait, "'" + name + "' is a wait wrapper: it waits here and re-checks nothing" +
                       (counts ? std::string() : std::string(", so its caller must loop")));
      for (const Note& n : f.notes) d.note(n.where, n.message, n.step);
      for (const Edit& e : f.fixes) d.fix(e);
    }
  }
}

}  // namespace weft::analyzer
