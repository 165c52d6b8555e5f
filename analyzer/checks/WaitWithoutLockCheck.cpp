// wait-without-lock, notify-without-lock: see WaitWithoutLockCheck.h and docs/checks/.
#include "WaitWithoutLockCheck.h"

#include <clang/AST/ASTContext.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/ParentMapContext.h>
#include <clang/ASTMatchers/ASTMatchers.h>
#include <clang/Lex/Lexer.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "AstHelpers.h"
#include "FindingJson.h"
#include "LockCheckCommon.h"
#include "LockModel.h"
#include "LockVocabulary.h"
#include "Matchers.h"

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

const FunctionDecl* enclosingFunction(ASTContext& ctx, const Stmt* s) {
  return ast::walkOut(ctx, s, [](const Stmt*, const Stmt*) { return true; }).function;
}

void addNotes(DiagBuilder& d, const locks::Unheld& v) {
  for (const locks::PathNote& n : v.notes) d.note(lockcheck::point(n.site), n.text, n.step);
}

// The lock of a condition variable, in the terms of the function notifying it (`notified`): the
// mutex every wait on it in the TU releases (pthread_cond_wait's, a std::unique_lock's), when
// they agree on one. A wait's mutex next to its condition (`e->mu` for `e->cv`) is the notifier's
// field of the same object.
std::optional<locks::LockKey> mutexOf(const locks::Facts& facts, const locks::LockKey& notified) {
  std::optional<locks::LockKey> out;
  for (const auto& [id, f] : facts.functions)
    for (const locks::CondOp& op : f.condOps) {
      if (!op.wait || op.event || !op.cond || !op.lock || *op.cond == *op.lock ||
          !locks::sameLock(*op.cond, notified))
        continue;
      const locks::LockKey& cond = *op.cond;
      const locks::LockKey& lock = *op.lock;
      std::optional<locks::LockKey> mine;
      if (lock.root == locks::LockKey::Root::kGlobal && lock.path.empty()) {
        mine = lock;
      } else if (lock.root == cond.root && lock.name == cond.name && !lock.path.empty() &&
                 lock.path.size() == cond.path.size() && !notified.path.empty() &&
                 std::equal(lock.path.begin(), lock.path.end() - 1, cond.path.begin())) {
        mine = notified;
        mine->path.back() = lock.path.back();
      }
      if (!mine || (out && !(*out == *mine))) return std::nullopt;
      out = mine;
    }
  return out;
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
    d.note(lockcheck::point(v.released->site), locks::releaseNote(*v.released));
  else
    d.note(call->getBeginLoc(),
           "nothing in '" + v.function->getNameAsString() + "' acquires it; " + takeIt);
}
ModelVerdict weftConditionVerdict(ASTContext& ctx, const CallExpr* call) {
  const locks::FunctionFacts* fn = nullptr;
  const locks::CondOp* op = locks::condOpAt(ctx, call, &fn);
  if (!op || !op->cond) return {};
  const locks::LockKey& key = *op->cond;
  if (std::find(op->at.mayHold.begin(), op->at.mayHold.end(), key) != op->at.mayHold.end())
    return {};
  if (op->released) return {true, &*op->released, nullptr};
  const FunctionDecl* f = enclosingFunction(ctx, call);
  if (!f || !f->hasBody() || fn->locksAnything || lockedHelper(f) ||
      locks::handsOver(*fn, key) ||
      locks::someCallerHolds(locks::tuFacts(ctx), *fn, key, op->requires_))
    return {};
  return {true, nullptr, f};
}

// ---- Callers in other files: deferred to the merge phase ----------------------------------

// Prepares the finding of `call` (its message and the notes after the path's) for the merge
// phase; false when its place cannot be named (a system header).
bool defer(const CheckContext& context, std::vector<DeferredUnheld>& out, const char* check,
           const CallExpr* call, const locks::FunctionFacts& fn, const locks::CondOp& op,
           const locks::LockKey& key, const std::string& lockName, const std::string& message,
           const std::string& trailingNote = {}) {
  SourcePoint where;
  if (!context.resolve(call->getBeginLoc(), where)) return false;
  DeferredUnheld d{fn.id, op.site, key, lockName, {}};
  d.finding.check = check;
  d.finding.where = where;
  d.finding.message = message;
  if (!trailingNote.empty()) d.finding.notes.push_back({where, trailingNote, false});
  out.push_back(std::move(d));
  return true;
}

// Every TU's lock facts with the point states (all of them: the callers of a deferred op may be
// in any file), and its deferred ops.
bool summarizeDeferred(ASTContext& ctx, const std::vector<DeferredUnheld>& deferred,
                       nlohmann::json& out) {
  nlohmann::json ops = nlohmann::json::array();
  for (const DeferredUnheld& d : deferred) {
    nlohmann::json o = {{"function", d.function},
                        {"site", {d.site.file, d.site.line, d.site.column}},
                        {"lock_name", d.lockName},
                        {"finding", findingToJson(d.finding)}};
    o["key"] = {{"root", static_cast<int>(d.key.root)}, {"name", d.key.name}, {"path", d.key.path}};
    ops.push_back(std::move(o));
  }
  out = {{"facts", locks::toJson(locks::tuFacts(ctx), /*pointStates=*/true)},
         {"deferred", std::move(ops)}};
  return true;
}

locks::LockKey keyFromJson(const nlohmann::json& j) {
  int root = j.at("root").get<int>();
  if (root < 0 || root > 3) throw std::runtime_error("bad lock root");
  return {static_cast<locks::LockKey::Root>(root), j.at("name").get<std::string>(),
          j.at("path").get<std::vector<std::string>>()};
}

// The deferred ops of every summary decided on the merged facts: the findings, with the path's
// notes before the prepared ones. Waits are reported when the lock is unheld (released or never
// taken), notifies when it was never taken. A notify's mutex stays the one its TU's waits agree
// on: the merged facts may hold several programs, whose globals of one name are not one object.
std::vector<Finding> decideDeferred(const std::vector<const nlohmann::json*>& summaries,
                                    bool notify) {
  // Nothing deferred anywhere (the common case): the facts need not be read.
  bool any = false;
  for (const nlohmann::json* j : summaries)
    if (const auto d = j->find("deferred"); d != j->end() && d->is_array() && !d->empty())
      any = true;
  if (!any) return {};
  std::vector<locks::Facts> parts;
  std::vector<DeferredUnheld> deferred;
  for (const nlohmann::json* j : summaries) {
    try {
      parts.push_back(locks::factsFromJson(j->at("facts")));
      for (const auto& o : j->at("deferred")) {
        DeferredUnheld d;
        d.function = o.at("function").get<std::string>();
        d.site = {o.at("site").at(0).get<std::string>(), o.at("site").at(1).get<unsigned>(),
                  o.at("site").at(2).get<unsigned>()};
        d.key = keyFromJson(o.at("key"));
        d.lockName = o.at("lock_name").get<std::string>();
        d.finding = findingFromJson(o.at("finding"));
        deferred.push_back(std::move(d));
      }
    } catch (const std::exception&) {
      continue;  // a stale --merge-summaries file
    }
  }
  const locks::Facts facts = locks::mergePrograms(std::move(parts));
  std::vector<Finding> out;
  for (const DeferredUnheld& d : deferred) {
    // The op's function: under its id, or (an id several files define: each program's main())
    // under the id with its file appended.
    const locks::FunctionFacts* fn = nullptr;
    const locks::CondOp* op = nullptr;
    std::string alias = d.function;
    alias.append("\x1f");
    alias.append(d.site.file);
    const std::string* ids[] = {&d.function, &alias};
    for (const std::string* id : ids) {
      auto it = facts.functions.find(*id);
      if (it == facts.functions.end() || op) continue;
      for (const locks::CondOp& o : it->second.condOps)
        if (o.site == d.site && !o.event && o.wait != notify) {
          fn = &it->second;
          op = &o;
        }
    }
    if (!op) continue;
    locks::Unheld v = locks::unheldAt(facts, *fn, d.key, op->at, op->requires_, d.lockName);
    if (v.path == locks::Unheld::Path::kUnknown ||
        (notify && v.path != locks::Unheld::Path::kNeverTaken))
      continue;
    Finding f = d.finding;
    std::vector<Note> notes;
    for (const locks::PathNote& n : v.notes) notes.push_back({lockcheck::point(n.site), n.text, n.step});
    notes.insert(notes.end(), f.notes.begin(), f.notes.end());
    f.notes = std::move(notes);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

bool WaitWithoutLockCheck::summarize(ASTContext& ctx, nlohmann::json& out) {
  return summarizeDeferred(ctx, deferred_, out);
}

bool NotifyWithoutLockCheck::summarize(ASTContext& ctx, nlohmann::json& out) {
  return summarizeDeferred(ctx, deferred_, out);
}

void WaitWithoutLockCheck::mergeSummaries(const std::vector<const nlohmann::json*>& summaries) {
  for (const Finding& f : decideDeferred(summaries, /*notify=*/false)) {
    DiagBuilder d = diag(f.where, f.message);
    for (const Note& n : f.notes) d.note(n.where, n.message, n.step);
    for (const Edit& e : f.fixes) d.fix(e);
  }
}

void NotifyWithoutLockCheck::mergeSummaries(const std::vector<const nlohmann::json*>& summaries) {
  for (const Finding& f : decideDeferred(summaries, /*notify=*/true)) {
    DiagBuilder d = diag(f.where, f.message);
    for (const Note& n : f.notes) d.note(n.where, n.message, n.step);
    for (const Edit& e : f.fixes) d.fix(e);
  }
}

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
  std::string message = "'";
  message += name;
  message += "' is called without holding the lock '";
  message += lockName;
  message += "'";
  if (weft) {
    // weft::Condition: its own lock.
    ModelVerdict v = weftConditionVerdict(ctx, call);
    if (!v.report) return;
    noteVerdict(diag(call->getBeginLoc(), message), call, v,
                "hold it around the check and the wait: 'std::unique_lock lk(" + lockName + ");'");
    return;
  }
  // pthread, C11, std: the lock model's facts at the wait, and its callers'.
  const locks::FunctionFacts* fn = nullptr;
  const locks::CondOp* op = locks::condOpAt(ctx, call, &fn);
  if (!op || !op->lock) return;
  const locks::LockKey& key = *op->lock;
  if (result.Nodes.getNodeAs<CallExpr>("c")) {
    // The mutex is named at the wait: followed back through the callers to the thread starts.
    locks::Unheld v =
        locks::unheldAt(locks::tuFacts(ctx), *fn, key, op->at, op->requires_, lockName);
    // Not evident in this TU, or evident through a function other files may call: the merge
    // phase decides with the callers in every linted file.
    if (v.path == locks::Unheld::Path::kUnknown || v.throughExternal) {
      defer(context(), deferred_, kId, call, *fn, *op, key, lockName, message);
      return;
    }
    DiagBuilder d = diag(call->getBeginLoc(), message);
    addNotes(d, v);
    return;
  }
  // std::condition_variable: the guard's mutex released (or deferred) on every path to the wait
  // in this function.
  for (const locks::LockKey& m : op->at.mayHold)
    if (locks::sameLock(m, key)) return;
  if (auto r = op->at.released.find(key); r != op->at.released.end()) {
    diag(call->getBeginLoc(), message)
        .note(lockcheck::point(r->second.site), locks::releaseNote(r->second));
    return;
  }
  // A std::unique_lock reference parameter waited on (`void wait_ready(std::unique_lock<
  // std::mutex>& lk) { while (!ready) cv.wait(lk); }`): the state of the guard is the caller's. The first call
  // in the TU that passes it with its mutex unheld on every path (`lk.unlock(); ...;
  // wait_ready(lk);`, or a guard made with std::defer_lock), unless this function does anything
  // else with the guard.
  const auto* param = dyn_cast<ParmVarDecl>(lock);
  if (!param || !param->getType()->isReferenceType() ||
      vocab::guardKind(param->getType().getNonReferenceType()) != vocab::Guard::kUniqueLock ||
      key.root != locks::LockKey::Root::kParam || !key.path.empty() ||
      std::find(fn->touches.begin(), fn->touches.end(), key) != fn->touches.end() ||
      locks::handsOver(*fn, key))
    return;
  const FunctionDecl* f = enclosingFunction(ctx, call);
  if (!f) return;
  unsigned index = param->getFunctionScopeIndex();
  std::vector<const locks::Call*> calls;
  for (const auto& [id, caller] : locks::tuFacts(ctx).functions)
    for (const locks::Call& c : caller.calls)
      if (c.callee == fn->id && index < c.guardArgs.size() && c.guardArgs[index] &&
          locks::feasible(op->requires_, c.constants))
        calls.push_back(&c);
  if (calls.empty()) return;
  const locks::Call* first = *std::min_element(
      calls.begin(), calls.end(), [](const auto* a, const auto* b) { return a->site < b->site; });
  const locks::GuardArg& g = *first->guardArgs[index];
  std::string fname = f->getNameAsString();
  message += ": '";
  message += fname;
  message += "' is called with it unlocked";
  std::string at = "'";
  at += fname;
  at += "' is called here with '";
  at += g.text;
  at += "' not holding its mutex";
  diag(call->getBeginLoc(), message)
      .note(lockcheck::point(first->site), at)
      .note(lockcheck::point(g.release.site), locks::releaseNote(g.release));
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
// thread started: the state cannot have been changed under it. On the lock model's facts: the
// notify's, and its callers'.
void NotifyWithoutLockCheck::checkC(const CallExpr* call, ASTContext& ctx) {
  const ValueDecl* cv = nullptr;
  if (const auto* mc = dyn_cast<CXXMemberCallExpr>(call))
    cv = objectDecl(mc->getImplicitObjectArgument());
  else if (call->getNumArgs() >= 1)
    cv = objectDecl(call->getArg(0));
  if (!cv) return;
  const locks::FunctionFacts* fn = nullptr;
  const locks::CondOp* op = locks::condOpAt(ctx, call, &fn);
  if (!op || !op->cond) return;
  const locks::Facts& facts = locks::tuFacts(ctx);
  std::optional<locks::LockKey> mu = mutexOf(facts, *op->cond);
  if (!mu) return;
  std::string muName = locks::shortName(*mu);
  locks::Unheld v = locks::unheldAt(facts, *fn, *mu, op->at, op->requires_, muName);
  bool undecided = v.path == locks::Unheld::Path::kUnknown || v.throughExternal;
  if (v.path != locks::Unheld::Path::kNeverTaken && !undecided) return;
  std::string name = call->getDirectCallee()->getNameAsString();
  std::string message = "'";
  message += name;
  message += "' on '";
  message += cv->getNameAsString();
  message += "' is called without ever holding its mutex '";
  message += muName;
  message += "'";
  std::string fix = "a waiter between its check of the state and its wait misses this wake-up; "
                    "change the state and wake it while holding '";
  fix += muName;
  fix += "'";
  if (undecided) {
    // The merge phase decides with the callers in every linted file (see the wait's).
    defer(context(), deferred_, kId, call, *fn, *op, *mu, muName, message, fix);
    return;
  }
  DiagBuilder d = diag(call->getBeginLoc(), message);
  addNotes(d, v);
  d.note(call->getBeginLoc(), fix);
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
