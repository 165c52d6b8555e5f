// The lock vocabulary of every check: which types are locks and lock guards, and which calls
// take, try, or release a lock (std, pthread, C11, weft's primitives, shared_mutex /
// shared_lock / pthread_rwlock reader modes, spin locks, classes annotated with Clang's
// capability attributes). One place to teach weft lint a new lock; each check decides what it
// does with what the vocabulary says (the lock facts of LockModel.h model exclusive ownership of
// mutexes; reader modes, rwlocks and spin locks are named here for the checks that only ask
// "does this take any lock").
#pragma once

#include <clang/AST/Decl.h>
#include <clang/AST/DeclCXX.h>
#include <clang/AST/Expr.h>
#include <clang/AST/Stmt.h>
#include <clang/AST/Type.h>

#include <optional>
#include <string>
#include <vector>

#include "LockSummary.h"

namespace weft::analyzer::vocab {

using locks::LockKind;

// ---- lock objects ----------------------------------------------------------------------------

struct LockType {
  LockKind kind = LockKind::kNonRecursive;
  std::string name;     // for messages and facts: "std::mutex", "pthread_mutex_t", "weft::Lock"
  bool shared = false;  // has a reader mode: std::shared_(timed_)mutex, pthread_rwlock_t
  bool spin = false;    // pthread_spinlock_t
};

// The lock type of an object of type `t` (one pointer or reference looked through): std's
// mutexes, pthread_mutex_t / mtx_t (through typedefs such as uv_mutex_t), pthread_rwlock_t,
// pthread_spinlock_t, weft::Lock / RLock, and classes with Clang's `capability` attribute (a
// capability named "recursive"/"reentrant" is recursive: Clang 19 cannot say so).
std::optional<LockType> lockType(clang::QualType t);
// weft::Condition as the lock it is (Python's threading.Condition: acquire/release and guards
// act on its lock, an RLock unless it was given one): "weft::Condition", of unknown kind. Not a
// lockType(): the lock model follows it only for the condition facts (CondOp), and the lock
// checks never report it.
std::optional<LockType> conditionLockType(clang::QualType t);

// The class of an object of type `t` (its definition when there is one), one pointer or
// reference looked through.
const clang::CXXRecordDecl* recordOf(clang::QualType t);

// True when the type, one pointer or reference looked through, is the typedef `name` or a
// typedef of it.
bool hasTypedefName(clang::QualType t, llvm::StringRef name);

// True if `dc` is namespace `ns` at top level (inline namespaces such as std::__1 skipped).
bool inNamespace(const clang::DeclContext* dc, llvm::StringRef ns);

// ---- lock guards (RAII) ----------------------------------------------------------------------

enum class Guard {
  kNone,
  kLockGuard,   // std::lock_guard: the first argument, exclusive
  kUniqueLock,  // std::unique_lock: the first argument, exclusive, movable, may defer/adopt/try
  kScopedLock,  // std::scoped_lock: all arguments (or after std::adopt_lock)
  kSharedLock,  // std::shared_lock: the first argument, in reader mode
  kAnnotated,   // a class with Clang's `scoped_lockable` attribute
};
Guard guardKind(clang::QualType t);

// What a member function of a movable guard (std::unique_lock, std::shared_lock) does to it.
enum class GuardMethod {
  kNone,
  kLock,     // lock(): takes the lock again
  kTryLock,  // try_lock(), try_lock_for(), try_lock_until(): may take it
  kUnlock,   // unlock(): releases it, the guard stays
  kRelease,  // release(): the guard lets go of the lock, which stays held
};
GuardMethod guardMethod(llvm::StringRef name);

// A std guard type that takes its lock in its constructor (std::lock_guard, unique_lock,
// scoped_lock, and shared_lock when `withShared`).
bool isGuardType(clang::QualType t, bool withShared = true);
// A declaration statement of such a guard: `std::lock_guard<std::mutex> g(m);`.
bool isGuardDecl(const clang::Stmt* s, bool withShared = true);

// ---- operations -------------------------------------------------------------------------------

enum class Op {
  kNone,
  kLock,            // blocks until held exclusively
  kTryLock,         // may fail: try_lock, timed locks, trylock
  kUnlock,          // releases (either mode for pthread_rwlock_unlock)
  kLockShared,      // blocks until held in reader mode
  kTryLockShared,   // may fail, reader mode
  kUnlockShared,    // releases reader mode
};

enum class Family { kMutex, kRwlock, kSpin };

struct FreeOp {
  Op op = Op::kNone;
  Family family = Family::kMutex;
};
// A C function taking the lock as its first argument: pthread_mutex_(lock|trylock|timedlock|
// clocklock|unlock), mtx_(lock|trylock|timedlock|unlock), pthread_rwlock_(rd|wr)lock and their
// try/timed/clock forms and unlock, pthread_spin_(lock|trylock|unlock).
FreeOp freeOp(llvm::StringRef name);
FreeOp freeOp(const clang::FunctionDecl* fn);  // only for C functions at file scope

// A member function of a lock object, by name: lock, try_lock(_for|_until), unlock,
// lock_shared, try_lock_shared(_for|_until), unlock_shared, and weft's acquire / release
// (acquire(blocking=false) or with a timeout is a try: see acquireBlocks()).
Op memberOp(llvm::StringRef name);

// weft::Lock::acquire(blocking = true, timeout = -1) blocks unless given `false` or a timeout.
bool acquireBlocks(const clang::CallExpr* call, const clang::ASTContext& ctx);

// By the callee's name alone, for checks asking "does this take any lock": member lock() /
// acquire() / lock_shared(), the C lock functions; tries too when `withTry`, reader modes
// (lock_shared, pthread_rwlock_rdlock) unless `exclusiveOnly`.
bool takesLock(const clang::FunctionDecl* fn, bool withTry = false, bool exclusiveOnly = false);
// ... and "does this release one": unlock() / release() / unlock_shared(), the C unlocks.
bool releasesLock(const clang::FunctionDecl* fn);

// ---- condition variables ------------------------------------------------------------------
// A wait on or a notify of a condition variable: pthread_cond_(wait|timedwait|clockwait)(c, m,
// ...) and pthread_cond_(signal|broadcast)(c), C11's cnd_* likewise, std::condition_variable(_any)'s
// wait / wait_for / wait_until(lk, ...) and notify_one / notify_all, weft::Condition's wait /
// wait_for and notify / notify_all (a weft::Condition is its own lock).
struct CondCall {
  enum class Kind { kNone, kWait, kNotify };
  Kind kind = Kind::kNone;
  const clang::Expr* cond = nullptr;  // the condition variable
  const clang::Expr* lock = nullptr;  // what a wait releases: a mutex, a guard, or `cond` itself
};
CondCall condCall(const clang::CallExpr* call);

// ---- names for AST matchers (Matchers.h) -----------------------------------------------------

// Qualified class names ("::std::lock_guard", ...).
std::vector<llvm::StringRef> guardClassNames(bool withShared = true);
std::vector<llvm::StringRef> nonReentrantClassNames();  // std::mutex, timed_mutex, weft::Lock
std::vector<llvm::StringRef> reentrantClassNames();     // std::recursive_(timed_)mutex, weft::RLock
// Callee names that take a lock (members unqualified, C functions "::"-qualified), tries too when
// `withTry`: what takesLock() accepts.
std::vector<llvm::StringRef> lockingFunctionNames(bool withTry = false);

}  // namespace weft::analyzer::vocab
