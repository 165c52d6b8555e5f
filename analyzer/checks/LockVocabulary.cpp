// The lock vocabulary: see LockVocabulary.h.
#include "LockVocabulary.h"

#include <clang/AST/ASTContext.h>
#include <clang/AST/Attr.h>
#include <clang/AST/DeclTemplate.h>
#include <clang/AST/ExprCXX.h>

namespace weft::analyzer::vocab {

using namespace clang;

namespace {

bool hasCapability(const CXXRecordDecl* rd) {
  if (!rd) return false;
  if (rd->hasAttr<CapabilityAttr>()) return true;
  if (const auto* spec = dyn_cast<ClassTemplateSpecializationDecl>(rd))
    return spec->getSpecializedTemplate()->getTemplatedDecl()->hasAttr<CapabilityAttr>();
  return false;
}

// The free functions of the vocabulary: name, operation, family.
struct FreeName {
  llvm::StringRef name;
  Op op;
  Family family;
};
constexpr FreeName kFree[] = {
    {"pthread_mutex_lock", Op::kLock, Family::kMutex},
    {"pthread_mutex_trylock", Op::kTryLock, Family::kMutex},
    {"pthread_mutex_timedlock", Op::kTryLock, Family::kMutex},
    {"pthread_mutex_clocklock", Op::kTryLock, Family::kMutex},
    {"pthread_mutex_unlock", Op::kUnlock, Family::kMutex},
    {"mtx_lock", Op::kLock, Family::kMutex},
    {"mtx_trylock", Op::kTryLock, Family::kMutex},
    {"mtx_timedlock", Op::kTryLock, Family::kMutex},
    {"mtx_unlock", Op::kUnlock, Family::kMutex},
    {"pthread_rwlock_wrlock", Op::kLock, Family::kRwlock},
    {"pthread_rwlock_trywrlock", Op::kTryLock, Family::kRwlock},
    {"pthread_rwlock_timedwrlock", Op::kTryLock, Family::kRwlock},
    {"pthread_rwlock_clockwrlock", Op::kTryLock, Family::kRwlock},
    {"pthread_rwlock_rdlock", Op::kLockShared, Family::kRwlock},
    {"pthread_rwlock_tryrdlock", Op::kTryLockShared, Family::kRwlock},
    {"pthread_rwlock_timedrdlock", Op::kTryLockShared, Family::kRwlock},
    {"pthread_rwlock_clockrdlock", Op::kTryLockShared, Family::kRwlock},
    {"pthread_rwlock_unlock", Op::kUnlock, Family::kRwlock},
    {"pthread_spin_lock", Op::kLock, Family::kSpin},
    {"pthread_spin_trylock", Op::kTryLock, Family::kSpin},
    {"pthread_spin_unlock", Op::kUnlock, Family::kSpin},
};

struct MemberName {
  llvm::StringRef name;
  Op op;
};
constexpr MemberName kMember[] = {
    {"lock", Op::kLock},
    {"acquire", Op::kLock},  // weft::Lock / RLock / Condition; a try with `false` or a timeout
    {"try_lock", Op::kTryLock},
    {"try_lock_for", Op::kTryLock},
    {"try_lock_until", Op::kTryLock},
    {"unlock", Op::kUnlock},
    {"release", Op::kUnlock},
    {"lock_shared", Op::kLockShared},
    {"try_lock_shared", Op::kTryLockShared},
    {"try_lock_shared_for", Op::kTryLockShared},
    {"try_lock_shared_until", Op::kTryLockShared},
    {"unlock_shared", Op::kUnlockShared},
};

bool isTry(Op op) { return op == Op::kTryLock || op == Op::kTryLockShared; }
bool isTake(Op op) { return op == Op::kLock || op == Op::kLockShared; }
bool isRelease(Op op) { return op == Op::kUnlock || op == Op::kUnlockShared; }

}  // namespace

bool inNamespace(const DeclContext* dc, llvm::StringRef ns) {
  while (dc && dc->isInlineNamespace()) dc = dc->getParent();
  const auto* nd = dyn_cast_or_null<NamespaceDecl>(dc);
  if (!nd || nd->getName() != ns) return false;
  const DeclContext* p = nd->getParent();
  while (p && p->isInlineNamespace()) p = p->getParent();
  return p && p->isTranslationUnit();
}

const CXXRecordDecl* recordOf(QualType t) {
  t = t.getNonReferenceType();
  if (t->isPointerType()) t = t->getPointeeType();
  const auto* rd = t->getAsCXXRecordDecl();
  return rd ? rd->getDefinition() ? rd->getDefinition() : rd : nullptr;
}

bool hasTypedefName(QualType t, llvm::StringRef name) {
  t = t.getNonReferenceType();
  if (t->isPointerType()) t = t->getPointeeType();
  while (const auto* tt = t->getAs<TypedefType>()) {
    if (tt->getDecl()->getName() == name) return true;
    t = tt->getDecl()->getUnderlyingType();
  }
  return false;
}

std::optional<LockType> lockType(QualType t) {
  if (hasTypedefName(t, "pthread_mutex_t"))
    return LockType{LockKind::kNonRecursive, "pthread_mutex_t"};
  if (hasTypedefName(t, "mtx_t")) return LockType{LockKind::kNonRecursive, "mtx_t"};
  if (hasTypedefName(t, "pthread_rwlock_t"))
    return LockType{LockKind::kNonRecursive, "pthread_rwlock_t", /*shared=*/true};
  if (hasTypedefName(t, "pthread_spinlock_t"))
    return LockType{LockKind::kNonRecursive, "pthread_spinlock_t", false, /*spin=*/true};
  const CXXRecordDecl* rd = recordOf(t);
  if (!rd || !rd->getIdentifier()) return std::nullopt;
  llvm::StringRef n = rd->getName();
  if (rd->isInStdNamespace()) {
    if (n == "mutex" || n == "timed_mutex")
      return LockType{LockKind::kNonRecursive, "std::" + n.str()};
    if (n == "shared_mutex" || n == "shared_timed_mutex")
      return LockType{LockKind::kNonRecursive, "std::" + n.str(), /*shared=*/true};
    if (n == "recursive_mutex" || n == "recursive_timed_mutex")
      return LockType{LockKind::kRecursive, "std::" + n.str()};
    return std::nullopt;
  }
  if (inNamespace(rd->getDeclContext(), "weft")) {
    if (n == "Lock") return LockType{LockKind::kNonRecursive, "weft::Lock"};
    if (n == "RLock") return LockType{LockKind::kRecursive, "weft::RLock"};
    return std::nullopt;
  }
  if (hasCapability(rd)) {
    std::string lower = n.lower();
    bool reentrant = lower.find("recursive") != std::string::npos ||
                     lower.find("reentrant") != std::string::npos;
    return LockType{reentrant ? LockKind::kRecursive : LockKind::kNonRecursive,
                    rd->getQualifiedNameAsString()};
  }
  return std::nullopt;
}

std::optional<LockType> conditionLockType(QualType t) {
  const CXXRecordDecl* rd = recordOf(t);
  if (!rd || !rd->getIdentifier() || rd->getName() != "Condition" ||
      !inNamespace(rd->getDeclContext(), "weft"))
    return std::nullopt;
  return LockType{LockKind::kUnknown, "weft::Condition"};
}

Guard guardKind(QualType t) {
  const CXXRecordDecl* rd = recordOf(t.getNonReferenceType());
  if (!rd || !rd->getIdentifier()) return Guard::kNone;
  if (rd->isInStdNamespace()) {
    llvm::StringRef n = rd->getName();
    if (n == "lock_guard") return Guard::kLockGuard;
    if (n == "unique_lock") return Guard::kUniqueLock;
    if (n == "scoped_lock") return Guard::kScopedLock;
    if (n == "shared_lock") return Guard::kSharedLock;
    return Guard::kNone;
  }
  const CXXRecordDecl* pattern = rd;
  if (const auto* spec = dyn_cast<ClassTemplateSpecializationDecl>(rd))
    pattern = spec->getSpecializedTemplate()->getTemplatedDecl();
  if (rd->hasAttr<ScopedLockableAttr>() || pattern->hasAttr<ScopedLockableAttr>())
    return Guard::kAnnotated;
  return Guard::kNone;
}

GuardMethod guardMethod(llvm::StringRef name) {
  if (name == "lock") return GuardMethod::kLock;
  if (name == "try_lock" || name == "try_lock_for" || name == "try_lock_until")
    return GuardMethod::kTryLock;
  if (name == "unlock") return GuardMethod::kUnlock;
  if (name == "release") return GuardMethod::kRelease;
  return GuardMethod::kNone;
}

bool isGuardType(QualType t, bool withShared) {
  // Only the guard object itself (not a pointer or reference to one) takes the lock.
  if (t->isPointerType() || t->isReferenceType()) return false;
  switch (guardKind(t)) {
    case Guard::kLockGuard:
    case Guard::kUniqueLock:
    case Guard::kScopedLock:
      return true;
    case Guard::kSharedLock:
      return withShared;
    default:
      return false;
  }
}

bool isGuardDecl(const Stmt* s, bool withShared) {
  const auto* ds = dyn_cast_or_null<DeclStmt>(s);
  if (!ds) return false;
  for (const Decl* d : ds->decls())
    if (const auto* v = dyn_cast<VarDecl>(d); v && isGuardType(v->getType(), withShared))
      return true;
  return false;
}

FreeOp freeOp(llvm::StringRef name) {
  for (const FreeName& f : kFree)
    if (f.name == name) return {f.op, f.family};
  return {};
}

FreeOp freeOp(const FunctionDecl* fn) {
  if (!fn || !fn->getIdentifier()) return {};
  if (!fn->isExternC() && !fn->getDeclContext()->isTranslationUnit()) return {};
  return freeOp(fn->getName());
}

Op memberOp(llvm::StringRef name) {
  for (const MemberName& m : kMember)
    if (m.name == name) return m.op;
  return Op::kNone;
}

bool acquireBlocks(const CallExpr* call, const ASTContext& ctx) {
  if (call->getNumArgs() >= 1) {
    bool blocking = false;
    if (!call->getArg(0)->EvaluateAsBooleanCondition(blocking, ctx) || !blocking) return false;
  }
  if (call->getNumArgs() >= 2) {
    Expr::EvalResult r;
    if (!call->getArg(1)->EvaluateAsRValue(r, ctx)) return false;
    if (r.Val.isFloat()) return r.Val.getFloat().isNegative();
    if (r.Val.isInt()) return r.Val.getInt().isNegative();
    return false;
  }
  return true;
}

bool takesLock(const FunctionDecl* fn, bool withTry, bool exclusiveOnly) {
  if (!fn || !fn->getDeclName().isIdentifier()) return false;
  llvm::StringRef n = fn->getName();
  Op op = isa<CXXMethodDecl>(fn) ? memberOp(n) : freeOp(n).op;
  // A free function named like a member operation (a project's `lock(x)`) counts too.
  if (op == Op::kNone) op = memberOp(n);
  if (exclusiveOnly && (op == Op::kLockShared || op == Op::kTryLockShared)) return false;
  return isTake(op) || (withTry && isTry(op));
}

bool releasesLock(const FunctionDecl* fn) {
  if (!fn || !fn->getDeclName().isIdentifier()) return false;
  llvm::StringRef n = fn->getName();
  Op op = isa<CXXMethodDecl>(fn) ? memberOp(n) : freeOp(n).op;
  if (op == Op::kNone) op = memberOp(n);
  return isRelease(op);
}

CondCall condCall(const CallExpr* call) {
  using Kind = CondCall::Kind;
  const FunctionDecl* fn = call ? call->getDirectCallee() : nullptr;
  if (!fn || !fn->getIdentifier()) return {};
  llvm::StringRef n = fn->getName();
  if (const auto* mc = dyn_cast<CXXMemberCallExpr>(call)) {
    // A call through a pointer to member ((a.*pm)(), RocksDB's `(owner_->*Fn)(ptr_)` with a
    // template argument) has no method declaration even when its callee is known: not a
    // condition call.
    const CXXMethodDecl* md = mc->getMethodDecl();
    if (md == nullptr) return {};
    const CXXRecordDecl* rd = md->getParent();
    bool weftCond = rd->getName() == "Condition" && inNamespace(rd->getDeclContext(), "weft");
    bool stdCond = (rd->getName() == "condition_variable" ||
                    rd->getName() == "condition_variable_any") &&
                   inNamespace(rd->getDeclContext(), "std");
    if (!weftCond && !stdCond) return {};
    const Expr* self = mc->getImplicitObjectArgument();
    if (n == "notify_one" || n == "notify_all" || (weftCond && n == "notify"))
      return {Kind::kNotify, self, nullptr};
    if (n == "wait" || n == "wait_for" || (stdCond && n == "wait_until")) {
      if (weftCond) return {Kind::kWait, self, self};
      return {Kind::kWait, self, call->getNumArgs() > 0 ? call->getArg(0) : nullptr};
    }
    return {};
  }
  if (!fn->isExternC() && !fn->getDeclContext()->isTranslationUnit()) return {};
  if (n == "pthread_cond_wait" || n == "pthread_cond_timedwait" || n == "pthread_cond_clockwait" ||
      n == "cnd_wait" || n == "cnd_timedwait")
    return call->getNumArgs() >= 2 ? CondCall{Kind::kWait, call->getArg(0), call->getArg(1)}
                                   : CondCall{};
  if (n == "pthread_cond_signal" || n == "pthread_cond_broadcast" || n == "cnd_signal" ||
      n == "cnd_broadcast")
    return call->getNumArgs() >= 1 ? CondCall{Kind::kNotify, call->getArg(0), nullptr}
                                   : CondCall{};
  return {};
}

std::vector<llvm::StringRef> guardClassNames(bool withShared) {
  std::vector<llvm::StringRef> v = {"::std::lock_guard", "::std::unique_lock",
                                    "::std::scoped_lock"};
  if (withShared) v.push_back("::std::shared_lock");
  return v;
}

std::vector<llvm::StringRef> nonReentrantClassNames() {
  return {"::std::mutex", "::std::timed_mutex", "::weft::Lock"};
}

std::vector<llvm::StringRef> reentrantClassNames() {
  return {"::std::recursive_mutex", "::std::recursive_timed_mutex", "::weft::RLock"};
}

std::vector<llvm::StringRef> lockingFunctionNames(bool withTry) {
  std::vector<llvm::StringRef> v;
  for (const MemberName& m : kMember)
    if (isTake(m.op) || (withTry && isTry(m.op))) v.push_back(m.name);
  static const std::vector<std::string> qualified = [] {
    std::vector<std::string> q;
    for (const FreeName& f : kFree) q.push_back("::" + f.name.str());
    return q;
  }();
  for (size_t i = 0; i < std::size(kFree); ++i)
    if (isTake(kFree[i].op) || (withTry && isTry(kFree[i].op))) v.push_back(qualified[i]);
  return v;
}

}  // namespace weft::analyzer::vocab
