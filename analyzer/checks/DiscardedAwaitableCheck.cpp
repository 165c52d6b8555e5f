// discarded-awaitable: see DiscardedAwaitableCheck.h and docs/checks/discarded-awaitable.md.
//
// A call whose value is discarded — a statement of its own, or cast to void — is reported when
// its type is awaitable (it has `await_ready`, or a member `operator co_await`) or is a lazy
// coroutine's return type (its promise's `initial_suspend` returns std::suspend_always: the
// coroutine does not start until awaited). An eager fire-and-forget task type (initial_suspend
// returns std::suspend_never and it is not awaitable) is left alone: discarding it is how it is
// used.
#include "DiscardedAwaitableCheck.h"

#include <clang/AST/DeclCXX.h>
#include <clang/AST/Expr.h>
#include <clang/AST/ExprCXX.h>
#include <clang/ASTMatchers/ASTMatchers.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Lex/Lexer.h>

#include "AstHelpers.h"
#include "Matchers.h"

using namespace clang;
using namespace clang::ast_matchers;

namespace weft::analyzer {
namespace {

// A member function named `name` in `rd` or its bases.
const CXXMethodDecl* findMethod(const CXXRecordDecl* rd, llvm::StringRef name) {
  if (rd == nullptr || !rd->hasDefinition()) return nullptr;
  rd = rd->getDefinition();
  for (const CXXMethodDecl* m : rd->methods())
    if (m->getDeclName().isIdentifier() && m->getName() == name) return m;
  for (const CXXBaseSpecifier& b : rd->bases())
    if (const CXXMethodDecl* m = findMethod(b.getType()->getAsCXXRecordDecl(), name)) return m;
  return nullptr;
}

bool hasCoAwaitOperator(const CXXRecordDecl* rd) {
  if (rd == nullptr || !rd->hasDefinition()) return false;
  for (const CXXMethodDecl* m : rd->getDefinition()->methods())
    if (m->getOverloadedOperator() == OO_Coawait) return true;
  return false;
}

enum class Kind { kNone, kAwaitable, kLazyTask };

Kind classify(QualType t) {
  const CXXRecordDecl* rd = t.getNonReferenceType()->getAsCXXRecordDecl();
  if (rd == nullptr || !rd->hasDefinition()) return Kind::kNone;
  if (findMethod(rd, "await_ready") != nullptr || hasCoAwaitOperator(rd)) return Kind::kAwaitable;
  // A coroutine's return type: its promise_type's initial_suspend says whether it starts.
  for (const Decl* d : rd->getDefinition()->decls()) {
    const auto* promise = dyn_cast<CXXRecordDecl>(d);
    if (promise == nullptr || promise->getName() != "promise_type") continue;
    const CXXMethodDecl* init = findMethod(promise, "initial_suspend");
    if (init == nullptr) return Kind::kNone;
    const CXXRecordDecl* how = init->getReturnType()->getAsCXXRecordDecl();
    if (how != nullptr && how->getName() == "suspend_always") return Kind::kLazyTask;
    return Kind::kNone;
  }
  return Kind::kNone;
}

// What to call the discarded value's source in the message: the callee's name.
std::string calleeName(const CallExpr* call) {
  if (const FunctionDecl* fn = call->getDirectCallee()) return fn->getQualifiedNameAsString();
  return "the call";
}

}  // namespace

void DiscardedAwaitableCheck::registerMatchers(MatchFinder* finder) {
  // A statement of its own (a compound statement's child, or the body of an if / loop without
  // braces), or an explicit cast to void. Not in template instantiations (the primary template).
  auto discardedCall = expr(ignoringImplicit(callExpr().bind("call")));
  auto fn = forCallable(functionDecl().bind("fn"));
  finder->addMatcher(compoundStmt(forEach(discardedCall.bind("stmt")),
                                  unless(isInTemplateInstantiation()), fn),
                     this);
  finder->addMatcher(explicitCastExpr(hasDestinationType(voidType()),
                                      hasSourceExpression(ignoringParenImpCasts(
                                          ignoringImplicit(callExpr().bind("call")))),
                                      unless(isInTemplateInstantiation()), fn)
                         .bind("cast"),
                     this);
}

void DiscardedAwaitableCheck::check(const MatchFinder::MatchResult& result) {
  const auto* call = result.Nodes.getNodeAs<CallExpr>("call");
  const auto* cast = result.Nodes.getNodeAs<ExplicitCastExpr>("cast");
  // A reference to an existing awaitable (`task = other` returns Task&) makes nothing new.
  if (call == nullptr || call->getType()->isDependentType() || !call->isPRValue()) return;
  Kind k = classify(call->getType());
  if (k == Kind::kNone) return;
  std::string name = calleeName(call);
  std::string message;
  if (k == Kind::kAwaitable) {
    message = "the awaitable returned by '";
    message += name;
    message += "' is discarded";
    message += cast != nullptr ? " (cast to void)" : "";
    message += ": nothing waits for it; a forgotten co_await?";
  } else {
    message = "the task returned by coroutine '";
    message += name;
    message += "' is discarded";
    message += cast != nullptr ? " (cast to void)" : "";
    message += ": it starts only when awaited, so it never runs; a forgotten co_await?";
  }
  // In a coroutine, `co_await ` in front of the call is the fix (for a statement of its own).
  const auto* fn = result.Nodes.getNodeAs<FunctionDecl>("fn");
  bool inCoroutine = fn != nullptr && fn->getBody() != nullptr && isa<CoroutineBodyStmt>(fn->getBody());
  if (inCoroutine && cast == nullptr) {
    diag(call->getBeginLoc(), message)
        .note(call->getBeginLoc(), "co_await the value, or keep it and await it later")
        .fix(FixItHint::CreateInsertion(call->getBeginLoc(), "co_await "));
  } else if (inCoroutine) {
    diag(call->getBeginLoc(), message)
        .note(call->getBeginLoc(), "co_await the value, or keep it and await it later");
  } else {
    diag(call->getBeginLoc(), message)
        .note(call->getBeginLoc(),
              "outside a coroutine, run it with weft::aio::run(...), or keep it and await it from a coroutine");
  }
}

}  // namespace weft::analyzer
