// wait-not-in-loop: see WaitNotInLoopCheck.h and docs/checks/wait-not-in-loop.md.
#include "WaitNotInLoopCheck.h"

#include <clang/AST/ASTContext.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/ParentMapContext.h>
#include <clang/AST/StmtCXX.h>
#include <clang/ASTMatchers/ASTMatchers.h>
#include <clang/Lex/Lexer.h>

#include <algorithm>
#include <set>

#include "AstHelpers.h"
#include "Matchers.h"

using namespace clang;
using namespace clang::ast_matchers;

namespace weft::analyzer {
namespace {

using ast::sourceText;

// True when evaluating `s` again cannot change anything: no assignments, increments or calls
// other than const member functions (e.g. `q.empty()`, an atomic's load or `operator bool`).
bool readOnly(const Stmt* s, const ASTContext& ctx) {
  if (!s) return true;
  if (const auto* e = dyn_cast<Expr>(s); e && e->HasSideEffects(ctx, false)) return false;
  if (const auto* call = dyn_cast<CallExpr>(s)) {
    const auto* method = dyn_cast_or_null<CXXMethodDecl>(call->getDirectCallee());
    const FunctionDecl* fn = call->getDirectCallee();
    bool pure = fn && (fn->hasAttr<PureAttr>() || fn->hasAttr<ConstAttr>());
    if (!pure && !(method && (method->isConst() || method->isStatic()))) return false;
  }
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

// The statements of `block` from `first` on are all conditional on state that `cond` reads: each
// is an `if`, `while` or `for` whose condition mentions one of its variables (empty statements
// aside).
bool guardedRest(const CompoundStmt* block, const Stmt* first, const Expr* cond) {
  std::set<const ValueDecl*> state = stateOf(cond);
  if (state.empty()) return false;
  bool from = false;
  for (const Stmt* st : block->body()) {
    if (st == first) from = true;
    if (!from || isa<NullStmt>(st)) continue;
    const Expr* c = conditionOf(st);
    if (const auto* f = dyn_cast<ForStmt>(st)) c = f->getCond();
    if (!c || !mentionsAny(c, state)) return false;
  }
  return from;
}

}  // namespace

void WaitNotInLoopCheck::registerMatchers(MatchFinder* finder) {
  auto ConditionWait = cxxMethodDecl(hasAnyName("wait", "wait_for", "wait_until"),
                                     ofClass(names::conditionClass()));
  finder->addMatcher(cxxMemberCallExpr(callee(ConditionWait)).bind("wait"), this);
  finder->addMatcher(callExpr(callee(names::freeConditionWait())).bind("wait"), this);
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
}

void WaitNotInLoopCheck::check(const MatchFinder::MatchResult& result) {
  ASTContext& ctx = *result.Context;
  const auto* call = result.Nodes.getNodeAs<CallExpr>("wait");
  bool wrapper = false;
  if (!call) {
    call = result.Nodes.getNodeAs<CallExpr>("wrapper");
    wrapper = true;
  }
  const FunctionDecl* fn = call ? call->getDirectCallee() : nullptr;
  if (!fn) return;
  std::string name = fn->getNameAsString();

  enum class Kind { kStd, kWeft, kC } kind = Kind::kC;
  bool timed = name != "wait" && name != "pthread_cond_wait" && name != "cnd_wait";
  if (const auto* method = dyn_cast<CXXMethodDecl>(fn); method && !wrapper) {
    std::string cls = method->getParent()->getQualifiedNameAsString();
    if (cls == "weft::Condition") {
      kind = Kind::kWeft;
      // weft::Condition::wait_for(pred, timeout) is the predicate form: correct by construction.
      if (name != "wait") return;
      timed = call->getNumArgs() >= 1 && !isa<CXXDefaultArgExpr>(call->getArg(0));
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
  ast::walkOut(ctx, call, [&](const Stmt* s, const Stmt* child) {
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

  if (loop) {
    // A wait straight in a loop: whatever follows it in the body may re-check; we cannot tell,
    // and precision comes first.
    if (!guard) return;
    // The `if` is re-evaluated on the next iteration before anything else runs (leveldb's
    // MakeRoomForWrite shape: `while (true) { if (...) ... else cv.wait(); }`).
    if (tail) return;
    // The statement after the `if` checks the same state again: all of it. A re-check of part
    // of it is the pool worker's `if (tasks.empty() && !stop) cv.wait(lk); if (tasks.empty())
    // return;`, which takes a spurious wake-up for "stop" and leaves the pool.
    if (const Expr* again = conditionOf(following)) {
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
    if (followingBlock && loopBody(loop) == followingBlock &&
        guardedRest(followingBlock, following, guard->getCond()))
      return;
  }

  auto d = diag(call->getBeginLoc(), "'" + name + "' is not in a loop that re-checks its condition");

  // if -> while is exact when the `if` only guards this wait and its condition can be
  // evaluated again without effects.
  bool exact = guard && guardInThen && !guard->getElse() && !guard->getInit() &&
               !guard->getConditionVariable() && !guard->isConstexpr() && !guard->isConsteval() &&
               !timed && guard->getIfLoc().isFileID() && readOnly(guard->getCond(), ctx);
  if (exact) {
    const Stmt* then = guard->getThen();
    if (const auto* cs = dyn_cast<CompoundStmt>(then)) then = cs->size() == 1 ? cs->body_front() : nullptr;
    exact = then && stripImplicit(then) == call->IgnoreImplicit();
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
  } else {
    d.note(call->getBeginLoc(),
           "call '" + name + "' in a 'while' loop that re-checks the awaited state");
  }
  suppressNote();
}

}  // namespace weft::analyzer
