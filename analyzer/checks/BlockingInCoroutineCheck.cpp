// blocking-in-coroutine: see BlockingInCoroutineCheck.h and docs/checks/blocking-in-coroutine.md.
//
// A call is reported when its nearest enclosing function is a coroutine (its body is a
// CoroutineBodyStmt: it contains co_await, co_yield or co_return) and the callee is one of the
// blocking functions below. A lambda inside the coroutine is a function of its own (it may run
// on another thread: `to_thread([] { std::this_thread::sleep_for(1s); })`), so its calls are not
// the coroutine's.
#include "BlockingInCoroutineCheck.h"

#include <clang/AST/Decl.h>
#include <clang/AST/Expr.h>
#include <clang/ASTMatchers/ASTMatchers.h>

#include <string_view>

#include "AstHelpers.h"
#include "Matchers.h"

using namespace clang;
using namespace clang::ast_matchers;

namespace weft::analyzer {
namespace {

// What to await instead, by family.
constexpr const char* kSleep = "co_await weft::aio::sleep(seconds) suspends only this task";
constexpr const char* kLock = "take a weft::aio::Lock with co_await lock.acquire(), or hold the thread lock only "
                              "where nothing can block on it";
constexpr const char* kCond = "co_await cond.wait() on a weft::aio::Condition suspends only this task";
constexpr const char* kJoin = "run the blocking work with co_await weft::aio::to_thread(f) instead";
constexpr const char* kSem = "co_await sem.acquire() on a weft::aio::Semaphore suspends only this task";
constexpr const char* kQueue = "co_await q.get() / q.put(x) on a weft::aio::Queue suspends only this task";
constexpr const char* kEvent = "co_await ev.wait() on a weft::aio::Event suspends only this task";

struct Blocking {
  const char* name;  // qualified, for hasAnyName
  const char* what;  // in the message: "sleeps", "waits for a lock", ...
  const char* instead;
};

// The blocking functions: free functions by their qualified name, member functions by their
// class's qualified name and their own (template arguments and inline namespaces do not take
// part: std::future<int>::get is "::std::future::get").
constexpr Blocking kBlocking[] = {
    {"::std::this_thread::sleep_for", "sleeps", kSleep},
    {"::std::this_thread::sleep_until", "sleeps", kSleep},
    {"::sleep", "sleeps", kSleep},
    {"::usleep", "sleeps", kSleep},
    {"::nanosleep", "sleeps", kSleep},
    {"::clock_nanosleep", "sleeps", kSleep},
    {"::std::mutex::lock", "waits for a thread lock", kLock},
    {"::std::timed_mutex::lock", "waits for a thread lock", kLock},
    {"::std::recursive_mutex::lock", "waits for a thread lock", kLock},
    {"::std::recursive_timed_mutex::lock", "waits for a thread lock", kLock},
    {"::std::shared_mutex::lock", "waits for a thread lock", kLock},
    {"::std::shared_mutex::lock_shared", "waits for a thread lock", kLock},
    {"::std::shared_timed_mutex::lock", "waits for a thread lock", kLock},
    {"::std::shared_timed_mutex::lock_shared", "waits for a thread lock", kLock},
    {"::pthread_mutex_lock", "waits for a thread lock", kLock},
    {"::pthread_rwlock_rdlock", "waits for a thread lock", kLock},
    {"::pthread_rwlock_wrlock", "waits for a thread lock", kLock},
    {"::weft::Lock::acquire", "waits for a thread lock", kLock},
    {"::weft::Lock::lock", "waits for a thread lock", kLock},
    {"::weft::RLock::acquire", "waits for a thread lock", kLock},
    {"::weft::RLock::lock", "waits for a thread lock", kLock},
    {"::std::condition_variable::wait", "waits on a condition variable", kCond},
    {"::std::condition_variable::wait_for", "waits on a condition variable", kCond},
    {"::std::condition_variable::wait_until", "waits on a condition variable", kCond},
    {"::std::condition_variable_any::wait", "waits on a condition variable", kCond},
    {"::std::condition_variable_any::wait_for", "waits on a condition variable", kCond},
    {"::std::condition_variable_any::wait_until", "waits on a condition variable", kCond},
    {"::pthread_cond_wait", "waits on a condition variable", kCond},
    {"::pthread_cond_timedwait", "waits on a condition variable", kCond},
    {"::weft::Condition::wait", "waits on a condition variable", kCond},
    {"::weft::Condition::wait_for", "waits on a condition variable", kCond},
    {"::weft::Event::wait", "waits for an event", kEvent},
    {"::std::future::get", "waits for a future", kJoin},
    {"::std::future::wait", "waits for a future", kJoin},
    {"::std::future::wait_for", "waits for a future", kJoin},
    {"::std::future::wait_until", "waits for a future", kJoin},
    {"::std::shared_future::get", "waits for a future", kJoin},
    {"::std::shared_future::wait", "waits for a future", kJoin},
    {"::std::shared_future::wait_for", "waits for a future", kJoin},
    {"::std::shared_future::wait_until", "waits for a future", kJoin},
    {"::weft::Future::result", "waits for a future", kJoin},
    {"::std::thread::join", "waits for a thread", kJoin},
    {"::std::jthread::join", "waits for a thread", kJoin},
    {"::pthread_join", "waits for a thread", kJoin},
    {"::weft::Thread::join", "waits for a thread", kJoin},
    {"::std::counting_semaphore::acquire", "waits on a semaphore", kSem},
    {"::std::latch::wait", "waits on a latch", kJoin},
    {"::std::latch::arrive_and_wait", "waits on a latch", kJoin},
    {"::std::barrier::arrive_and_wait", "waits on a barrier", kJoin},
    {"::std::barrier::wait", "waits on a barrier", kJoin},
    {"::sem_wait", "waits on a semaphore", kSem},
    {"::sem_timedwait", "waits on a semaphore", kSem},
    {"::weft::Semaphore::acquire", "waits on a semaphore", kSem},
    {"::weft::BoundedSemaphore::acquire", "waits on a semaphore", kSem},
    {"::weft::Barrier::wait", "waits on a barrier", kJoin},
    {"::weft::Queue::get", "waits on a queue", kQueue},
    {"::weft::Queue::put", "waits on a queue", kQueue},
};

const Blocking* lookup(const FunctionDecl* fn) {
  std::string q = "::" + fn->getQualifiedNameAsString();
  // Inline namespaces (std::__1) and template arguments are not part of the names above.
  for (std::string_view junk : {"::__1", "::__cxx11"}) {
    for (std::size_t at; (at = q.find(junk)) != std::string::npos;) q.erase(at, junk.size());
  }
  for (std::size_t open; (open = q.find('<')) != std::string::npos;) {
    std::size_t depth = 0, close = open;
    for (; close < q.size(); ++close) {
      if (q[close] == '<') ++depth;
      if (q[close] == '>' && --depth == 0) break;
    }
    q.erase(open, close - open + 1);
  }
  for (const Blocking& b : kBlocking)
    if (q == b.name) return &b;
  return nullptr;
}

// True when the literal operator template behind `u` (`operator""s<'0'>()`) was given digits
// that spell zero: `0s`, `00ms`, `0'000us`, `0x0s`.
bool templateDigitsAreZero(const UserDefinedLiteral* u) {
  const FunctionDecl* op = u->getDirectCallee();
  const TemplateArgumentList* args = op != nullptr ? op->getTemplateSpecializationArgs() : nullptr;
  if (args == nullptr || args->size() != 1 || args->get(0).getKind() != TemplateArgument::Pack) return false;
  std::string digits;
  for (const TemplateArgument& a : args->get(0).pack_elements()) {
    if (a.getKind() != TemplateArgument::Integral) return false;
    digits += static_cast<char>(a.getAsIntegral().getExtValue());
  }
  llvm::StringRef d(digits);
  if (d.starts_with_insensitive("0x") || d.starts_with_insensitive("0b")) d = d.drop_front(2);
  return !d.empty() && d.find_first_not_of("0'") == llvm::StringRef::npos;
}

// True when `e` is the constant 0: a literal, a std::chrono duration made of one (`0s`,
// `std::chrono::milliseconds(0)`, `duration::zero()`), or a constant expression equal to 0.
bool isZero(const Expr* e, const ASTContext& ctx) {
  if (e == nullptr) return false;
  e = e->IgnoreImplicit();
  if (const auto* u = dyn_cast<UserDefinedLiteral>(e)) {
    // libstdc++'s integer chrono literals (`0s`, `3ms`) are literal operator templates: the
    // digits are the template's arguments and there is no cooked literal to read.
    switch (u->getLiteralOperatorKind()) {
      case UserDefinedLiteral::LOK_Template: return templateDigitsAreZero(u);
      case UserDefinedLiteral::LOK_Raw: return false;
      default: return isZero(u->getCookedLiteral(), ctx);
    }
  }
  if (const auto* c = dyn_cast<CXXConstructExpr>(e))
    return c->getNumArgs() >= 1 && isZero(c->getArg(0), ctx);
  if (const auto* f = dyn_cast<CXXFunctionalCastExpr>(e)) return isZero(f->getSubExpr(), ctx);
  if (const auto* m = dyn_cast<MaterializeTemporaryExpr>(e)) return isZero(m->getSubExpr(), ctx);
  if (const auto* b = dyn_cast<CXXBindTemporaryExpr>(e)) return isZero(b->getSubExpr(), ctx);
  if (const auto* call = dyn_cast<CallExpr>(e)) {
    const FunctionDecl* fn = call->getDirectCallee();
    return fn != nullptr && fn->getDeclName().isIdentifier() && fn->getName() == "zero";
  }
  if (e->isValueDependent() || e->isTypeDependent()) return false;
  Expr::EvalResult r;
  if (!e->EvaluateAsRValue(r, ctx)) return false;
  if (r.Val.isInt()) return r.Val.getInt().isZero();
  if (r.Val.isFloat()) return r.Val.getFloat().isZero();
  return false;
}

bool isFalse(const Expr* e, const ASTContext& ctx) {
  bool value = true;
  return e != nullptr && !e->isValueDependent() && e->EvaluateAsBooleanCondition(value, ctx) && !value;
}

bool isDuration(QualType t) {
  const auto* rd = t.getNonReferenceType()->getAsCXXRecordDecl();
  return rd != nullptr && rd->getName() == "duration";
}

// Calls of those functions that do not block: a timed wait or sleep of zero (a poll:
// `f.wait_for(0s) == std::future_status::ready`), weft's acquire(false) / get(false) /
// put(x, false), and waits with a timeout of 0.
bool doesNotBlock(const CallExpr* call, const FunctionDecl* fn, const ASTContext& ctx) {
  llvm::StringRef n = fn->getDeclName().isIdentifier() ? fn->getName() : "";
  unsigned first = isa<CXXOperatorCallExpr>(call) ? 1 : 0;
  auto arg = [&](unsigned i) -> const Expr* {
    return i + first < call->getNumArgs() && !isa<CXXDefaultArgExpr>(call->getArg(i + first))
               ? call->getArg(i + first)
               : nullptr;
  };
  for (unsigned i = 0; arg(i) != nullptr; ++i)
    if (isDuration(arg(i)->getType()) && isZero(arg(i), ctx)) return true;
  bool weft = fn->getQualifiedNameAsString().rfind("weft::", 0) == 0;
  if (!weft) return false;
  if (n == "acquire" || n == "get") return isFalse(arg(0), ctx) || isZero(arg(1), ctx);
  if (n == "put") return isFalse(arg(1), ctx) || isZero(arg(2), ctx);
  if (n == "wait" || n == "result") return isZero(arg(0), ctx);
  return false;
}

}  // namespace

void BlockingInCoroutineCheck::registerMatchers(MatchFinder* finder) {
  // By the unqualified name here (hasName cannot name a member of a class template
  // specialization such as std::future<int>::get without its arguments); lookup() then compares
  // the qualified name without template arguments.
  std::vector<llvm::StringRef> names;
  for (const Blocking& b : kBlocking) {
    llvm::StringRef q(b.name);
    names.push_back(q.substr(q.rfind(':') + 1));
  }
  // The nearest enclosing function is a coroutine. In a template, the primary definition only.
  finder->addMatcher(
      callExpr(callee(functionDecl(hasAnyName(names)).bind("callee")),
               forCallable(functionDecl(hasBody(coroutineBodyStmt())).bind("coroutine")),
               unless(isInTemplateInstantiation()))
          .bind("call"),
      this);
}

void BlockingInCoroutineCheck::check(const MatchFinder::MatchResult& result) {
  const auto* call = result.Nodes.getNodeAs<CallExpr>("call");
  const auto* callee = result.Nodes.getNodeAs<FunctionDecl>("callee");
  const auto* coroutine = result.Nodes.getNodeAs<FunctionDecl>("coroutine");
  if (!call || !callee || !coroutine) return;
  const Blocking* b = lookup(callee);
  if (b == nullptr || doesNotBlock(call, callee, *result.Context)) return;
  std::string calleeName = callee->getQualifiedNameAsString();
  std::string coName = isa<CXXMethodDecl>(coroutine) && cast<CXXMethodDecl>(coroutine)->getParent()->isLambda()
                           ? std::string("a coroutine lambda")
                           : "coroutine '" + coroutine->getQualifiedNameAsString() + "'";
  std::string message = "'";
  message += calleeName;
  message += "' ";
  message += b->what;
  message += " in ";
  message += coName;
  message += ", blocking its thread: every task of the event loop waits with it";
  diag(call->getBeginLoc(), message).note(call->getBeginLoc(), b->instead);
}

}  // namespace weft::analyzer
