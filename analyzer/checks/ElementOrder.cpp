// ElementOrder: see ElementOrder.h.
#include "ElementOrder.h"

#include <clang/AST/ASTContext.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/RecursiveASTVisitor.h>
#include <clang/AST/StmtCXX.h>
#include <clang/Basic/SourceManager.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "AstHelpers.h"
#include "LockVocabulary.h"

using namespace clang;

namespace weft::analyzer::locks {
namespace {

// An element of a container of locks: `forks[left]` is {forks, "", left}, `&list[i + 1].mu` is
// {list, ".mu", i + 1}.
struct Element {
  const ValueDecl* container = nullptr;
  std::string path;
  const Expr* index = nullptr;
  std::string text;       // the whole element as written, e.g. "list[i + 1].mu"
  std::string indexText;  // e.g. "i + 1"
};

std::optional<Element> elementOf(const ASTContext& ctx, const Expr* e) {
  if (!e) return std::nullopt;
  const Expr* whole = e->IgnoreParenImpCasts();
  e = whole;
  if (const auto* u = dyn_cast<UnaryOperator>(e); u && u->getOpcode() == UO_AddrOf)
    whole = e = u->getSubExpr()->IgnoreParenImpCasts();
  std::string path;
  while (const auto* m = dyn_cast<MemberExpr>(e)) {
    std::string segment(".");
    segment += m->getMemberDecl()->getNameAsString();
    segment += path;
    path = std::move(segment);
    e = m->getBase()->IgnoreParenImpCasts();
  }
  const Expr* base = nullptr;
  const Expr* index = nullptr;
  if (const auto* a = dyn_cast<ArraySubscriptExpr>(e)) {
    base = a->getBase();
    index = a->getIdx();
  } else if (const auto* op = dyn_cast<CXXOperatorCallExpr>(e);
             op && op->getOperator() == OO_Subscript && op->getNumArgs() == 2) {
    base = op->getArg(0);
    index = op->getArg(1);
  }
  if (!base) return std::nullopt;
  const ValueDecl* container = ast::objectDecl(base);
  if (!container) return std::nullopt;
  Element el{container, path, index->IgnoreParenImpCasts(), "", ""};
  el.text = ast::sourceText(ctx, whole->getSourceRange());
  el.indexText = ast::sourceText(ctx, index->getSourceRange());
  return el;
}

bool sameContainer(const Element& a, const Element& b) {
  return a.container == b.container && a.path == b.path;
}

// An index as `var + offset` (var null: a constant), `% N` remembered; or std::min/std::max of
// two operands.
struct Linear {
  const ValueDecl* var = nullptr;
  long long offset = 0;
  bool wraps = false;       // taken modulo something: i + 1 wraps to 0 at the end
  int extreme = 0;          // -1: std::min(x, y), +1: std::max(x, y)
  std::string operands;     // of the min/max, as written
};
Linear linearOf(const ValueDecl* var, long long offset, bool wraps = false) {
  Linear l;
  l.var = var;
  l.offset = offset;
  l.wraps = wraps;
  return l;
}

// Locals assigned or incremented anywhere in `body` (their initialiser is not their value).
void collectModified(const Stmt* s, std::set<const ValueDecl*>& out) {
  if (!s) return;
  if (const auto* u = dyn_cast<UnaryOperator>(s); u && u->isIncrementDecrementOp())
    if (const ValueDecl* d = ast::objectDecl(u->getSubExpr())) out.insert(d);
  if (const auto* b = dyn_cast<BinaryOperator>(s); b && b->isAssignmentOp())
    if (const ValueDecl* d = ast::objectDecl(b->getLHS())) out.insert(d);
  if (const auto* op = dyn_cast<CXXOperatorCallExpr>(s); op && op->isAssignmentOp() && op->getNumArgs() > 0)
    if (const ValueDecl* d = ast::objectDecl(op->getArg(0))) out.insert(d);
  for (const Stmt* c : s->children()) collectModified(c, out);
}

class Indexer {
 public:
  Indexer(const ASTContext& ctx, const Stmt* body) : ctx_(ctx) { collectModified(body, modified_); }

  std::optional<Linear> linear(const Expr* e, int depth = 0) const {
    if (!e || depth > 4) return std::nullopt;
    e = e->IgnoreParenImpCasts();
    if (const auto* lit = dyn_cast<IntegerLiteral>(e))
      return linearOf(nullptr, static_cast<long long>(lit->getValue().getLimitedValue(1u << 30)));
    if (const auto* ref = dyn_cast<DeclRefExpr>(e)) {
      const auto* v = dyn_cast<VarDecl>(ref->getDecl());
      if (!v) return std::nullopt;
      // A local initialised once and never assigned stands for its initialiser.
      if (v->isLocalVarDecl() && v->getInit() && !modified_.count(v) &&
          v->getType()->isIntegerType())
        if (auto l = linear(v->getInit(), depth + 1)) return l;
      if (v->getType()->isIntegerType()) return linearOf(v, 0);
      return std::nullopt;
    }
    if (const auto* b = dyn_cast<BinaryOperator>(e)) {
      if (b->getOpcode() == BO_Rem) {
        auto l = linear(b->getLHS(), depth + 1);
        if (l) l->wraps = true;
        return l;
      }
      if (b->getOpcode() == BO_Add || b->getOpcode() == BO_Sub) {
        auto l = linear(b->getLHS(), depth + 1), r = linear(b->getRHS(), depth + 1);
        if (!l || !r) return std::nullopt;
        long long sign = b->getOpcode() == BO_Add ? 1 : -1;
        if (!r->var && !r->extreme)
          return linearOf(l->var, l->offset + sign * r->offset, l->wraps || r->wraps);
        if (!l->var && !l->extreme && sign > 0)
          return linearOf(r->var, r->offset + l->offset, l->wraps || r->wraps);
      }
      return std::nullopt;
    }
    if (const auto* call = dyn_cast<CallExpr>(e)) {
      const FunctionDecl* fn = call->getDirectCallee();
      if (fn && fn->isInStdNamespace() && fn->getIdentifier() && call->getNumArgs() == 2 &&
          (fn->getName() == "min" || fn->getName() == "max")) {
        Linear l;
        l.extreme = fn->getName() == "min" ? -1 : 1;
        std::string a = ast::sourceText(ctx_, call->getArg(0)->getSourceRange());
        std::string b = ast::sourceText(ctx_, call->getArg(1)->getSourceRange());
        l.operands = a < b ? a + "," + b : b + "," + a;
        return l;
      }
    }
    return std::nullopt;
  }

 private:
  const ASTContext& ctx_;
  std::set<const ValueDecl*> modified_;
};

enum class Order { kUnknown, kSame, kAscending, kDescending, kWraps };

Order orderOf(const Indexer& ix, const Element& held, const Element& taken) {
  auto a = ix.linear(held.index), b = ix.linear(taken.index);
  if (!a || !b) return Order::kUnknown;
  if (a->extreme || b->extreme) {
    if (a->extreme && b->extreme && a->operands == b->operands && a->extreme != b->extreme)
      return a->extreme < b->extreme ? Order::kAscending : Order::kDescending;
    return Order::kUnknown;
  }
  if (a->var != b->var) return Order::kUnknown;
  if (a->offset == b->offset) return Order::kSame;
  if (a->var && (a->wraps || b->wraps)) return Order::kWraps;
  return b->offset > a->offset ? Order::kAscending : Order::kDescending;
}

struct Pair {
  const Stmt* acquire;
  Element held, taken;
  Order order;
};

// One function body: its element acquisitions and what each found held.
class FunctionWalk {
 public:
  FunctionWalk(ASTContext& ctx, const Stmt* body, std::vector<Pair>& out)
      : ctx_(ctx), ix_(ctx, body), out_(out) {
    walk(body);
  }

 private:
  // What `s` does to an element lock: +1 acquires, -1 releases, 0 neither.
  int action(const Stmt* s, Element& el) const {
    if (const auto* ds = dyn_cast<DeclStmt>(s); ds && ds->isSingleDecl()) {
      const auto* v = dyn_cast<VarDecl>(ds->getSingleDecl());
      if (!v || !v->getInit() || !vocab::isGuardDecl(s, /*withShared=*/false)) return 0;
      const auto* ctor = dyn_cast<CXXConstructExpr>(v->getInit()->IgnoreImplicit());
      if (!ctor || ctor->getNumArgs() != 1) return 0;  // defer_lock / try_to_lock / adopt_lock
      if (auto e = elementOf(ctx_, ctor->getArg(0))) {
        el = *e;
        return 1;
      }
      return 0;
    }
    const auto* e = dyn_cast<Expr>(s);
    const auto* call = e ? dyn_cast<CallExpr>(e->IgnoreImplicit()) : nullptr;
    const FunctionDecl* fn = call ? call->getDirectCallee() : nullptr;
    if (!fn || !fn->getIdentifier()) return 0;
    const Expr* target = nullptr;
    if (const auto* mc = dyn_cast<CXXMemberCallExpr>(call))
      target = mc->getImplicitObjectArgument();
    else if (call->getNumArgs() >= 1)
      target = call->getArg(0);
    // Exclusive acquisitions only: readers taking elements in opposite orders do not block
    // each other.
    int kind = vocab::takesLock(fn, /*withTry=*/false, /*exclusiveOnly=*/true) ? 1
               : vocab::releasesLock(fn)                                      ? -1
                                                                              : 0;
    if (kind == 0) return 0;
    if (auto x = elementOf(ctx_, target)) {
      el = *x;
      return kind;
    }
    return 0;
  }

  void acquire(const Stmt* s, const Element& el) {
    for (const auto* held : {&guards_, &locked_})
      for (const Element& h : *held)
        if (sameContainer(h, el) && h.indexText != el.indexText) record(s, h, el);
  }

  void record(const Stmt* s, const Element& held, const Element& taken) {
    Order o = orderOf(ix_, held, taken);
    if (o == Order::kAscending || o == Order::kDescending || o == Order::kWraps)
      out_.push_back({s, held, taken, o});
  }

  void release(const Element& el) {
    for (auto it = locked_.begin(); it != locked_.end(); ++it)
      if (sameContainer(*it, el) && it->indexText == el.indexText) {
        locked_.erase(it);
        return;
      }
  }

  // Unlocks in a loop body of elements the body does not lock: held when an iteration starts.
  void carriedInto(const Stmt* body) {
    std::vector<std::pair<int, Element>> acts;
    collectActions(body, acts);
    for (const auto& [kind, el] : acts) {
      if (kind != -1) continue;
      bool lockedHere = false;
      for (const auto& [k2, e2] : acts)
        if (k2 == 1 && sameContainer(e2, el) && e2.indexText == el.indexText) lockedHere = true;
      if (!lockedHere) locked_.push_back(el);
    }
  }
  void collectActions(const Stmt* s, std::vector<std::pair<int, Element>>& acts) const {
    if (!s || isa<LambdaExpr>(s)) return;
    Element el;
    if (int k = action(s, el)) {
      acts.push_back({k, el});
      return;
    }
    for (const Stmt* c : s->children()) collectActions(c, acts);
  }

  void walk(const Stmt* s) {
    if (!s) return;
    if (const auto* lambda = dyn_cast<LambdaExpr>(s)) {
      FunctionWalk(ctx_, lambda->getBody(), out_);
      return;
    }
    Element el;
    if (int k = action(s, el)) {
      if (k > 0) {
        acquire(s, el);
        (isa<DeclStmt>(s) ? guards_ : locked_).push_back(el);
      } else {
        release(el);
      }
      return;
    }
    if (const auto* block = dyn_cast<CompoundStmt>(s)) {
      std::size_t g = guards_.size();
      for (const Stmt* c : block->body()) walk(c);
      guards_.resize(g);  // guards end with their block
      return;
    }
    const Stmt* loopBody = nullptr;
    if (const auto* f = dyn_cast<ForStmt>(s)) loopBody = f->getBody();
    if (const auto* w = dyn_cast<WhileStmt>(s)) loopBody = w->getBody();
    if (const auto* d = dyn_cast<DoStmt>(s)) loopBody = d->getBody();
    if (const auto* r = dyn_cast<CXXForRangeStmt>(s)) loopBody = r->getBody();
    if (loopBody) {
      auto saved = locked_;
      for (const Stmt* c : s->children())
        if (c && c != loopBody) walk(c);
      carriedInto(loopBody);
      walk(loopBody);
      locked_ = saved;
      return;
    }
    for (const Stmt* c : s->children()) walk(c);
  }

  ASTContext& ctx_;
  Indexer ix_;
  std::vector<Pair>& out_;
  std::vector<Element> guards_, locked_;  // held: by a live guard / by a lock() call
};

class Collector : public RecursiveASTVisitor<Collector> {
 public:
  Collector(ASTContext& ctx, std::vector<Pair>& out) : ctx_(ctx), out_(out) {}
  bool shouldVisitTemplateInstantiations() const { return true; }
  bool shouldVisitLambdaBodies() const { return false; }  // walked with their function
  bool VisitFunctionDecl(FunctionDecl* fd) {
    if (!fd->hasBody() || !fd->doesThisDeclarationHaveABody() || fd->isDependentContext())
      return true;
    if (ctx_.getSourceManager().isInSystemHeader(fd->getLocation())) return true;
    FunctionWalk(ctx_, fd->getBody(), out_);
    return true;
  }

 private:
  ASTContext& ctx_;
  std::vector<Pair>& out_;
};

}  // namespace

std::vector<ElementFinding> findElementOrderInversions(ASTContext& ctx) {
  std::vector<Pair> pairs;
  Collector c(ctx, pairs);
  for (Decl* d : ctx.getTraversalScope()) c.TraverseDecl(d);
  const SourceManager& sm = ctx.getSourceManager();
  std::sort(pairs.begin(), pairs.end(), [&](const Pair& a, const Pair& b) {
    return sm.isBeforeInTranslationUnit(a.acquire->getBeginLoc(), b.acquire->getBeginLoc());
  });
  std::vector<ElementFinding> out;
  std::set<const Stmt*> reported;
  auto containerName = [](const Element& e) { return e.container->getNameAsString(); };
  // The wrap-around: one pattern is a cycle by itself.
  for (const Pair& p : pairs) {
    if (p.order != Order::kWraps || !reported.insert(p.acquire).second) continue;
    out.push_back({p.acquire, nullptr,
                   "'" + p.taken.text + "' is acquired while holding '" + p.held.text +
                       "': elements of '" + containerName(p.taken) + "' are locked in index order " +
                       p.held.indexText + " then " + p.taken.indexText +
                       ", and the wrap-around takes the last element before the first, closing a "
                       "cycle; threads taking these orders can deadlock (lock the lower index "
                       "first)",
                   ""});
  }
  // Opposite directions over one container: reported at the first pair of the direction seen
  // second, with a note at the first pair of the other.
  std::map<std::pair<const ValueDecl*, std::string>, std::map<Order, const Pair*>> first;
  for (const Pair& p : pairs) {
    if (p.order != Order::kAscending && p.order != Order::kDescending) continue;
    auto& seen = first[{p.taken.container, p.taken.path}];
    if (!seen.count(p.order)) seen[p.order] = &p;
  }
  for (auto& [key, seen] : first) {
    if (seen.size() < 2) continue;
    const Pair* a = seen[Order::kAscending];
    const Pair* d = seen[Order::kDescending];
    const Pair* later =
        sm.isBeforeInTranslationUnit(a->acquire->getBeginLoc(), d->acquire->getBeginLoc()) ? d : a;
    const Pair* earlier = later == a ? d : a;
    if (!reported.insert(later->acquire).second) continue;
    auto dir = [](const Pair* p) {
      return p->order == Order::kAscending ? std::string("ascending") : std::string("descending");
    };
    out.push_back({later->acquire, earlier->acquire,
                   "'" + later->taken.text + "' is acquired while holding '" + later->held.text +
                       "' (" + dir(later) + " index order), but elsewhere elements of '" +
                       containerName(later->taken) + "' are taken in " + dir(earlier) +
                       " order: threads taking both orders can deadlock",
                   "'" + earlier->taken.text + "' is acquired here while holding '" +
                       earlier->held.text + "' (" + dir(earlier) + ")"});
  }
  return out;
}

}  // namespace weft::analyzer::locks
