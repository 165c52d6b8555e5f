// Names and small matchers shared by the checks: what weft understands as a condition variable,
// an event, a lock and a lock guard (docs/design.md, "What each part must understand").
// Matching is by qualified name, so the weft headers, libstdc++ and libc++ (whose inline
// namespaces hasName looks through) and test stand-ins all match.
#pragma once

#include <clang/ASTMatchers/ASTMatchers.h>

#include "checks/LockVocabulary.h"

namespace weft::analyzer::names {

// Classes with a predicate-less wait(lock[, time]) and notify_one/notify_all.
inline auto conditionClass() {
  using namespace clang::ast_matchers;
  // weft::aio::Condition (asyncio's, `co_await cond.wait()`): the same rule, for tasks.
  return cxxRecordDecl(hasAnyName("::std::condition_variable", "::std::condition_variable_any",
                                  "::weft::Condition", "::weft::aio::Condition"));
}
// weft::Condition: Python's threading.Condition, which owns (or is given) its lock.
inline auto weftConditionClass() {
  using namespace clang::ast_matchers;
  return cxxRecordDecl(hasName("::weft::Condition"));
}
// Free functions that wait on a condition without a predicate.
inline auto freeConditionWait() {
  using namespace clang::ast_matchers;
  return functionDecl(hasAnyName("::pthread_cond_wait", "::pthread_cond_timedwait",
                                 "::pthread_cond_clockwait", "::cnd_wait", "::cnd_timedwait"));
}
// Events: a flag that stays set (weft::Event, and weft::aio::Event: asyncio's, waited on with
// `co_await ev.wait()`) or atomics waited on with C++20 wait/notify.
inline auto weftEventClass() {
  using namespace clang::ast_matchers;
  return cxxRecordDecl(hasAnyName("::weft::Event", "::weft::aio::Event"));
}
inline auto atomicFlagClass() {
  using namespace clang::ast_matchers;
  return cxxRecordDecl(anyOf(hasName("::std::atomic_flag"),
                             classTemplateSpecializationDecl(
                                 hasName("::std::atomic"),
                                 hasTemplateArgument(0, refersToType(booleanType())))));
}
// Lock classes, guards and locking calls: the names of the lock vocabulary (LockVocabulary.h).
inline auto nonReentrantLockClass() {
  using namespace clang::ast_matchers;
  return cxxRecordDecl(hasAnyName(vocab::nonReentrantClassNames()));
}
inline auto reentrantLockClass() {
  using namespace clang::ast_matchers;
  return cxxRecordDecl(hasAnyName(vocab::reentrantClassNames()));
}
// RAII guards: the first constructor argument is the lock (scoped_lock: all arguments).
inline auto lockGuardClass() {
  using namespace clang::ast_matchers;
  return cxxRecordDecl(hasAnyName(vocab::guardClassNames()));
}
// Functions that take a lock (lock(), acquire(), lock_shared(), pthread_mutex_lock, ...).
inline auto lockingFunction() {
  using namespace clang::ast_matchers;
  return functionDecl(hasAnyName(vocab::lockingFunctionNames()));
}

}  // namespace weft::analyzer::names
