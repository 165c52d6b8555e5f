// Extraction of lock facts from a Clang AST: a must-hold dataflow over each function's CFG.
// See LockModel.h for what is understood, LockSummary.h for the facts' shape.
#include "LockModel.h"

#include "AstHelpers.h"
#include "LockVocabulary.h"
#include "ParamTests.h"

#include <clang/AST/ASTContext.h>
#include <clang/AST/Attr.h>
#include <clang/AST/DeclCXX.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/RecursiveASTVisitor.h>
#include <clang/Basic/Builtins.h>
#include <clang/Analysis/CFG.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Index/USRGeneration.h>
#include <clang/Lex/Lexer.h>
#include <llvm/ADT/SmallString.h>
#include <llvm/Support/Path.h>

#include <deque>
#include <optional>

namespace weft::analyzer::locks {
namespace {

using namespace clang;

// ---- What is a lock, a guard, an acquisition ---------------------------------------------------

// The lock vocabulary (LockVocabulary.h) as this must-hold pass models it: std, pthread, C11,
// weft and annotated mutexes, spin locks, and std::shared_mutex / pthread rwlocks in both modes
// (std::shared_lock, lock_shared(), pthread_rwlock_rdlock take them for reading: HeldLock::shared).
using vocab::LockType;

// What this pass follows as a lock: the lock vocabulary's types, and a weft::Condition (its own
// lock) for the condition facts only: holding one is never an Acquisition fact.
std::optional<LockType> modelLockType(QualType t) {
  if (auto lt = vocab::lockType(t)) return lt;
  return vocab::conditionLockType(t);
}
bool conditionLock(const HeldLock& l) { return l.type == "weft::Condition"; }

using GuardKind = vocab::Guard;

bool isTag(const Expr* e, llvm::StringRef tag) {
  const CXXRecordDecl* rd = vocab::recordOf(e->getType());
  return rd && rd->isInStdNamespace() && rd->getIdentifier() && rd->getName() == tag;
}

// An absolute, normalised path and the line/column of the file location of `loc` (macro
// arguments: where spelled; other macro tokens: where expanded), as the lint driver reports them.
Site siteOf(const SourceManager& sm, SourceLocation loc) {
  if (loc.isInvalid()) return {};
  SourceLocation fileLoc = sm.getFileLoc(loc);
  auto entry = sm.getFileEntryRefForID(sm.getFileID(fileLoc));
  if (!entry) return {};
  llvm::SmallString<256> path(entry->getName());
  sm.getFileManager().makeAbsolutePath(path);
  llvm::sys::path::remove_dots(path, /*remove_dot_dot=*/true);
  return {std::string(path.str()), sm.getSpellingLineNumber(fileLoc),
          sm.getSpellingColumnNumber(fileLoc)};
}

// ---- Per-function dataflow ---------------------------------------------------------------------

struct Guard {
  std::vector<HeldLock> locks;
  bool owns = false;
  bool unknown = false;  // owns on some paths only
  // A std::unique_lock constructed without a mutex and not touched since, on every path: where
  // (for the condition facts: a wait on it waits without any lock).
  std::optional<Site> noMutex;
};

struct State {
  bool reachable = false;
  std::map<LockKey, HeldLock> held;
  std::map<const VarDecl*, Guard> guards;
  std::set<LockKey> releasedOuter;
  std::set<LockKey> mayHold;  // held on at least one path here (a superset of `held`'s keys)
  // Released by this function on every path here, and not taken again since: where, and the
  // calls made since on some path.
  std::map<LockKey, Release> released;
  // The calls made on some path to here (indexes into FunctionFacts::callees, sorted).
  std::vector<unsigned> callsBefore;
  std::set<LockKey> taken;  // taken or tried on some path to here

  bool operator==(const State& o) const {
    if (reachable != o.reachable || releasedOuter != o.releasedOuter || mayHold != o.mayHold ||
        released != o.released || callsBefore != o.callsBefore || taken != o.taken)
      return false;
    if (held.size() != o.held.size() || guards.size() != o.guards.size()) return false;
    for (auto a = held.begin(), b = o.held.begin(); a != held.end(); ++a, ++b)
      if (a->first != b->first) return false;
    for (auto a = guards.begin(), b = o.guards.begin(); a != guards.end(); ++a, ++b)
      if (a->first != b->first || a->second.owns != b->second.owns ||
          a->second.unknown != b->second.unknown || a->second.noMutex != b->second.noMutex)
        return false;
    return true;
  }
};

// `into` united with `from` (both sorted).
void unite(std::vector<unsigned>& into, const std::vector<unsigned>& from) {
  if (from.empty() || into == from) return;
  std::vector<unsigned> out;
  out.reserve(into.size() + from.size());
  std::set_union(into.begin(), into.end(), from.begin(), from.end(), std::back_inserter(out));
  into = std::move(out);
}
void addSorted(std::vector<unsigned>& v, unsigned i) {
  auto it = std::lower_bound(v.begin(), v.end(), i);
  if (it == v.end() || *it != i) v.insert(it, i);
}
bool sameRelease(const Release& a, const Release& b) {
  return a.site == b.site && a.text == b.text && a.kind == b.kind;
}

// Must-hold join: a lock is held after a join only if it is held on every incoming path; it
// may be held if it is held on any.
void joinInto(State& into, const State& from) {
  if (!from.reachable) return;
  if (!into.reachable) {
    into = from;
    return;
  }
  for (auto it = into.held.begin(); it != into.held.end();) {
    auto other = from.held.find(it->first);
    if (other == from.held.end()) {
      it = into.held.erase(it);
    } else {
      // Read-held on one path: say read-held (a nested read is then not reported).
      bool shared = it->second.shared || other->second.shared;
      if (other->second.site < it->second.site) it->second = other->second;
      it->second.shared = shared;
      ++it;
    }
  }
  for (const auto& [vd, g] : from.guards) {
    auto [it, fresh] = into.guards.emplace(vd, g);
    if (!fresh && (it->second.owns != g.owns || g.unknown)) {
      it->second.unknown = true;
      it->second.owns = false;
    }
    if (!fresh && it->second.noMutex != g.noMutex) it->second.noMutex.reset();
  }
  into.releasedOuter.insert(from.releasedOuter.begin(), from.releasedOuter.end());
  into.mayHold.insert(from.mayHold.begin(), from.mayHold.end());
  // Released on every path: by the same release on each (with the calls since on either).
  for (auto it = into.released.begin(); it != into.released.end();) {
    auto other = from.released.find(it->first);
    if (other == from.released.end() || !sameRelease(other->second, it->second)) {
      it = into.released.erase(it);
    } else {
      unite(it->second.callsSince, other->second.callsSince);
      ++it;
    }
  }
  unite(into.callsBefore, from.callsBefore);
  into.taken.insert(from.taken.begin(), from.taken.end());
}

// A stable id (USR) of a declaration; empty when it has none.
std::string usrOf(const Decl* d) {
  llvm::SmallString<128> buf;
  if (index::generateUSRForDecl(d->getCanonicalDecl(), buf)) return {};
  return std::string(buf.str());
}

// Whether `s` (lambda bodies in it included) takes or tries a lock by the vocabulary's names: a
// guard declaration (shared guards aside) or a call named like an acquisition or a try, whatever
// the object and whether or not the lock is one the pass can name (FunctionFacts::locksAnything).
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

class FunctionAnalysis {
 public:
  FunctionAnalysis(ASTContext& ctx, const FunctionDecl* fd, Facts& facts, int& groupCounter)
      : ctx_(ctx), sm_(ctx.getSourceManager()), fd_(fd), facts_(facts), group_(groupCounter) {}

  void run() {
    const Stmt* body = fd_->getBody();
    if (!body) return;
    CFG::BuildOptions opts;
    opts.AddImplicitDtors = true;
    opts.AddTemporaryDtors = true;
    std::unique_ptr<CFG> cfg = CFG::buildCFG(fd_, const_cast<Stmt*>(body), &ctx_, opts);
    if (!cfg) return;
    collectVarInits(body);

    FunctionFacts ff;
    ff.id = usr(fd_);
    if (ff.id.empty()) return;
    const auto* md = dyn_cast<CXXMethodDecl>(fd_);
    ff.isLambda = md && md->getParent()->isLambda();
    ff.name = displayName(fd_);
    ff.site = site(fd_->getLocation());
    ff.isMain = fd_->isMain();
    ff.external = fd_->isExternallyVisible();
    ff.requiresLock = fd_->hasAttr<RequiresCapabilityAttr>();
    factsFn_ = &ff;

    // Fixpoint over blocks in reverse post-order.
    std::vector<State> in(cfg->getNumBlockIDs());
    in[cfg->getEntry().getBlockID()].reachable = true;
    std::deque<const CFGBlock*> work{&cfg->getEntry()};
    std::vector<bool> queued(cfg->getNumBlockIDs(), false);
    size_t budget = 40 * cfg->getNumBlockIDs() + 100;
    while (!work.empty() && budget-- > 0) {
      const CFGBlock* b = work.front();
      work.pop_front();
      queued[b->getBlockID()] = false;
      State s = in[b->getBlockID()];
      transfer(*b, s, /*record=*/false);
      for (const auto& succ : b->succs()) {
        const CFGBlock* nb = succ.getReachableBlock();
        if (!nb) continue;
        State joined = in[nb->getBlockID()];
        joinInto(joined, s);
        if (!(joined == in[nb->getBlockID()])) {
          in[nb->getBlockID()] = std::move(joined);
          if (!queued[nb->getBlockID()]) {
            queued[nb->getBlockID()] = true;
            work.push_back(nb);
          }
        }
      }
    }
    for (const CFGBlock* b : *cfg) {
      State s = in[b->getBlockID()];
      if (s.reachable) transfer(*b, s, /*record=*/true);
    }
    // Released without being acquired anywhere in this function, and not re-acquired before
    // returning: a hand-off. (A function that locks the lock itself and releases it once more
    // than it acquired, `lock m; lock m; unlock m; unlock m`, is no hand-off: the must-hold
    // join loses the lock at the inner unlock, so the outer unlock looks like a foreign one.)
    const State& atExit = in[cfg->getExit().getBlockID()];
    std::set<LockKey> acquiredHere;
    for (const Acquisition& a : ff.acquisitions) acquiredHere.insert(a.lock.key);
    if (atExit.reachable)
      for (const LockKey& k : atExit.releasedOuter)
        if (!atExit.held.count(k) && k.root != LockKey::Root::kParam && !acquiredHere.count(k))
          facts_.handoff.insert(k);
    // Asked only about functions with condition ops (the weft::Condition verdict).
    if (!ff.condOps.empty()) ff.locksAnything = anyLocking(body);
    if (!ff.acquisitions.empty() || !ff.calls.empty() || !ff.condOps.empty() ||
        !ff.callees.empty() || !ff.touches.empty())
      facts_.functions.emplace(ff.id, std::move(ff));
  }

  // ---- Lock identity ----

  std::optional<LockKey> keyOf(const Expr* e, int depth = 0) const {
    if (!e || depth > 8) return std::nullopt;
    e = e->IgnoreParenImpCasts();
    if (const auto* uo = dyn_cast<UnaryOperator>(e)) {
      if (uo->getOpcode() == UO_AddrOf || uo->getOpcode() == UO_Deref)
        return keyOf(uo->getSubExpr(), depth + 1);
      return std::nullopt;
    }
    if (const auto* dre = dyn_cast<DeclRefExpr>(e)) {
      const auto* vd = dyn_cast<VarDecl>(dre->getDecl());
      if (!vd) return std::nullopt;
      if (const auto* pvd = dyn_cast<ParmVarDecl>(vd)) {
        if (pvd->getDeclContext() == fd_)
          return LockKey{LockKey::Root::kParam, std::to_string(pvd->getFunctionScopeIndex()), {}};
        return LockKey{LockKey::Root::kLocal, localName(vd), {}};
      }
      if (vd->hasGlobalStorage())
        return LockKey{LockKey::Root::kGlobal, vd->getQualifiedNameAsString(), {}};
      if (vd->getType()->isReferenceType()) {
        // `auto& mu = obj.mu_;`: the lock is whatever the reference was bound to.
        if (vd->getInit()) return keyOf(vd->getInit(), depth + 1);
        return std::nullopt;
      }
      return LockKey{LockKey::Root::kLocal, localName(vd), {}};
    }
    if (const auto* me = dyn_cast<MemberExpr>(e)) {
      const ValueDecl* member = me->getMemberDecl();
      if (const auto* vd = dyn_cast<VarDecl>(member))  // static data member
        return LockKey{LockKey::Root::kGlobal, vd->getQualifiedNameAsString(), {}};
      const auto* field = dyn_cast<FieldDecl>(member);
      if (!field) return std::nullopt;
      const Expr* base = me->getBase()->IgnoreParenImpCasts();
      if (isa<CXXThisExpr>(base))
        return LockKey{LockKey::Root::kThis,
                       field->getParent()->getQualifiedNameAsString(),
                       {field->getNameAsString()}};
      auto k = keyOf(base, depth + 1);
      if (!k) return std::nullopt;
      k->path.push_back(field->getNameAsString());
      return k;
    }
    return std::nullopt;
  }

  std::string localName(const VarDecl* vd) const {
    Site s = site(vd->getLocation());
    return s.file + ":" + std::to_string(s.line) + ":" + std::to_string(s.column) + ":" +
           vd->getNameAsString();
  }

 private:
  // ---- Helpers ----

  Site site(SourceLocation loc) const { return siteOf(sm_, loc); }

  std::string text(const Expr* e) const {
    CharSourceRange r = CharSourceRange::getTokenRange(e->getSourceRange());
    r = Lexer::makeFileCharRange(r, sm_, ctx_.getLangOpts());
    if (r.isInvalid()) return "lock";
    std::string s = Lexer::getSourceText(r, sm_, ctx_.getLangOpts()).str();
    if (!s.empty() && s[0] == '&') s.erase(0, 1);
    return s.empty() ? "lock" : s;
  }

  static std::string usr(const Decl* d) { return usrOf(d); }

  // The index of `callee` (null: a call through a pointer) in FunctionFacts::callees.
  unsigned calleeIndex(const FunctionDecl* callee) {
    if (callee) callee = callee->getCanonicalDecl();
    auto [it, fresh] = calleeIndex_.emplace(callee, 0);
    if (fresh) {
      it->second = static_cast<unsigned>(factsFn_->callees.size());
      Callee c;
      if (callee) c.id = usr(callee);
      // Builtins and compiler-provided members (a defaulted or trivial constructor) take no
      // lock of the program's; other functions without a body here may.
      c.opaque = !callee || c.id.empty() ||
                 (!callee->hasBody() && !callee->getBuiltinID() && !callee->isDefaulted() &&
                  !callee->isTrivial() && !callee->isImplicit());
      factsFn_->callees.push_back(std::move(c));
    }
    return it->second;
  }

  // A call on this path: it may have taken a lock released before.
  static void noteCall(State& s, unsigned callee) {
    addSorted(s.callsBefore, callee);
    for (auto& [k, r] : s.released) addSorted(r.callsSince, callee);
  }

  // A lock tried (try_lock, a timed acquisition): held on some paths from here.
  void maybe(State& s, const LockKey& k, bool record) {
    s.taken.insert(k);
    s.mayHold.insert(k);
    s.released.erase(k);
    if (record) noteTouch(k);
  }
  void noteTouch(const LockKey& k) {
    if (std::find(factsFn_->touches.begin(), factsFn_->touches.end(), k) ==
        factsFn_->touches.end())
      factsFn_->touches.push_back(k);
  }

  PointState point(const State& s) const {
    PointState p;
    p.mayHold.assign(s.mayHold.begin(), s.mayHold.end());
    p.released = s.released;
    p.callsBefore = s.callsBefore;
    p.taken.assign(s.taken.begin(), s.taken.end());
    return p;
  }

  std::string displayName(const FunctionDecl* fd) const {
    if (const auto* md = dyn_cast<CXXMethodDecl>(fd); md && md->getParent()->isLambda()) {
      const auto* outer = dyn_cast<FunctionDecl>(md->getParent()->getDeclContext());
      return outer ? "lambda in " + displayName(outer) : std::string("lambda");
    }
    return fd->getQualifiedNameAsString();
  }

  void collectVarInits(const Stmt* s) {
    if (!s) return;
    // __builtin_constant_p(e) never evaluates e (Catch2's CHECK(l.acquire()) wraps its
    // expression in one before evaluating it for real), but the CFG still lists e's calls.
    if (const auto* call = dyn_cast<CallExpr>(s);
        call && call->getBuiltinCallee() == Builtin::BI__builtin_constant_p) {
      markUnevaluated(call);
      return;
    }
    if (const auto* ds = dyn_cast<DeclStmt>(s)) {
      for (const Decl* d : ds->decls())
        if (const auto* vd = dyn_cast<VarDecl>(d); vd && vd->getInit())
          if (const auto* ce = constructOf(vd->getInit())) varInits_.insert(ce);
    }
    for (const Stmt* c : s->children()) collectVarInits(c);
  }

  void markUnevaluated(const Stmt* s) {
    if (!s) return;
    unevaluated_.insert(s);
    for (const Stmt* c : s->children()) markUnevaluated(c);
  }

  static const CXXConstructExpr* constructOf(const Expr* e) {
    for (int i = 0; e && i < 8; ++i) {
      e = e->IgnoreImplicit();
      if (const auto* ce = dyn_cast<CXXConstructExpr>(e)) return ce;
      if (const auto* fc = dyn_cast<CXXFunctionalCastExpr>(e)) {
        e = fc->getSubExpr();
        continue;
      }
      if (const auto* ile = dyn_cast<InitListExpr>(e); ile && ile->getNumInits() == 1) {
        e = ile->getInit(0);
        continue;
      }
      return nullptr;
    }
    return nullptr;
  }

  std::optional<HeldLock> lockAt(const Expr* lockExpr, SourceLocation at) const {
    auto type = modelLockType(lockExpr->getType());
    if (!type) return std::nullopt;
    auto key = keyOf(lockExpr);
    if (!key) return std::nullopt;
    LockKind kind = type->kind;
    // A C mutex's kind is set by its initialisation, which a parameter hides: do not guess.
    if (key->root == LockKey::Root::kParam &&
        (type->name == "pthread_mutex_t" || type->name == "mtx_t"))
      kind = LockKind::kUnknown;
    HeldLock h{*key, kind, text(lockExpr->IgnoreParenImpCasts()), type->name, site(at), -1, {}};
    if (key->root == LockKey::Root::kThis && key->path.size() == 1)
      h.cls = key->name + "::" + key->path[0];
    return h;
  }

  std::vector<HeldLock> snapshot(const State& s) const {
    std::vector<HeldLock> v;
    for (const auto& [k, h] : s.held) v.push_back(h);
    return v;
  }

  // Blocking acquisition of `locks` (one group if several: std::lock / std::scoped_lock).
  void acquire(State& s, std::vector<HeldLock> locks, bool record, bool keepHeld = true) {
    if (locks.empty()) return;
    int group = -1;
    if (locks.size() > 1) group = group_++;
    std::vector<HeldLock> before = record ? snapshot(s) : std::vector<HeldLock>{};
    for (auto& l : locks) {
      l.group = group;
      if (record && !conditionLock(l))
        factsFn_->acquisitions.push_back({l, before, s.releasedOuter.count(l.key) > 0, {}});
    }
    if (!keepHeld) return;
    for (auto& l : locks) take(s, l);
  }

  void hold(State& s, const std::vector<HeldLock>& locks) {
    for (const auto& l : locks) take(s, l);
  }

  // `l` is held from here on this path.
  static void take(State& s, const HeldLock& l) {
    s.held.emplace(l.key, l);
    s.mayHold.insert(l.key);
    s.released.erase(l.key);
    s.taken.insert(l.key);
  }
  // `k` is not held from here on this path (a guard's end, a release).
  static void drop(State& s, const LockKey& k) {
    s.held.erase(k);
    s.mayHold.erase(k);
  }

  // `by`: the call that releases it (for the condition facts' `released`).
  void release(State& s, const LockKey& k, const Expr* by) {
    s.mayHold.erase(k);
    s.released[k] = Release{site(by->getBeginLoc()), text(by), Release::Kind::kUnlock, {}};
    if (!s.held.erase(k)) s.releasedOuter.insert(k);
    if (record_) noteTouch(k);
  }

  // ---- Transfer ----

  void transfer(const CFGBlock& b, State& s, bool record) {
    record_ = record;
    for (const CFGElement& el : b) {
      if (auto st = el.getAs<CFGStmt>()) {
        visit(st->getStmt(), s, record);
      } else if (auto dt = el.getAs<CFGAutomaticObjDtor>()) {
        auto it = s.guards.find(dt->getVarDecl());
        if (it == s.guards.end()) continue;
        if (it->second.owns || it->second.unknown)
          for (const auto& l : it->second.locks) drop(s, l.key);
        // The end of its scope releases what it owns (for the condition facts: where).
        if (it->second.owns && !it->second.unknown && dt->getTriggerStmt())
          for (const auto& l : it->second.locks)
            s.released[l.key] = Release{site(dt->getTriggerStmt()->getEndLoc()),
                                        dt->getVarDecl()->getNameAsString(),
                                        Release::Kind::kScopeEnd, {}};
        s.guards.erase(it);
      }
    }
  }

  void visit(const Stmt* st, State& s, bool record) {
    if (unevaluated_.count(st)) return;
    if (const auto* ds = dyn_cast<DeclStmt>(st)) {
      for (const Decl* d : ds->decls())
        if (const auto* vd = dyn_cast<VarDecl>(d); vd && vd->getInit())
          if (const auto* ce = constructOf(vd->getInit()))
            if (auto g = guardFrom(ce, s, record)) {
              s.guards[vd] = *g;
              if (ce->getNumArgs() == 0 && g->locks.empty() &&
                  vocab::guardKind(ce->getType()) == GuardKind::kUniqueLock)
                s.guards[vd].noMutex = site(ds->getBeginLoc());
              // std::unique_lock lk(m, std::defer_lock): m is not taken (for the condition
              // facts: a wait on lk waits without it).
              if (!g->owns && !g->locks.empty() && ce->getNumArgs() == 2 &&
                  isTag(ce->getArg(1), "defer_lock_t"))
                s.released[g->locks.front().key] =
                    Release{site(ds->getBeginLoc()), vd->getNameAsString(),
                            Release::Kind::kDeferred, {}};
            }
      return;
    }
    if (const auto* ce = dyn_cast<CXXConstructExpr>(st)) {
      if (varInits_.count(ce)) return;  // handled with its DeclStmt
      if (vocab::guardKind(ce->getType()) != GuardKind::kNone) {
        // A temporary guard: acquires, then releases at the end of the full-expression.
        State scratch = s;
        if (auto g = guardFrom(ce, scratch, record)) {
          (void)g;
        }
        return;
      }
      if (const CXXConstructorDecl* ctor = ce->getConstructor())
        recordCall(ctor, ce->getBeginLoc(), CallBinding{}, ce->arguments(), s, record, ce);
      return;
    }
    if (const auto* call = dyn_cast<CallExpr>(st); call && record) noteCondOp(call, s);
    if (const auto* mc = dyn_cast<CXXMemberCallExpr>(st)) return memberCall(mc, s, record);
    if (const auto* oc = dyn_cast<CXXOperatorCallExpr>(st)) return operatorCall(oc, s, record);
    if (const auto* call = dyn_cast<CallExpr>(st)) return freeCall(call, s, record);
  }

  // A condition variable's wait or notify: recorded with the locks held there on every path and
  // on some path (CondOp). A wait's lock given as a guard (`cv.wait(lk)`) is the guard's mutex.
  void noteCondOp(const CallExpr* call, const State& s) {
    vocab::CondCall cc = vocab::condCall(call);
    if (cc.kind == vocab::CondCall::Kind::kNone) return noteEventWait(call, s);
    CondOp op;
    std::optional<Release> noMutexAt;
    op.wait = cc.kind == vocab::CondCall::Kind::kWait;
    op.cond = keyOf(cc.cond);
    if (cc.lock) {
      if (const VarDecl* gv = guardVar(cc.lock, s)) {
        const Guard& g = s.guards.at(gv);
        if (!g.locks.empty()) op.lock = g.locks.front().key;
        // Constructed without a mutex: the guard itself stands for the lock it does not have.
        if (g.locks.empty() && g.noMutex) {
          op.lock = LockKey{LockKey::Root::kLocal, localName(gv), {}};
          noMutexAt = Release{*g.noMutex, gv->getNameAsString(), Release::Kind::kNoMutex, {}};
        }
      } else {
        op.lock = keyOf(cc.lock);
      }
    }
    op.site = site(call->getBeginLoc());
    for (const auto& [k, h] : s.held) op.mustHold.push_back(k);
    op.at = point(s);
    if (noMutexAt) op.at.released[*op.lock] = *noMutexAt;
    // The lock the op needs: the wait's, or a notified weft::Condition's own.
    std::optional<LockKey> needed = op.lock;
    if (!op.wait && vocab::conditionLockType(cc.cond->getType())) needed = op.cond;
    if (needed)
      if (auto it = s.released.find(*needed); it != s.released.end()) op.released = it->second;
    op.requires_ = pathTests(call);
    factsFn_->condOps.push_back(std::move(op));
  }

  // A wait on an event (CondOp::event): weft::Event / weft::aio::Event and std::atomic(_flag)
  // wait(), std::counting_semaphore's acquires.
  void noteEventWait(const CallExpr* call, const State& s) {
    const auto* mc = dyn_cast<CXXMemberCallExpr>(call);
    const CXXMethodDecl* md = mc ? mc->getMethodDecl() : nullptr;
    const CXXRecordDecl* rd = md ? md->getParent() : nullptr;
    if (!rd || !md->getIdentifier() || !rd->getIdentifier()) return;
    llvm::StringRef name = md->getName();
    llvm::StringRef cls = rd->getName();
    bool event = false;
    if (name == "wait")
      event = (rd->isInStdNamespace() && (cls == "atomic" || cls == "atomic_flag")) ||
              ((cls == "Event") && (rd->getQualifiedNameAsString() == "weft::Event" ||
                                    rd->getQualifiedNameAsString() == "weft::aio::Event"));
    else if (name == "acquire" || name == "try_acquire_for" || name == "try_acquire_until")
      event = rd->isInStdNamespace() && cls == "counting_semaphore";
    if (!event) return;
    CondOp op;
    op.wait = true;
    op.event = true;
    op.cond = keyOf(mc->getImplicitObjectArgument());
    op.site = site(call->getBeginLoc());
    for (const auto& [k, h] : s.held) op.mustHold.push_back(k);
    op.at = point(s);
    op.requires_ = pathTests(call);
    factsFn_->condOps.push_back(std::move(op));
  }

  // The locks a guard construction takes; acquires/holds them in `s`.
  std::optional<Guard> guardFrom(const CXXConstructExpr* ce, State& s, bool record) {
    GuardKind gk = vocab::guardKind(ce->getType());
    if (gk == GuardKind::kNone) return std::nullopt;
    Guard g;
    std::vector<const Expr*> args(ce->arg_begin(), ce->arg_end());
    SourceLocation at = ce->getBeginLoc();
    if (ce->getParenOrBraceRange().isValid() || ce->getNumArgs() > 0) at = ce->getLocation();
    auto locksOf = [&](size_t from, size_t to) {
      std::vector<HeldLock> v;
      for (size_t i = from; i < to && i < args.size(); ++i)
        if (auto l = lockAt(args[i], at)) v.push_back(*l);
      return v;
    };
    switch (gk) {
      case GuardKind::kLockGuard:
        if (args.empty()) return std::nullopt;
        g.locks = locksOf(0, 1);
        g.owns = true;
        if (args.size() > 1 && isTag(args[1], "adopt_lock_t"))
          hold(s, g.locks);
        else
          acquire(s, g.locks, record);
        break;
      case GuardKind::kUniqueLock:
      case GuardKind::kSharedLock:
        if (args.size() == 1 && vocab::guardKind(args[0]->getType()) != GuardKind::kNone) {
          // Move construction: the new guard takes over the old one's lock and ownership.
          const VarDecl* from = guardVar(stripMove(args[0]), s);
          if (!from) return Guard{};
          Guard moved = s.guards[from];
          s.guards.erase(from);
          return moved;
        }
        if (args.empty() || !modelLockType(args[0]->getType())) return Guard{};  // default
        g.locks = locksOf(0, 1);
        for (auto& l : g.locks) l.shared = gk == GuardKind::kSharedLock;
        if (args.size() == 1) {
          g.owns = true;
          acquire(s, g.locks, record);
        } else if (isTag(args[1], "adopt_lock_t")) {
          g.owns = true;
          hold(s, g.locks);
        }
        // defer_lock: not held. try_to_lock and timeouts: maybe held; assume not (no blocking),
        // but the condition facts say "maybe".
        else if (!isTag(args[1], "defer_lock_t"))
          for (const auto& l : g.locks) maybe(s, l.key, record);
        break;
      case GuardKind::kScopedLock:
        g.owns = true;
        if (!args.empty() && isTag(args[0], "adopt_lock_t")) {
          g.locks = locksOf(1, args.size());
          hold(s, g.locks);
        } else {
          g.locks = locksOf(0, args.size());
          acquire(s, g.locks, record);
        }
        break;
      case GuardKind::kAnnotated: {
        const CXXConstructorDecl* ctor = ce->getConstructor();
        if (!ctor || !ctor->hasAttr<AcquireCapabilityAttr>()) return std::nullopt;
        for (const auto* attr : ctor->specific_attrs<AcquireCapabilityAttr>())
          for (const Expr* a : attr->args())
            if (const auto* dre = dyn_cast<DeclRefExpr>(a->IgnoreParenImpCasts()))
              if (const auto* p = dyn_cast<ParmVarDecl>(dre->getDecl()))
                if (p->getFunctionScopeIndex() < args.size())
                  if (auto l = lockAt(args[p->getFunctionScopeIndex()], at)) g.locks.push_back(*l);
        g.owns = true;
        acquire(s, g.locks, record);
        break;
      }
      case GuardKind::kNone:
        break;
    }
    return g;
  }

  // `std::move(x)` -> `x`.
  static const Expr* stripMove(const Expr* e) {
    e = e->IgnoreParenImpCasts();
    if (const auto* call = dyn_cast<CallExpr>(e))
      if (const FunctionDecl* fd = call->getDirectCallee())
        if (fd->isInStdNamespace() && fd->getIdentifier() &&
            (fd->getName() == "move" || fd->getName() == "forward") && call->getNumArgs() == 1)
          return call->getArg(0)->IgnoreParenImpCasts();
    return e;
  }

  // A tracked guard handed by reference or pointer to a user function may be unlocked there:
  // its locks no longer count as held (precision first), before the call is recorded.
  // Returns, per argument, a guard handed over while its lock is unheld on every path (for the
  // Call fact: a callee waiting on it waits without the lock). Its locks may be held or not
  // after the call: may-held, no release left.
  template <typename Args>
  std::vector<std::optional<GuardArg>> escapeGuards(const FunctionDecl* callee, Args args,
                                                    State& s, bool record) {
    std::vector<std::optional<GuardArg>> out;
    if (!callee || sm_.isInSystemHeader(callee->getLocation())) return out;  // e.g. cv.wait(lk)
    for (const Expr* a : args) {
      if (record) out.emplace_back();
      const VarDecl* gv = guardVar(a, s);
      if (!gv) {
        if (const auto* uo = dyn_cast<UnaryOperator>(a->IgnoreParenImpCasts());
            uo && uo->getOpcode() == UO_AddrOf)
          gv = guardVar(uo->getSubExpr(), s);
      }
      if (!gv) continue;
      Guard& g = s.guards[gv];
      if (record && !g.owns && !g.unknown && !g.locks.empty())
        if (auto it = s.released.find(g.locks.front().key); it != s.released.end())
          out.back() = GuardArg{text(a), it->second};
      for (const auto& l : g.locks) {
        drop(s, l.key);
        s.mayHold.insert(l.key);
        s.taken.insert(l.key);
        s.released.erase(l.key);
      }
      g.owns = false;
      g.unknown = true;
      g.noMutex.reset();
    }
    return out;
  }

  const VarDecl* guardVar(const Expr* e, const State& s) const {
    const auto* dre = dyn_cast<DeclRefExpr>(e->IgnoreParenImpCasts());
    if (!dre) return nullptr;
    const auto* vd = dyn_cast<VarDecl>(dre->getDecl());
    return vd && s.guards.count(vd) ? vd : nullptr;
  }

  // Does `lock.acquire(blocking, timeout)` block until acquired? (weft::Lock / RLock)
  void memberCall(const CXXMemberCallExpr* mc, State& s, bool record) {
    const CXXMethodDecl* md = mc->getMethodDecl();
    const Expr* obj = mc->getImplicitObjectArgument();
    llvm::StringRef name = md && md->getIdentifier() ? md->getName() : "";
    SourceLocation at = mc->getBeginLoc();
    if (!md) noteCall(s, calleeIndex(nullptr));  // through a pointer to member
    if (!md || !obj) return;

    if (const VarDecl* gv = guardVar(obj, s)) {
      Guard& g = s.guards[gv];
      g.noMutex.reset();  // swap(), a move into it, ...: no longer evidently empty
      switch (vocab::guardMethod(name)) {
        case vocab::GuardMethod::kUnlock:
          for (const auto& l : g.locks) release(s, l.key, mc);
          g.owns = false;
          g.unknown = false;
          break;
        case vocab::GuardMethod::kLock: {
          std::vector<HeldLock> ls = g.locks;
          for (auto& l : ls) l.site = site(at);
          acquire(s, ls, record);
          g.owns = true;
          break;
        }
        case vocab::GuardMethod::kRelease:
          s.guards.erase(gv);  // the lock stays held, nobody unlocks it at scope end
          break;
        case vocab::GuardMethod::kTryLock:
          g.unknown = true;
          for (const auto& l : g.locks) maybe(s, l.key, record);
          break;
        case vocab::GuardMethod::kNone:
          break;
      }
      return;
    }
    if (vocab::guardKind(obj->getType()) != GuardKind::kNone) {
      // An untracked guard (a guard parameter): what it does is the caller's business, but a
      // wait on it here depends on it.
      if (record)
        if (auto k = keyOf(obj)) noteTouch(*k);
      return;
    }

    if (auto lt = modelLockType(obj->getType())) {
      bool weftLike =
          lt->name == "weft::Lock" || lt->name == "weft::RLock" || lt->name == "weft::Condition";
      bool annotatedAcquire = md->hasAttr<AcquireCapabilityAttr>();
      bool annotatedRelease = md->hasAttr<ReleaseCapabilityAttr>();
      vocab::Op op = vocab::memberOp(name);
      // acquire() / release() are weft's names (acquire(false) or with a timeout is a try).
      bool weftName = name == "acquire" || name == "release";
      bool blocks = !weftName || (weftLike && vocab::acquireBlocks(mc, ctx_));
      if ((op == vocab::Op::kLock && blocks) ||
          (annotatedAcquire && md->getNumParams() == 0 &&
           !md->hasAttr<TryAcquireCapabilityAttr>())) {
        if (auto l = lockAt(obj, at)) acquire(s, {*l}, record);
      } else if (op == vocab::Op::kLockShared && lt->shared) {
        if (auto l = lockAt(obj, at)) {
          l->shared = true;
          acquire(s, {*l}, record);
        }
      } else if ((op == vocab::Op::kUnlock && (!weftName || weftLike)) || annotatedRelease ||
                 (op == vocab::Op::kUnlockShared && lt->shared)) {
        if (auto k = keyOf(obj)) release(s, *k, mc);
      } else if (op == vocab::Op::kTryLock || op == vocab::Op::kTryLockShared ||
                 (op == vocab::Op::kLock && !blocks) ||
                 md->hasAttr<TryAcquireCapabilityAttr>()) {
        if (auto k = keyOf(obj)) maybe(s, *k, record);
      }
      return;  // try_lock, try_lock_shared, ...: not blocking acquisitions
    }

    CallBinding binding;
    const Expr* base = obj->IgnoreParenImpCasts();
    if (isa<CXXThisExpr>(base)) {
      binding.receiver = CallBinding::Receiver::kSame;
    } else if (auto k = keyOf(base)) {
      binding.receiver = CallBinding::Receiver::kKey;
      binding.receiverKey = *k;
    }
    auto guardArgs = escapeGuards(md, mc->arguments(), s, record);
    recordCall(md, at, std::move(binding), mc->arguments(), s, record, mc, std::move(guardArgs));
  }

  void operatorCall(const CXXOperatorCallExpr* oc, State& s, bool record) {
    const auto* md = dyn_cast_or_null<CXXMethodDecl>(oc->getDirectCallee());
    if (!md || oc->getNumArgs() == 0) return freeCall(oc, s, record);
    if (vocab::guardKind(oc->getArg(0)->getType()) != GuardKind::kNone) {
      if (oc->getOperator() == OO_Equal && oc->getNumArgs() == 2) {
        // lk = std::move(other): lk unlocks what it owned and takes over other's lock.
        const VarDecl* to = guardVar(oc->getArg(0), s);
        const VarDecl* from = guardVar(stripMove(oc->getArg(1)), s);
        if (to) {
          const Guard& oldGuard = s.guards[to];
          if (oldGuard.owns || oldGuard.unknown)
            for (const auto& l : oldGuard.locks) drop(s, l.key);
          s.guards[to] = from ? s.guards[from] : Guard{};
        }
        if (from) s.guards.erase(from);
      }
      return;
    }
    CallBinding binding;
    const Expr* base = oc->getArg(0)->IgnoreParenImpCasts();
    if (md->getParent()->isLambda() || isa<CXXThisExpr>(base)) {
      // A lambda's `this` and captured locals are the enclosing function's.
      binding.receiver = CallBinding::Receiver::kSame;
    } else if (auto k = keyOf(base)) {
      binding.receiver = CallBinding::Receiver::kKey;
      binding.receiverKey = *k;
    }
    auto args = llvm::make_range(oc->arg_begin() + 1, oc->arg_end());
    auto guardArgs = escapeGuards(md, args, s, record);
    recordCall(md, oc->getBeginLoc(), std::move(binding), args, s, record, oc,
               std::move(guardArgs));
  }

  void freeCall(const CallExpr* call, State& s, bool record) {
    const FunctionDecl* callee = call->getDirectCallee();
    if (!callee) {
      // Through a pointer: it may do anything to the locks.
      if (!isa<CXXPseudoDestructorExpr>(call->getCallee()->IgnoreParenImpCasts()))
        noteCall(s, calleeIndex(nullptr));
      return;
    }
    if (!callee->getIdentifier()) {
      if (!callee->getBuiltinID() && !sm_.isInSystemHeader(callee->getLocation()))
        noteCall(s, calleeIndex(callee));
      return;
    }
    llvm::StringRef name = callee->getName();
    SourceLocation at = call->getBeginLoc();
    if (callee->isExternC() || callee->getDeclContext()->isTranslationUnit()) {
      vocab::FreeOp op = vocab::freeOp(name);
      // pthread_mutex_lock, mtx_lock, pthread_rwlock_wrlock / rdlock, pthread_spin_lock; the
      // unlocks (pthread_rwlock_unlock releases either mode).
      if ((op.op == vocab::Op::kLock || op.op == vocab::Op::kLockShared) &&
          call->getNumArgs() >= 1) {
        if (auto l = lockAt(call->getArg(0), at)) {
          l->shared = op.op == vocab::Op::kLockShared;
          acquire(s, {*l}, record);
        }
        return;
      }
      if (op.op == vocab::Op::kUnlock && call->getNumArgs() >= 1) {
        if (auto k = keyOf(call->getArg(0))) release(s, *k, call);
        return;
      }
      if ((op.op == vocab::Op::kTryLock || op.op == vocab::Op::kTryLockShared) &&
          call->getNumArgs() >= 1) {
        if (auto k = keyOf(call->getArg(0))) maybe(s, *k, record);
        return;
      }
      if (name == "pthread_mutex_init" && call->getNumArgs() >= 2) {
        if (!call->getArg(1)->IgnoreParenImpCasts()->isNullPointerConstant(
                ctx_, Expr::NPC_ValueDependentIsNotNull) &&
            !defaultAttr(call->getArg(1)))
          noteNonDefault(call->getArg(0));
        return;
      }
      if (name == "mtx_init" && call->getNumArgs() >= 2) {
        Expr::EvalResult r;
        // mtx_recursive is bit 0 of the type in glibc's <threads.h>; unknown types are unknown.
        if (!call->getArg(1)->EvaluateAsInt(r, ctx_) || (r.Val.getInt().getExtValue() & 1))
          noteNonDefault(call->getArg(0));
        return;
      }
    }
    if (callee->isInStdNamespace() && name == "lock" && call->getNumArgs() >= 2) {
      std::vector<HeldLock> locks;
      for (const Expr* a : call->arguments()) {
        if (const VarDecl* gv = guardVar(a, s)) {
          Guard& g = s.guards[gv];
          for (auto l : g.locks) {
            l.site = site(at);
            locks.push_back(l);
          }
          g.owns = true;
          g.noMutex.reset();
        } else if (auto l = lockAt(a, at)) {
          locks.push_back(*l);
        }
      }
      acquire(s, locks, record);
      return;
    }
    // Annotated free functions: acquire_capability(arg).
    if (callee->hasAttr<AcquireCapabilityAttr>() || callee->hasAttr<ReleaseCapabilityAttr>()) {
      if (!sm_.isInSystemHeader(callee->getLocation())) noteCall(s, calleeIndex(callee));
      return;
    }
    auto guardArgs = escapeGuards(callee, call->arguments(), s, record);
    recordCall(callee, at, CallBinding{}, call->arguments(), s, record, call,
               std::move(guardArgs));
  }

  // True when `e` is `&attr`, a local pthread_mutexattr_t of this function whose every use is
  // visible and keeps the default type: pthread_mutexattr_init/destroy, the getters, setters
  // other than settype, settype to PTHREAD_MUTEX_NORMAL/DEFAULT, and pthread_mutex_init. Any other
  // use (passed to a helper, settype to anything else or to a variable) is not guessed at.
  bool defaultAttr(const Expr* e) const {
    const VarDecl* vd = attrVar(e);
    if (!vd || !vd->isLocalVarDecl() || vd->isStaticLocal() || vd->getDeclContext() != fd_)
      return false;
    if (const Expr* init = vd->getInit()) {  // C++: a trivial default construction is no init
      const auto* ce = dyn_cast<CXXConstructExpr>(init->IgnoreImplicit());
      if (!ce || ce->getNumArgs() != 0) return false;
    }
    unsigned total = 0, allowed = 0;
    countAttrUses(fd_->getBody(), vd, total, allowed);
    return total > 0 && total == allowed;
  }

  static const VarDecl* attrVar(const Expr* e) {
    const auto* u = dyn_cast<UnaryOperator>(e->IgnoreParenImpCasts());
    if (!u || u->getOpcode() != UO_AddrOf) return nullptr;
    const auto* dre = dyn_cast<DeclRefExpr>(u->getSubExpr()->IgnoreParenImpCasts());
    return dre ? dyn_cast<VarDecl>(dre->getDecl()) : nullptr;
  }

  static bool defaultKind(const Expr* kind) {
    const auto* dre = dyn_cast<DeclRefExpr>(kind->IgnoreParenImpCasts());
    const auto* ec = dre ? dyn_cast<EnumConstantDecl>(dre->getDecl()) : nullptr;
    if (!ec || !ec->getIdentifier()) return false;
    llvm::StringRef n = ec->getName();
    return n == "PTHREAD_MUTEX_NORMAL" || n == "PTHREAD_MUTEX_DEFAULT" ||
           n == "PTHREAD_MUTEX_TIMED_NP";
  }

  static void countAttrUses(const Stmt* s, const VarDecl* vd, unsigned& total,
                              unsigned& allowed) {
    if (!s) return;
    if (const auto* dre = dyn_cast<DeclRefExpr>(s); dre && dre->getDecl() == vd) ++total;
    if (const auto* call = dyn_cast<CallExpr>(s)) {
      const FunctionDecl* fn = call->getDirectCallee();
      llvm::StringRef n = fn && fn->getIdentifier() ? fn->getName() : "";
      for (unsigned i = 0; i < call->getNumArgs(); ++i) {
        if (attrVar(call->getArg(i)) != vd) continue;
        bool ok = false;
        if (n == "pthread_mutex_init") {
          ok = i == 1;
        } else if (n == "pthread_mutexattr_settype") {
          ok = i == 0 && call->getNumArgs() == 2 && defaultKind(call->getArg(1));
        } else if (n.starts_with("pthread_mutexattr_")) {
          ok = i == 0;  // init, destroy, get*, setpshared, setprotocol, setrobust, ...
        }
        if (ok) ++allowed;
      }
    }
    for (const Stmt* c : s->children()) countAttrUses(c, vd, total, allowed);
  }

  void noteNonDefault(const Expr* lockExpr) {
    if (auto k = keyOf(lockExpr); k && k->root != LockKey::Root::kParam)
      facts_.nonDefault.insert(*k);
  }

  // What every path to `stmt` says about the function's parameters (ParamTests.h).
  std::vector<ParamTest> pathTests(const Stmt* stmt) { return ast::paramTestsAt(ctx_, fd_, stmt); }

  template <typename Args>
  void recordCall(const FunctionDecl* callee, SourceLocation at, CallBinding binding, Args args,
                  State& s, bool record, const Stmt* stmt = nullptr,
                  std::vector<std::optional<GuardArg>> guardArgs = {}) {
    if (!callee) return;
    // Library code does not call back into the program's locks in ways we model.
    if (sm_.isInSystemHeader(callee->getLocation())) return;
    unsigned index = calleeIndex(callee);
    if (record) recordCallFact(callee, at, std::move(binding), args, s, stmt,
                               std::move(guardArgs));
    noteCall(s, index);
  }

  template <typename Args>
  void recordCallFact(const FunctionDecl* callee, SourceLocation at, CallBinding binding,
                      Args args, const State& s, const Stmt* stmt,
                      std::vector<std::optional<GuardArg>> guardArgs) {
    Call c;
    c.callee = usr(callee);
    if (c.callee.empty()) return;
    c.calleeName = displayName(callee);
    c.site = site(at);
    size_t i = 0;
    for (const Expr* a : args) {
      Expr::EvalResult value;
      c.constants.push_back(!a->isValueDependent() && a->getType()->isIntegralOrEnumerationType() &&
                                    a->EvaluateAsInt(value, ctx_)
                                ? std::optional<std::int64_t>(value.Val.getInt().getExtValue())
                                : std::nullopt);
      std::optional<LockKey> k;
      if (i < callee->getNumParams()) {
        QualType pt = callee->getParamDecl(i)->getType();
        // Only by reference or pointer is the callee's object the caller's.
        if (pt->isReferenceType() || pt->isPointerType()) k = keyOf(a);
      }
      binding.args.push_back(k);
      ++i;
    }
    c.binding = std::move(binding);
    c.held = snapshot(s);
    c.releasedOuter.assign(s.releasedOuter.begin(), s.releasedOuter.end());
    c.requires_ = pathTests(stmt);
    c.at = point(s);
    bool anyGuard = false;
    for (const auto& g : guardArgs) anyGuard = anyGuard || g.has_value();
    if (anyGuard) c.guardArgs = std::move(guardArgs);
    factsFn_->calls.push_back(std::move(c));
  }

  ASTContext& ctx_;
  SourceManager& sm_;
  const FunctionDecl* fd_;
  Facts& facts_;
  int& group_;
  FunctionFacts* factsFn_ = nullptr;
  std::set<const CXXConstructExpr*> varInits_;
  std::set<const Stmt*> unevaluated_;  // under __builtin_constant_p: never run
  std::map<const FunctionDecl*, unsigned> calleeIndex_;
  bool record_ = false;  // the recording pass of transfer()
};

// ---- The TU walk -------------------------------------------------------------------------------

class Collector : public RecursiveASTVisitor<Collector> {
 public:
  Collector(ASTContext& ctx, Facts& facts) : ctx_(ctx), facts_(facts) {}
  bool shouldVisitTemplateInstantiations() const { return true; }
  bool shouldVisitImplicitCode() const { return false; }

  bool VisitFunctionDecl(FunctionDecl* fd) {
    if (const auto* md = dyn_cast<CXXMethodDecl>(fd); md && md->getParent()->isLambda())
      return true;  // analysed from VisitLambdaExpr
    if (fd->isMain() && fd->doesThisDeclarationHaveABody()) facts_.hasMain = true;
    analyse(fd);
    return true;
  }

  // How functions are entered: thread starts, address taken (FunctionFacts). A function named
  // as the callee of a call is called; named anywhere else, its address is taken, unless it is
  // the entry of a thread start.
  bool VisitCallExpr(CallExpr* call) {
    if (const auto* dre = dyn_cast<DeclRefExpr>(call->getCallee()->IgnoreParenImpCasts()))
      calleeRefs_.insert(dre);
    const FunctionDecl* callee = call->getDirectCallee();
    if (!callee || !callee->getIdentifier()) return true;
    llvm::StringRef n = callee->getName();
    unsigned entryArg = n == "pthread_create" ? 2 : n == "thrd_create" ? 1 : 99;
    if (entryArg < call->getNumArgs()) threadStart(call->getArg(entryArg), call->getBeginLoc());
    return true;
  }
  bool VisitCXXConstructExpr(CXXConstructExpr* ce) {
    const CXXRecordDecl* rd = ce->getType()->getAsCXXRecordDecl();
    if (!rd || !rd->getIdentifier() || ce->getNumArgs() < 1) return true;
    if ((rd->isInStdNamespace() && (rd->getName() == "thread" || rd->getName() == "jthread")) ||
        (rd->getName() == "Thread" && rd->getQualifiedNameAsString() == "weft::Thread"))
      threadStart(ce->getArg(0), ce->getBeginLoc());
    return true;
  }
  bool VisitDeclRefExpr(DeclRefExpr* dre) {
    const auto* fd = dyn_cast<FunctionDecl>(dre->getDecl());
    if (!fd || calleeRefs_.count(dre)) return true;
    if (auto it = threadRefs_.find(dre); it != threadRefs_.end())
      starts_[fd->getCanonicalDecl()].push_back(it->second);
    else
      addressTaken_.insert(fd->getCanonicalDecl());
    return true;
  }

  // Writes the thread starts and address-taken functions into the facts of their functions.
  void finish() {
    auto factsOf = [&](const FunctionDecl* fd) -> FunctionFacts* {
      std::string id = usrOf(fd);
      auto it = facts_.functions.find(id);
      return id.empty() || it == facts_.functions.end() ? nullptr : &it->second;
    };
    for (const auto& [fd, sites] : starts_)
      if (FunctionFacts* f = factsOf(fd))
        for (SourceLocation at : sites)
          f->threadStarts.push_back(siteOf(ctx_.getSourceManager(), at));
    for (const FunctionDecl* fd : addressTaken_)
      if (FunctionFacts* f = factsOf(fd)) f->addressTaken = true;
  }
  bool VisitLambdaExpr(LambdaExpr* le) {
    analyse(le->getCallOperator());
    return true;
  }
  // Statically initialised recursive pthread mutexes.
  bool VisitVarDecl(VarDecl* vd) {
    if (vd->hasGlobalStorage() && vd->getInit())
      checkStaticInit(vd->getType(), vd->getInit(),
                        LockKey{LockKey::Root::kGlobal, vd->getQualifiedNameAsString(), {}});
    return true;
  }
  bool VisitFieldDecl(FieldDecl* fd) {
    if (fd->hasInClassInitializer() && fd->getInClassInitializer())
      checkStaticInit(fd->getType(), fd->getInClassInitializer(),
                        LockKey{LockKey::Root::kThis,
                                fd->getParent()->getQualifiedNameAsString(),
                                {fd->getNameAsString()}});
    return true;
  }

 private:
  void analyse(const FunctionDecl* fd) {
    if (!fd || !fd->doesThisDeclarationHaveABody() || fd->isDependentContext() ||
        fd->isInvalidDecl())
      return;
    if (ctx_.getSourceManager().isInSystemHeader(fd->getLocation())) return;
    if (!done_.insert(fd).second) return;
    FunctionAnalysis(ctx_, fd, facts_, groups_).run();
  }

  void checkStaticInit(QualType t, const Expr* init, LockKey key) {
    if (!vocab::hasTypedefName(t, "pthread_mutex_t")) return;
    const SourceManager& sm = ctx_.getSourceManager();
    CharSourceRange r = sm.getExpansionRange(init->getSourceRange());
    std::string s = Lexer::getSourceText(r, sm, ctx_.getLangOpts()).str();
    if (s.find("RECURSIVE") != std::string::npos || s.find("ERRORCHECK") != std::string::npos ||
        s.find("ADAPTIVE") != std::string::npos)
      facts_.nonDefault.insert(std::move(key));
  }

  // The function or lambda a thread start runs (`fn`, `&fn`, a lambda, through the implicit
  // conversions to std::function of weft::Thread).
  void threadStart(const Expr* e, SourceLocation at) {
    for (int i = 0; e && i < 8; ++i) {
      e = e->IgnoreParenCasts();
      if (const auto* u = dyn_cast<UnaryOperator>(e); u && u->getOpcode() == UO_AddrOf) {
        e = u->getSubExpr();
      } else if (const auto* m = dyn_cast<MaterializeTemporaryExpr>(e)) {
        e = m->getSubExpr();
      } else if (const auto* b = dyn_cast<CXXBindTemporaryExpr>(e)) {
        e = b->getSubExpr();
      } else if (const auto* c = dyn_cast<CXXConstructExpr>(e); c && c->getNumArgs() >= 1) {
        e = c->getArg(0);
      } else {
        break;
      }
    }
    if (const auto* dre = dyn_cast_or_null<DeclRefExpr>(e)) {
      if (isa<FunctionDecl>(dre->getDecl())) threadRefs_[dre] = at;
    } else if (const auto* le = dyn_cast_or_null<LambdaExpr>(e)) {
      starts_[le->getCallOperator()->getCanonicalDecl()].push_back(le->getBeginLoc());
    }
  }

  ASTContext& ctx_;
  Facts& facts_;
  std::set<const FunctionDecl*> done_;
  int groups_ = 0;
  std::set<const DeclRefExpr*> calleeRefs_;
  std::map<const DeclRefExpr*, SourceLocation> threadRefs_;
  std::map<const FunctionDecl*, std::vector<SourceLocation>> starts_;
  std::set<const FunctionDecl*> addressTaken_;
};

}  // namespace

Facts extractFacts(clang::ASTContext& ctx) {
  Facts facts;
  Collector c(ctx, facts);
  c.TraverseAST(ctx);  // honours the driver's traversal scope (no system-header decls)
  c.finish();
  return facts;
}

const Facts& tuFacts(clang::ASTContext& ctx) {
  struct Cache {
    const clang::ASTContext* ctx = nullptr;
    const clang::TranslationUnitDecl* tu = nullptr;
    std::string mainFile;
    Facts facts;
  };
  thread_local Cache cache;
  const SourceManager& sm = ctx.getSourceManager();
  auto main = sm.getFileEntryRefForID(sm.getMainFileID());
  std::string mainFile = main ? std::string(main->getName()) : std::string();
  // An ASTContext may be allocated at a freed one's address: compare the TU and file too.
  if (cache.ctx != &ctx || cache.tu != ctx.getTranslationUnitDecl() ||
      cache.mainFile != mainFile) {
    cache.facts = extractFacts(ctx);
    cache.ctx = &ctx;
    cache.tu = ctx.getTranslationUnitDecl();
    cache.mainFile = std::move(mainFile);
  }
  return cache.facts;
}

const CondOp* condOpAt(clang::ASTContext& ctx, const clang::CallExpr* call,
                       const FunctionFacts** function) {
  const Facts& facts = tuFacts(ctx);
  Site at = siteOf(ctx.getSourceManager(), call->getBeginLoc());
  if (at.file.empty()) return nullptr;
  for (const auto& [id, f] : facts.functions)
    for (const CondOp& op : f.condOps)
      if (op.site == at) {
        if (function) *function = &f;
        return &op;
      }
  return nullptr;
}

}  // namespace weft::analyzer::locks
