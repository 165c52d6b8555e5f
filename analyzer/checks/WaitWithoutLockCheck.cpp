// wait-without-lock, notify-without-lock: see WaitWithoutLockCheck.h and docs/checks/.
#include "WaitWithoutLockCheck.h"

#include <clang/AST/ASTContext.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/ParentMapContext.h>
#include <clang/AST/RecursiveASTVisitor.h>
#include <clang/ASTMatchers/ASTMatchers.h>
#include <clang/Lex/Lexer.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "AstHelpers.h"
#include "LockCheckCommon.h"
#include "LockModel.h"
#include "LockVocabulary.h"
#include "Matchers.h"
#include "ParamTests.h"

// GCC 12 at -O3 reports a false -Wrestrict inside libstdc++ for `"'" + std::string(...)` once
// enough of this file is inlined (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

using namespace clang;
using namespace clang::ast_matchers;

namespace weft::analyzer {
namespace {

using ast::objectDecl;
using ast::sourceText;

bool mentions(const Stmt* s, const ValueDecl* d) {
  if (!s) return false;
  if (const auto* r = dyn_cast<DeclRefExpr>(s); r && r->getDecl() == d) return true;
  if (const auto* m = dyn_cast<MemberExpr>(s); m && m->getMemberDecl() == d) return true;
  if (const auto* ds = dyn_cast<DeclStmt>(s)) {
    for (const Decl* x : ds->decls()) {
      if (x == d) return true;
      if (const auto* v = dyn_cast<VarDecl>(x); v && v->getInit() && mentions(v->getInit(), d))
        return true;
    }
  }
  for (const Stmt* c : s->children())
    if (mentions(c, d)) return true;
  return false;
}

// True when `s` takes any lock: a guard declaration or a lock()/acquire()/try_lock() call.
bool anyLocking(const Stmt* s) {
  if (!s) return false;
  if (vocab::isGuardDecl(s, /*withShared=*/false)) return true;
  if (const auto* call = dyn_cast<CallExpr>(s);
      call && vocab::takesLock(call->getDirectCallee(), /*withTry=*/true))
    return true;
  for (const Stmt* c : s->children())
    if (anyLocking(c)) return true;
  return false;
}

enum class State { kHeld, kNotHeld, kUnknown };

// What one statement that mentions the lock `l` does to it. `where` gets its location.
State classify(const Stmt* s, const ValueDecl* l, const ASTContext& ctx, std::string& why) {
  if (const auto* ds = dyn_cast<DeclStmt>(s); ds && ds->isSingleDecl()) {
    const auto* v = dyn_cast<VarDecl>(ds->getSingleDecl());
    if (!v) return State::kUnknown;
    const auto* ctor =
        v->getInit() ? dyn_cast<CXXConstructExpr>(v->getInit()->IgnoreImplicit()) : nullptr;
    vocab::Guard guard = v->getType()->isReferenceType() || v->getType()->isPointerType()
                             ? vocab::Guard::kNone
                             : vocab::guardKind(v->getType());
    if (v == l) {  // the std::unique_lock passed to wait is declared here
      if (guard != vocab::Guard::kUniqueLock || !ctor) return State::kUnknown;
      if (ctor->getNumArgs() == 0) {
        why = "'" + v->getNameAsString() + "' was constructed without a mutex";
        return State::kNotHeld;
      }
      if (ctor->getNumArgs() == 2) {
        const CXXRecordDecl* tag = ctor->getArg(1)->getType()->getAsCXXRecordDecl();
        std::string t = tag ? tag->getQualifiedNameAsString() : "";
        if (t == "std::defer_lock_t") {
          why = "'" + v->getNameAsString() + "' was constructed with std::defer_lock";
          return State::kNotHeld;
        }
        if (t == "std::adopt_lock_t") return State::kHeld;
        return State::kUnknown;
      }
      return State::kHeld;
    }
    // A guard over the lock (`std::unique_lock lk(cond)`): held from here on.
    if ((guard == vocab::Guard::kLockGuard || guard == vocab::Guard::kUniqueLock ||
         guard == vocab::Guard::kScopedLock) &&
        ctor && ctor->getNumArgs() >= 1 && objectDecl(ctor->getArg(0)) == l)
      return State::kHeld;
    return State::kUnknown;
  }
  const auto* e = dyn_cast<Expr>(s);
  const auto* call = e ? dyn_cast<CallExpr>(e->IgnoreImplicit()) : nullptr;
  if (!call || !call->getDirectCallee()) return State::kUnknown;
  const ValueDecl* target = nullptr;
  if (const auto* mc = dyn_cast<CXXMemberCallExpr>(call))
    target = objectDecl(mc->getImplicitObjectArgument());
  else if (call->getNumArgs() >= 1)
    target = objectDecl(call->getArg(0));
  if (target != l) return State::kUnknown;
  if (vocab::takesLock(call->getDirectCallee())) return State::kHeld;
  if (vocab::releasesLock(call->getDirectCallee())) {
    why = "'" + sourceText(ctx, call->getSourceRange()) + "' released it here";
    return State::kNotHeld;
  }
  return State::kUnknown;
}

struct Scan {
  State state = State::kUnknown;
  bool reachedTop = false;  // no statement before the call mentions the lock
  const FunctionDecl* function = nullptr;
  const LambdaExpr* lambda = nullptr;  // instead of `function`: the lambda whose body holds it
  const Stmt* at = nullptr;
  std::string why;
};

// Walks back from `call` through the statements that run before it in straight-line order
// (earlier statements of each enclosing block) to the last one that mentions `l`.
// With `touches`, a statement that does not name the lock but calls something that may take or
// release it (touches(stmt) is true) also ends the walk, with the state unknown.
Scan scan(const Stmt* call, const ValueDecl* l, ASTContext& ctx,
          const std::function<bool(const Stmt*)>& touches = nullptr) {
  Scan r;
  ast::Enclosing e = ast::walkOut(ctx, call, [&](const Stmt* s, const Stmt* child) {
    if (const auto* block = dyn_cast<CompoundStmt>(s); block && child) {
      std::vector<const Stmt*> before;
      for (const Stmt* st : block->body()) {
        if (st == child) break;
        before.push_back(st);
      }
      for (auto it = before.rbegin(); it != before.rend(); ++it) {
        if (!mentions(*it, l)) {
          if (touches && touches(*it)) {
            r.state = State::kUnknown;
            r.at = *it;
            return false;
          }
          continue;
        }
        r.state = classify(*it, l, ctx, r.why);
        r.at = *it;
        return false;
      }
    } else if (child && !isa<CompoundStmt>(s) && !isa<ExprWithCleanups>(s) &&
               !isa<ImplicitCastExpr>(s)) {
      // The lock appears in an enclosing statement's other parts (a condition, an init), or
      // they call something that may take it.
      for (const Stmt* part : s->children())
        if (part && part != child && (mentions(part, l) || (touches && touches(part))))
          return false;
    }
    return true;
  });
  r.function = e.function;
  r.lambda = e.lambda;
  if (e.stopped) return r;
  r.reachedTop = true;
  return r;
}

// A function annotated as requiring a lock, or named like a helper called with the lock held.
bool lockedHelper(const FunctionDecl* f) {
  if (f->hasAttr<RequiresCapabilityAttr>()) return true;
  std::string name = f->getNameAsString();
  for (const char* suffix : {"Locked", "_locked", "_locked_", "LockHeld", "_lock_held"})
    if (name.size() >= std::strlen(suffix) &&
        name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
      return true;
  return false;
}

// Whether `a` is `b` or one of the objects inside it, or the reverse (`state` and `state.cond`).
bool overlaps(const locks::LockKey& a, const locks::LockKey& b) {
  if (a.root != b.root || a.name != b.name) return false;
  size_t n = std::min(a.path.size(), b.path.size());
  return std::equal(a.path.begin(), a.path.begin() + n, b.path.begin());
}

// Whether `fn` hands the lock `k` (or an object holding it) to a function it calls, which may
// take it there: then the lock model's sets, which follow this function only, say nothing.
bool handsOver(const locks::FunctionFacts& fn, const locks::LockKey& k) {
  for (const locks::Call& c : fn.calls) {
    if (c.binding.receiverKey && overlaps(*c.binding.receiverKey, k)) return true;
    for (const auto& a : c.binding.args)
      if (a && overlaps(*a, k)) return true;
  }
  return false;
}


// ---- pthread / C11: the mutex is named at the wait; what callers hold ----------------------

// How a TU's functions are reached: direct calls, thread starts, other uses.
struct FunctionUses {
  std::vector<const CallExpr*> calls;  // direct calls, in source order
  const Expr* threadStart = nullptr;   // the pthread_create/thrd_create/std::thread starting it
  bool otherUse = false;               // its address taken some other way: callers unknown
};

// The TU's call sites and thread starts per function, and which mutexes each pthread/C11
// condition variable is waited with.
class TuIndex : public RecursiveASTVisitor<TuIndex> {
 public:
  explicit TuIndex(ASTContext& ctx) {
    for (Decl* d : ctx.getTraversalScope()) TraverseDecl(d);
  }
  bool shouldVisitTemplateInstantiations() const { return true; }

  bool VisitCallExpr(CallExpr* call) {
    if (const auto* dre = dyn_cast<DeclRefExpr>(call->getCallee()->IgnoreParenImpCasts()))
      if (const auto* fd = dyn_cast<FunctionDecl>(dre->getDecl())) {
        calleeRefs_.insert(dre);
        uses[fd->getCanonicalDecl()].calls.push_back(call);
      }
    if (const auto* mc = dyn_cast<CXXMemberCallExpr>(call))
      if (const CXXMethodDecl* md = mc->getMethodDecl())
        uses[md->getCanonicalDecl()].calls.push_back(call);
    const FunctionDecl* callee = call->getDirectCallee();
    if (!callee || !callee->getIdentifier()) return true;
    llvm::StringRef n = callee->getName();
    unsigned entryArg = n == "pthread_create" ? 2 : n == "thrd_create" ? 1 : 99;
    if (entryArg < call->getNumArgs())
      if (const DeclRefExpr* dre = functionRef(call->getArg(entryArg))) threadRefs_[dre] = call;
    if ((n == "pthread_cond_wait" || n == "pthread_cond_timedwait" ||
         n == "pthread_cond_clockwait" || n == "cnd_wait" || n == "cnd_timedwait") &&
        call->getNumArgs() >= 2) {
      const ValueDecl* cv = objectDecl(call->getArg(0));
      const ValueDecl* mu = objectDecl(call->getArg(1));
      if (cv && mu) mutexOf[cv].insert(mu);
    }
    return true;
  }
  bool VisitCXXMemberCallExpr(CXXMemberCallExpr* mc) {
    // std::condition_variable(_any)::wait*(lk, ...) with `std::unique_lock lk(mu)` declared.
    const CXXMethodDecl* md = mc->getMethodDecl();
    const CXXRecordDecl* rd = md ? md->getParent() : nullptr;
    if (!rd || !rd->isInStdNamespace() || !rd->getIdentifier() ||
        (rd->getName() != "condition_variable" && rd->getName() != "condition_variable_any") ||
        !md->getIdentifier() || !md->getName().starts_with("wait") || mc->getNumArgs() < 1)
      return true;
    const ValueDecl* cv = objectDecl(mc->getImplicitObjectArgument());
    const auto* lk = dyn_cast_or_null<VarDecl>(objectDecl(mc->getArg(0)));
    if (!cv || !lk || !lk->getInit()) return true;
    if (const auto* ctor = dyn_cast<CXXConstructExpr>(lk->getInit()->IgnoreImplicit());
        ctor && ctor->getNumArgs() >= 1)
      if (const ValueDecl* mu = objectDecl(ctor->getArg(0))) mutexOf[cv].insert(mu);
    return true;
  }
  bool VisitFunctionDecl(FunctionDecl* fd) {
    if (fd->isMain() && fd->doesThisDeclarationHaveABody()) hasMain = true;
    return true;
  }
  bool VisitCXXConstructExpr(CXXConstructExpr* ce) {
    const CXXRecordDecl* rd = ce->getType()->getAsCXXRecordDecl();
    if (rd && rd->isInStdNamespace() && rd->getIdentifier() &&
        (rd->getName() == "thread" || rd->getName() == "jthread") && ce->getNumArgs() >= 1) {
      if (const DeclRefExpr* dre = functionRef(ce->getArg(0))) threadRefs_[dre] = ce;
      if (const auto* le = dyn_cast<LambdaExpr>(ce->getArg(0)->IgnoreImplicit()->IgnoreParens()))
        threadLambdas[le->getCallOperator()->getCanonicalDecl()] = le;
    }
    return true;
  }
  bool VisitDeclRefExpr(DeclRefExpr* dre) {
    const auto* fd = dyn_cast<FunctionDecl>(dre->getDecl());
    if (!fd || calleeRefs_.count(dre)) return true;
    FunctionUses& u = uses[fd->getCanonicalDecl()];
    if (auto it = threadRefs_.find(dre); it != threadRefs_.end()) {
      if (!u.threadStart) u.threadStart = it->second;
    } else {
      u.otherUse = true;
    }
    return true;
  }

  std::map<const FunctionDecl*, FunctionUses> uses;
  std::map<const ValueDecl*, std::set<const ValueDecl*>> mutexOf;
  bool hasMain = false;  // a program's main file: its functions are rarely called from others
  // Lambdas passed straight to a std::thread / std::jthread constructor, by call operator.
  std::map<const FunctionDecl*, const LambdaExpr*> threadLambdas;

 private:
  static const DeclRefExpr* functionRef(const Expr* e) {
    e = e->IgnoreParenCasts();
    if (const auto* u = dyn_cast<UnaryOperator>(e); u && u->getOpcode() == UO_AddrOf)
      e = u->getSubExpr()->IgnoreParenCasts();
    const auto* dre = dyn_cast<DeclRefExpr>(e);
    return dre && isa<FunctionDecl>(dre->getDecl()) ? dre : nullptr;
  }
  std::set<const DeclRefExpr*> calleeRefs_;
  std::map<const DeclRefExpr*, const Expr*> threadRefs_;
};

// One TuIndex per TU and thread (both checks use it), rebuilt when the TU changes.
const TuIndex& tuIndex(ASTContext& ctx) {
  struct Cache {
    const ASTContext* ctx = nullptr;
    const TranslationUnitDecl* tu = nullptr;
    std::unique_ptr<TuIndex> index;
  };
  thread_local Cache cache;
  if (cache.ctx != &ctx || cache.tu != ctx.getTranslationUnitDecl() || !cache.index) {
    cache.index = std::make_unique<TuIndex>(ctx);
    cache.ctx = &ctx;
    cache.tu = ctx.getTranslationUnitDecl();
  }
  return *cache.index;
}

// 'name' (appended piecewise: GCC 12's -Wrestrict misfires on "'" + std::string at -O3).
std::string quoted(const std::string& name) {
  std::string out(1, '\'');
  out += name;
  out += '\'';
  return out;
}

bool lockedHelperName(const FunctionDecl* f) {
  std::string name = f->getNameAsString();
  for (const char* suffix : {"Locked", "_locked", "_locked_", "LockHeld", "_lock_held"})
    if (name.size() >= std::strlen(suffix) &&
        name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
      return true;
  return false;
}

// What holds for a lock on every path reaching a point, as far as the TU shows.
enum class Path {
  kReleased,    // not held: released on some path (and never held on the others)
  kNeverTaken,  // not held: no path took it since its thread started
  kUnknown,     // held on some path, or not evident
};

struct PathNote {
  SourceLocation at;
  std::string text;
  bool step;
};

struct Verdict {
  Path path = Path::kUnknown;
  std::vector<PathNote> notes;  // one path, outermost first
};

// Follows a lock (a global or a field) back from a point through the function's earlier
// statements, then through every caller in the TU, to where each path started: a thread start,
// main(), or an unlock. Functions with external linkage called from nowhere in the TU, address-
// taken functions, recursion, lambdas, and calls that may take the lock end in kUnknown.
class PathResolver {
 public:
  PathResolver(ASTContext& ctx, const TuIndex& index, const ValueDecl* lock)
      : ctx_(ctx), index_(index), lock_(lock) {}

  Verdict at(const Stmt* point, int depth = 0) {
    Scan s = scan(point, lock_, ctx_, [this](const Stmt* st) { return touches(st); });
    if (s.state == State::kNotHeld)
      return {Path::kReleased, {{s.at->getBeginLoc(), s.why, false}}};
    if (s.state != State::kUnknown || !s.reachedTop) return {};
    const FunctionDecl* fn = s.function;
    if (!fn && s.lambda) fn = s.lambda->getCallOperator();
    if (!fn) return {};
    if (const auto* md = dyn_cast<CXXMethodDecl>(fn); md && md->getParent()->isLambda()) {
      // A lambda started as a thread holds nothing; other lambdas run wherever they are called.
      auto it = index_.threadLambdas.find(md->getCanonicalDecl());
      if (it == index_.threadLambdas.end()) return {};
      return {Path::kNeverTaken,
              {{it->second->getBeginLoc(), "this lambda starts here as a new thread, holding no lock",
                true}}};
    }
    // A caller whose constant arguments rule out the way to `point` is not a path to it.
    return entry(fn, depth, ast::paramTestsAt(ctx_, fn, point));
  }

 private:
  Verdict entry(const FunctionDecl* f, int depth, const std::vector<ast::ParamTest>& tests) {
    f = f->getCanonicalDecl();
    const auto* v = dyn_cast<VarDecl>(lock_);
    bool named = isa<FieldDecl>(lock_) || (v && v->hasGlobalStorage());
    if (!named || depth > 8 || visiting_.count(f) || f->hasAttr<RequiresCapabilityAttr>() ||
        lockedHelperName(f))
      return {};
    std::string fname = quoted(f->getNameAsString());
    if (f->isMain())
      return {Path::kNeverTaken, {{f->getLocation(), fname + " starts holding no lock", false}}};
    auto it = index_.uses.find(f);
    if (it == index_.uses.end() || it->second.otherUse) return {};
    const FunctionUses& u = it->second;
    // A function other files may call (external linkage) is followed only in a program's main
    // file (the TU defines main()).
    if (!u.threadStart && (u.calls.empty() || (f->isExternallyVisible() && !index_.hasMain)))
      return {};
    visiting_.insert(f);
    Verdict out{Path::kNeverTaken, {}};
    if (u.threadStart)
      out.notes.push_back({u.threadStart->getBeginLoc(),
                           fname + " starts here as a new thread, holding no lock", true});
    bool any = u.threadStart != nullptr;
    for (const CallExpr* call : u.calls) {
      if (!locks::feasible(tests, ast::constantArgs(ctx_, call))) continue;
      any = true;
      Verdict c = at(call, depth + 1);
      if (c.path == Path::kUnknown) {
        out = {};
        break;
      }
      if (c.path == Path::kReleased) out.path = Path::kReleased;
      if (out.notes.empty()) {
        out.notes = std::move(c.notes);
        const FunctionDecl* caller = enclosingFunction(call);
        out.notes.push_back({call->getBeginLoc(),
                             (caller ? quoted(caller->getNameAsString()) : std::string("it")) +
                                 " calls " + fname + " here without holding " +
                                 quoted(lock_->getNameAsString()),
                             true});
      }
    }
    visiting_.erase(f);
    if (!any) return {};  // no path reaches it
    return out;
  }

  const FunctionDecl* enclosingFunction(const Stmt* s) {
    return ast::walkOut(ctx_, s, [](const Stmt*, const Stmt*) { return true; }).function;
  }

  // Does `s` call something that may take or release the lock: a function whose body names it
  // or calls such a function, a function without a body outside system headers, an indirect
  // call? (System-header functions are taken not to: pthread_mutex_lock(&m) names m itself.)
  bool touches(const Stmt* s) {
    if (!s) return false;
    const FunctionDecl* callee = nullptr;
    bool isCall = false;
    if (const auto* call = dyn_cast<CallExpr>(s)) {
      isCall = true;
      callee = call->getDirectCallee();
      if (!callee && !call->getCalleeDecl()) return true;  // through a pointer
    } else if (const auto* ce = dyn_cast<CXXConstructExpr>(s)) {
      isCall = true;
      callee = ce->getConstructor();
    }
    if (isCall && callee && mayTouch(callee)) return true;
    if (isa<LambdaExpr>(s)) return false;  // its body runs where it is called
    for (const Stmt* c : s->children())
      if (touches(c)) return true;
    return false;
  }

  bool mayTouch(const FunctionDecl* f) {
    if (f->getBuiltinID()) return false;
    const SourceManager& sm = ctx_.getSourceManager();
    if (sm.isInSystemHeader(sm.getExpansionLoc(f->getLocation()))) return false;
    const FunctionDecl* def = nullptr;
    if (!f->hasBody(def) || !def) return true;
    auto [it, fresh] = memo_.emplace(def, false);  // false while in progress (recursion)
    if (!fresh) return it->second;
    bool r = mentions(def->getBody(), lock_) || touches(def->getBody());
    memo_[def] = r;
    return r;
  }

  ASTContext& ctx_;
  const TuIndex& index_;
  const ValueDecl* lock_;
  std::set<const FunctionDecl*> visiting_;
  std::map<const FunctionDecl*, bool> memo_;
};

// A std::unique_lock reference parameter waited on (`void wait_ready(std::unique_lock<std::mutex>&
// lk) { while (!ready) cv.wait(lk); }`): the state of the guard is the caller's. The first direct
// call in the TU whose argument is evidently unlocked there (`lk.unlock(); ...; wait_ready(lk);`,
// or a guard made with std::defer_lock), with that caller's scan.
struct UnlockedCaller {
  const CallExpr* call = nullptr;
  const Expr* arg = nullptr;  // the guard passed there
  Scan scan;
};
UnlockedCaller unlockedCaller(ASTContext& ctx, const Scan& s, const ValueDecl* lock,
                              const Stmt* point) {
  const auto* param = dyn_cast<ParmVarDecl>(lock);
  if (!param || !s.function || !s.reachedTop || !param->getType()->isReferenceType()) return {};
  if (vocab::guardKind(param->getType().getNonReferenceType()) != vocab::Guard::kUniqueLock)
    return {};
  unsigned index = param->getFunctionScopeIndex();
  const TuIndex& tu = tuIndex(ctx);
  auto it = tu.uses.find(s.function->getCanonicalDecl());
  if (it == tu.uses.end()) return {};
  std::vector<ast::ParamTest> tests = ast::paramTestsAt(ctx, s.function, point);
  for (const CallExpr* call : it->second.calls) {
    if (isa<CXXMemberCallExpr>(call) || index >= call->getNumArgs()) continue;
    if (!locks::feasible(tests, ast::constantArgs(ctx, call))) continue;
    const ValueDecl* arg = objectDecl(call->getArg(index));
    if (!arg) continue;
    Scan at = scan(call, arg, ctx);
    if (at.state == State::kNotHeld) return {call, call->getArg(index), at};
  }
  return {};
}

// How a wait or notify of a weft::Condition is without the Condition, on the lock model's facts
// (LockModel.h, which follows the Condition as its own lock): `report` when it is held on no
// path to the call and either this function released it on every path since it was last taken
// (`released`), or the function (`function`) takes no lock at all, is no helper for callers
// holding it, hands it to no callee that may take it, and no caller in the TU holds it there.
struct ModelVerdict {
  bool report = false;
  const locks::Release* released = nullptr;
  const FunctionDecl* function = nullptr;
};
// The note of a finding from the model: where this function released the lock, or that it never
// takes it, with `takeIt`, the fix.
void noteVerdict(DiagBuilder&& d, const CallExpr* call, const ModelVerdict& v,
                 const std::string& takeIt) {
  if (v.released)
    d.note(lockcheck::point(v.released->site), "'" + v.released->text + "' released it here");
  else
    d.note(call->getBeginLoc(),
           "nothing in '" + v.function->getNameAsString() + "' acquires it; " + takeIt);
}
ModelVerdict weftConditionVerdict(ASTContext& ctx, const CallExpr* call) {
  const locks::FunctionFacts* fn = nullptr;
  const locks::CondOp* op = locks::condOpAt(ctx, call, &fn);
  if (!op || !op->cond) return {};
  const locks::LockKey& key = *op->cond;
  if (std::find(op->mayHold.begin(), op->mayHold.end(), key) != op->mayHold.end()) return {};
  if (op->released) return {true, &*op->released, nullptr};
  const FunctionDecl* f =
      ast::walkOut(ctx, call, [](const Stmt*, const Stmt*) { return true; }).function;
  if (!f || !f->hasBody() || anyLocking(f->getBody()) || lockedHelper(f) || handsOver(*fn, key) ||
      locks::someCallerHolds(locks::tuFacts(ctx), *fn, key, op->requires_))
    return {};
  return {true, nullptr, f};
}

}  // namespace

void WaitWithoutLockCheck::registerMatchers(MatchFinder* finder) {
  auto StdWait = cxxMemberCallExpr(
      callee(cxxMethodDecl(hasAnyName("wait", "wait_for", "wait_until"),
                           ofClass(cxxRecordDecl(hasAnyName("::std::condition_variable",
                                                            "::std::condition_variable_any"))))));
  finder->addMatcher(StdWait.bind("std"), this);
  finder->addMatcher(
      callExpr(callee(functionDecl(hasAnyName("::pthread_cond_wait", "::pthread_cond_timedwait",
                                              "::pthread_cond_clockwait", "::cnd_wait",
                                              "::cnd_timedwait"))))
          .bind("c"),
      this);
  finder->addMatcher(cxxMemberCallExpr(callee(cxxMethodDecl(hasAnyName("wait", "wait_for"),
                                                            ofClass(names::weftConditionClass()))))
                         .bind("weft"),
                     this);
}

void WaitWithoutLockCheck::check(const MatchFinder::MatchResult& result) {
  ASTContext& ctx = *result.Context;
  const CallExpr* call = nullptr;
  const ValueDecl* lock = nullptr;
  bool weft = false;
  if (const auto* c = result.Nodes.getNodeAs<CXXMemberCallExpr>("std")) {
    call = c;
    if (c->getNumArgs() >= 1) lock = objectDecl(c->getArg(0));
  } else if (const auto* c2 = result.Nodes.getNodeAs<CallExpr>("c")) {
    call = c2;
    if (c2->getNumArgs() >= 2) lock = objectDecl(c2->getArg(1));
  } else if (const auto* c3 = result.Nodes.getNodeAs<CXXMemberCallExpr>("weft")) {
    call = c3;
    lock = objectDecl(c3->getImplicitObjectArgument());
    weft = true;
  }
  if (!call || !lock) return;
  std::string name = call->getDirectCallee()->getNameAsString();
  std::string lockName = lock->getNameAsString();
  if (result.Nodes.getNodeAs<CallExpr>("c")) {
    // pthread/C11: the mutex is named at the wait; follow it back through the callers.
    Verdict v = PathResolver(ctx, tuIndex(ctx), lock).at(call);
    if (v.path == Path::kUnknown) return;
    DiagBuilder d = diag(call->getBeginLoc(),
                         "'" + name + "' is called without holding the lock '" + lockName + "'");
    for (const PathNote& n : v.notes) d.note(n.at, n.text, n.step);
    return;
  }
  if (weft) {
    // weft::Condition: an adapter over the lock model.
    ModelVerdict v = weftConditionVerdict(ctx, call);
    if (!v.report) return;
    noteVerdict(diag(call->getBeginLoc(),
                     "'" + name + "' is called without holding the lock '" + lockName + "'"),
                call, v,
                "hold it around the check and the wait: 'std::unique_lock lk(" + lockName + ");'");
    return;
  }
  Scan s = scan(call, lock, ctx);
  UnlockedCaller u;
  if (s.state == State::kNotHeld) {
    diag(call->getBeginLoc(), "'" + name + "' is called without holding the lock '" + lockName + "'")
        .note(s.at->getBeginLoc(), s.why);
  } else if (s.state == State::kUnknown && (u = unlockedCaller(ctx, s, lock, call)).call) {
    std::string fn = s.function->getNameAsString();
    diag(call->getBeginLoc(), "'" + name + "' is called without holding the lock '" + lockName +
                                  "': '" + fn + "' is called with it unlocked")
        .note(u.call->getBeginLoc(), "'" + fn + "' is called here with '" +
                                         sourceText(ctx, u.arg->getSourceRange()) +
                                         "' not holding its mutex")
        .note(u.scan.at->getBeginLoc(), u.scan.why);
  }
}

void NotifyWithoutLockCheck::registerMatchers(MatchFinder* finder) {
  finder->addMatcher(cxxMemberCallExpr(callee(cxxMethodDecl(hasAnyName("notify", "notify_all"),
                                                            ofClass(names::weftConditionClass()))))
                         .bind("notify"),
                     this);
  finder->addMatcher(
      callExpr(callee(functionDecl(hasAnyName("::pthread_cond_signal", "::pthread_cond_broadcast",
                                              "::cnd_signal", "::cnd_broadcast"))))
          .bind("c"),
      this);
  finder->addMatcher(
      cxxMemberCallExpr(
          callee(cxxMethodDecl(hasAnyName("notify_one", "notify_all"),
                               ofClass(cxxRecordDecl(hasAnyName("::std::condition_variable",
                                                                "::std::condition_variable_any"))))))
          .bind("std"),
      this);
}

// pthread_cond_signal/broadcast (C11's cnd_*, std::condition_variable's notify_one/all) may be
// called without the mutex, provided the state was changed under it. Reported only when no path
// to the call took the mutex the condition is waited with in this TU (one mutex only) since its
// thread started: the state cannot have been changed under it.
void NotifyWithoutLockCheck::checkC(const CallExpr* call, ASTContext& ctx) {
  const ValueDecl* cv = nullptr;
  if (const auto* mc = dyn_cast<CXXMemberCallExpr>(call))
    cv = objectDecl(mc->getImplicitObjectArgument());
  else if (call->getNumArgs() >= 1)
    cv = objectDecl(call->getArg(0));
  if (!cv) return;
  const TuIndex& index = tuIndex(ctx);
  auto it = index.mutexOf.find(cv);
  if (it == index.mutexOf.end() || it->second.size() != 1) return;
  const ValueDecl* mu = *it->second.begin();
  Verdict v = PathResolver(ctx, index, mu).at(call);
  if (v.path != Path::kNeverTaken) return;
  std::string name = call->getDirectCallee()->getNameAsString();
  DiagBuilder d = diag(call->getBeginLoc(), "'" + name + "' on '" + cv->getNameAsString() +
                                                "' is called without ever holding its mutex '" +
                                                mu->getNameAsString() + "'");
  for (const PathNote& n : v.notes) d.note(n.at, n.text, n.step);
  d.note(call->getBeginLoc(), "a waiter between its check of the state and its wait misses this "
                              "wake-up; change the state and wake it while holding '" +
                                  mu->getNameAsString() + "'");
}

void NotifyWithoutLockCheck::check(const MatchFinder::MatchResult& result) {
  ASTContext& ctx = *result.Context;
  if (const auto* c = result.Nodes.getNodeAs<CallExpr>("c")) return checkC(c, ctx);
  if (const auto* c = result.Nodes.getNodeAs<CXXMemberCallExpr>("std")) return checkC(c, ctx);
  // weft::Condition: an adapter over the lock model (LockModel.h), which follows the Condition
  // as its own lock and records, at the notify, whether it is held on every path, on some, or
  // released on every path by this function.
  const auto* call = result.Nodes.getNodeAs<CXXMemberCallExpr>("notify");
  const ValueDecl* lock = call ? objectDecl(call->getImplicitObjectArgument()) : nullptr;
  if (!lock) return;
  ModelVerdict v = weftConditionVerdict(ctx, call);
  if (!v.report) return;
  std::string name = call->getMethodDecl()->getNameAsString();
  std::string lockName = lock->getNameAsString();
  noteVerdict(diag(call->getBeginLoc(),
                   "'" + name + "' is called without holding the lock of '" + lockName + "'"),
              call, v, "change the state and notify under 'std::lock_guard g(" + lockName + ");'");
}

}  // namespace weft::analyzer
