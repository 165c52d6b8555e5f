// The whole-program half of the lock checks: closing function facts over the call graph and
// turning them into lock-reentry and lock-order-inversion findings. See LockSummary.h.
#include "LockSummary.h"

#include <algorithm>
#include <deque>
#include <nlohmann/json.hpp>
#include <utility>

namespace weft::analyzer::locks {
namespace {

using nlohmann::json;

// Keys longer than this (a.next->next->next->mu) are dropped: they only arise from recursion
// through pointer fields, and they keep the closure finite.
constexpr size_t kMaxPath = 4;

const char* rootName(LockKey::Root r) {
  switch (r) {
    case LockKey::Root::kGlobal:
      return "global";
    case LockKey::Root::kThis:
      return "this";
    case LockKey::Root::kParam:
      return "param";
    case LockKey::Root::kLocal:
      return "local";
  }
  return "global";
}

LockKey::Root rootFrom(const std::string& s) {
  if (s == "this") return LockKey::Root::kThis;
  if (s == "param") return LockKey::Root::kParam;
  if (s == "local") return LockKey::Root::kLocal;
  if (s == "global") return LockKey::Root::kGlobal;
  throw std::runtime_error("unknown lock root '" + s + "'");
}

const char* kindName(LockKind k) {
  switch (k) {
    case LockKind::kNonRecursive:
      return "non-recursive";
    case LockKind::kRecursive:
      return "recursive";
    case LockKind::kUnknown:
      return "unknown";
  }
  return "unknown";
}

LockKind kindFrom(const std::string& s) {
  if (s == "non-recursive") return LockKind::kNonRecursive;
  if (s == "recursive") return LockKind::kRecursive;
  return LockKind::kUnknown;
}

json siteJson(const Site& s) { return {{"file", s.file}, {"line", s.line}, {"column", s.column}}; }
Site siteFrom(const json& j) {
  return {j.at("file").get<std::string>(), j.at("line").get<unsigned>(),
          j.at("column").get<unsigned>()};
}
json keyJson(const LockKey& k) {
  return {{"root", rootName(k.root)}, {"name", k.name}, {"path", k.path}};
}
LockKey keyFrom(const json& j) {
  LockKey k{rootFrom(j.at("root").get<std::string>()), j.at("name").get<std::string>(),
            j.at("path").get<std::vector<std::string>>()};
  if (k.root == LockKey::Root::kParam &&
      (k.name.empty() || k.name.size() > 4 ||
       k.name.find_first_not_of("0123456789") != std::string::npos))
    throw std::runtime_error("bad parameter index in lock facts");
  return k;
}
json heldJson(const HeldLock& h) {
  return {{"key", keyJson(h.key)}, {"kind", kindName(h.kind)}, {"spelling", h.spelling},
          {"type", h.type},         {"site", siteJson(h.site)}, {"group", h.group},
          {"cls", h.cls}, {"shared", h.shared}};
}
HeldLock heldFrom(const json& j) {
  return {keyFrom(j.at("key")),
          kindFrom(j.at("kind").get<std::string>()),
          j.at("spelling").get<std::string>(),
          j.at("type").get<std::string>(),
          siteFrom(j.at("site")),
          j.at("group").get<int>(),
          j.value("cls", std::string()),
          j.value("shared", false)};
}
// A list of facts as a JSON array, one element per fact by `toJson`, and back by `from`.
template <class T, class ToJson>
json listJson(const std::vector<T>& v, ToJson toJson) {
  json a = json::array();
  for (const T& x : v) a.push_back(toJson(x));
  return a;
}
template <class From>
auto listFrom(const json& j, From from) {
  std::vector<decltype(from(j))> v;
  for (const auto& e : j) v.push_back(from(e));
  return v;
}
json heldListJson(const std::vector<HeldLock>& v) { return listJson(v, heldJson); }
std::vector<HeldLock> heldListFrom(const json& j) { return listFrom(j, heldFrom); }
json optKeyJson(const std::optional<LockKey>& k) { return k ? keyJson(*k) : json(nullptr); }
std::optional<LockKey> optKeyFrom(const json& j) {
  if (j.is_null()) return std::nullopt;
  return keyFrom(j);
}

// ---- Closure over the call graph --------------------------------------------------------------

struct Step {
  Site site;           // the call
  std::string caller;  // the function making it
  std::string callee;
};

// "F acquires `lock` (in F's terms), possibly through the calls in `chain`".
struct TransAcq {
  HeldLock lock;         // key in F's terms; site, spelling and type of the final acquisition
  std::string acquirer;  // the function whose body holds the final acquisition
  std::vector<Step> chain;
  std::vector<ParamTest> requires_;  // F's parameters on the way to it (its first step in F)
};

// "F holds `from` while acquiring `to`", possibly in a callee.
struct Edge {
  HeldLock from;       // site: where `from` was taken
  HeldLock to;         // site: where `to` is finally acquired
  Site at;             // in the function holding `from`: the acquisition or the call leading to it
  std::string holder;  // that function
  std::string acquirer;  // the function whose body holds the final acquisition of `to`
  std::vector<Step> chain;
  std::vector<ParamTest> requires_;  // the holder's parameters on the way to `at`
};

bool isParam(const LockKey& k) { return k.root == LockKey::Root::kParam; }

std::string display(const LockKey& k, const std::string& fallback) {
  std::string s;
  switch (k.root) {
    case LockKey::Root::kGlobal:
      s = k.name;
      break;
    case LockKey::Root::kThis:
      break;
    default:
      return fallback;
  }
  for (const auto& p : k.path) s += (s.empty() ? "" : ".") + p;
  return s.empty() ? fallback : s;
}

// Maps a key of `callee`'s facts to the caller's terms at call `c`; nullopt when the callee's
// lock is not one the caller can name (another object, a callee-local mutex).
std::optional<LockKey> mapKey(const LockKey& k, const Call& c, const FunctionFacts& callee) {
  std::optional<LockKey> out;
  auto extend = [&](const LockKey& base) {
    LockKey r = base;
    r.path.insert(r.path.end(), k.path.begin(), k.path.end());
    return r;
  };
  switch (k.root) {
    case LockKey::Root::kGlobal:
      out = k;
      break;
    case LockKey::Root::kThis:
      if (c.binding.receiver == CallBinding::Receiver::kSame)
        out = k;
      else if (c.binding.receiver == CallBinding::Receiver::kKey && c.binding.receiverKey)
        out = extend(*c.binding.receiverKey);
      break;
    case LockKey::Root::kParam: {
      size_t i = std::stoul(k.name);
      if (i < c.binding.args.size() && c.binding.args[i]) out = extend(*c.binding.args[i]);
      break;
    }
    case LockKey::Root::kLocal:
      // A callee's own automatic mutex is a new object per call (recursion included); only a
      // lambda's captured locals are the caller's.
      if (callee.isLambda) out = k;
      break;
  }
  if (out && out->path.size() > kMaxPath) return std::nullopt;
  return out;
}

bool contains(const std::vector<LockKey>& v, const LockKey& k) {
  return std::find(v.begin(), v.end(), k) != v.end();
}

struct Closure {
  std::map<std::string, std::map<LockKey, TransAcq>> acq;
  std::map<std::string, std::map<std::pair<LockKey, LockKey>, Edge>> edges;
};

// False when one of `tests` fails for the constant arguments of `c`: the path in the callee
// that they guard cannot run from this call.
bool feasible(const std::vector<ParamTest>& tests, const Call& c) {
  return feasible(tests, c.constants);
}

// Which of two ways a function takes a lock (or of two edges between the same pair of locks)
// to keep: a write acquisition conflicts with every holder, a read one only with writers.
bool stronger(const TransAcq& a, const TransAcq& b) { return !a.lock.shared && b.lock.shared; }
int exclusiveSides(const Edge& e) { return !e.from.shared + !e.to.shared; }
bool stronger(const Edge& a, const Edge& b) { return exclusiveSides(a) > exclusiveSides(b); }

// Puts `v` at `k` unless an entry at least as strong is there; true if the map changed.
template <typename Map, typename V>
bool putStronger(Map& m, const typename Map::key_type& k, V&& v) {
  auto [it, fresh] = m.emplace(k, v);
  if (fresh) return true;
  if (!stronger(v, it->second)) return false;
  it->second = std::forward<V>(v);
  return true;
}

Closure close(const Facts& facts) {
  Closure cl;
  for (const auto& [id, f] : facts.functions) {
    auto& mine = cl.acq[id];
    auto& edges = cl.edges[id];
    for (const auto& a : f.acquisitions) {
      if (!a.releasedOuter)
        putStronger(mine, a.lock.key, TransAcq{a.lock, f.name, {}, a.requires_});
      for (const auto& h : a.held) {
        if (h.key == a.lock.key) continue;
        // std::scoped_lock(a, b) / std::lock(a, b) avoid deadlock among their arguments.
        if (h.group >= 0 && h.group == a.lock.group) continue;
        putStronger(edges, std::pair{h.key, a.lock.key},
                     Edge{h, a.lock, a.lock.site, f.name, f.name, {}, a.requires_});
      }
    }
  }
  bool changed = true;
  while (changed) {
    changed = false;
    for (const auto& [id, f] : facts.functions) {
      for (const auto& c : f.calls) {
        auto calleeIt = facts.functions.find(c.callee);
        if (calleeIt == facts.functions.end()) continue;
        const FunctionFacts& callee = calleeIt->second;
        // Copies: `id` may be the callee itself (recursion).
        const auto calleeAcq = cl.acq[c.callee];
        const auto calleeEdges = cl.edges[c.callee];
        auto& mine = cl.acq[id];
        auto& edges = cl.edges[id];
        for (const auto& [k, t] : calleeAcq) {
          auto mk = mapKey(k, c, callee);
          if (!mk || contains(c.releasedOuter, *mk) || !feasible(t.requires_, c)) continue;
          TransAcq nt = t;
          nt.requires_ = c.requires_;
          nt.lock.key = *mk;
          nt.lock.spelling = display(*mk, t.lock.spelling);
          nt.chain.insert(nt.chain.begin(), Step{c.site, f.name, c.calleeName});
          for (const auto& h : c.held) {
            if (h.key == *mk) continue;
            if (putStronger(edges, std::pair{h.key, *mk},
                             Edge{h, nt.lock, c.site, f.name, nt.acquirer, nt.chain, c.requires_}))
              changed = true;
          }
          if (putStronger(mine, *mk, std::move(nt))) changed = true;
        }
        for (const auto& [pair, e] : calleeEdges) {
          if (!feasible(e.requires_, c)) continue;
          auto mf = mapKey(pair.first, c, callee);
          auto mt = mapKey(pair.second, c, callee);
          if (!mf || !mt || *mf == *mt) continue;
          // Edges between two fields of the callee's object, seen through another object, are
          // the class-level edge again under a second name: keep the class-level one only.
          if (c.binding.receiver != CallBinding::Receiver::kSame &&
              pair.first.root == LockKey::Root::kThis && pair.second.root == LockKey::Root::kThis)
            continue;
          Edge ne = e;
          ne.from.key = *mf;
          ne.from.spelling = display(*mf, e.from.spelling);
          ne.to.key = *mt;
          ne.to.spelling = display(*mt, e.to.spelling);
          ne.chain.insert(ne.chain.begin(), Step{c.site, f.name, c.calleeName});
          ne.at = c.site;
          ne.holder = f.name;
          ne.requires_ = c.requires_;
          if (putStronger(edges, std::pair{*mf, *mt}, std::move(ne))) changed = true;
        }
      }
    }
  }
  return cl;
}

bool isNonDefault(const Facts& facts, const LockKey& k) {
  if (facts.nonDefault.count(k)) return true;
  for (const auto& nd : facts.nonDefault) {
    // A field initialised as recursive in its constructor is recursive whichever object holds
    // it: compare the field path's tail.
    if (nd.root != LockKey::Root::kThis || nd.path.size() > k.path.size()) continue;
    if (std::equal(nd.path.rbegin(), nd.path.rend(), k.path.rbegin())) return true;
  }
  return false;
}

std::string q(const std::string& s) { return "'" + s + "'"; }

void addChainNotes(std::vector<Note>& notes, const std::vector<Step>& chain, size_t from,
                     const HeldLock& finalLock, const std::string& acquirer) {
  for (size_t i = from; i < chain.size(); ++i)
    notes.push_back(
        {chain[i].site, q(chain[i].caller) + " calls " + q(chain[i].callee) + " here", true});
  notes.push_back(
      {finalLock.site, q(acquirer) + " acquires " + q(finalLock.spelling) + " here", true});
}

void sortUnique(std::vector<Finding>& out) {
  // Several paths may lead to one finding: keep the one whose first note comes first.
  auto firstNote = [](const Finding& f) { return f.notes.empty() ? Site{} : f.notes[0].site; };
  std::sort(out.begin(), out.end(), [&](const Finding& a, const Finding& b) {
    return std::tie(a.site, a.message) < std::tie(b.site, b.message) ||
           (std::tie(a.site, a.message) == std::tie(b.site, b.message) &&
            firstNote(a) < firstNote(b));
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Finding& a, const Finding& b) {
                          return a.site == b.site && a.message == b.message;
                        }),
            out.end());
}

}  // namespace

bool someCallerHolds(const Facts& facts, const FunctionFacts& callee, const LockKey& k,
                     const std::vector<ParamTest>& tests) {
  for (const auto& [id, caller] : facts.functions)
    for (const Call& c : caller.calls) {
      if (c.callee != callee.id || !feasible(tests, c.constants)) continue;
      std::optional<LockKey> mk = mapKey(k, c, callee);
      if (!mk) continue;
      for (const HeldLock& h : c.held)
        if (h.key == *mk) return true;
    }
  return false;
}

bool overlaps(const LockKey& a, const LockKey& b) {
  if (a.root != b.root || a.name != b.name) return false;
  size_t n = std::min(a.path.size(), b.path.size());
  return std::equal(a.path.begin(), a.path.begin() + n, b.path.begin());
}

bool sameLock(const LockKey& a, const LockKey& b) {
  if (a == b) return true;
  if (a.path.empty() || b.path.empty() || a.path.back() != b.path.back()) return false;
  return !(a.root == LockKey::Root::kThis && b.root == LockKey::Root::kThis && a.name != b.name);
}

bool handsOver(const FunctionFacts& fn, const LockKey& k, const std::vector<unsigned>* among) {
  for (const Call& c : fn.calls) {
    if (among) {
      bool listed = false;
      for (unsigned i : *among)
        if (i < fn.callees.size() && fn.callees[i].id == c.callee) listed = true;
      if (!listed) continue;
    }
    if (c.binding.receiverKey && overlaps(*c.binding.receiverKey, k)) return true;
    for (const auto& a : c.binding.args)
      if (a && overlaps(*a, k)) return true;
  }
  return false;
}

std::string releaseNote(const Release& r) {
  std::string text = "'";
  text.append(r.text);
  switch (r.kind) {
    case Release::Kind::kUnlock:
      text.append("' released it here");
      break;
    case Release::Kind::kDeferred:
      text.append("' was constructed with std::defer_lock");
      break;
    case Release::Kind::kScopeEnd:
      text.append("' released it here, at the end of its scope");
      break;
    case Release::Kind::kNoMutex:
      text.append("' was constructed without a mutex");
      break;
  }
  return text;
}

std::string shortName(const std::string& qualified) {
  size_t at = qualified.rfind("::");
  return at == std::string::npos ? qualified : qualified.substr(at + 2);
}

std::string shortName(const LockKey& k) {
  if (!k.path.empty()) return k.path.back();
  return shortName(k.name);
}

namespace {

// A function named as called with its lock held (`flush_locked`, `RefreshLocked`).
bool lockedHelperName(const std::string& name) {
  for (const char* suffix : {"Locked", "_locked", "_locked_", "LockHeld", "_lock_held"}) {
    std::string s(suffix);
    if (name.size() >= s.size() && name.compare(name.size() - s.size(), std::string::npos, s) == 0)
      return true;
  }
  return false;
}

// One question of unheldAt: the facts, the lock's name for the notes, the functions on the
// chain being followed, and the answers of "may this callee take or release the lock".
class UnheldWalk {
 public:
  UnheldWalk(const Facts& facts, const std::string& lockName)
      : facts_(facts), lockName_(lockName) {}

  Unheld at(const FunctionFacts& fn, const LockKey& k, const PointState& p,
            const std::vector<ParamTest>& tests, int depth) {
    for (const LockKey& m : p.mayHold)
      if (sameLock(m, k)) return {};
    const Release* r = nullptr;
    if (auto it = p.released.find(k); it != p.released.end()) r = &it->second;
    for (const auto& [key, rel] : p.released)
      if (!r && sameLock(key, k)) r = &rel;
    if (r) {
      if (touchedBy(fn, r->callsSince, k)) return {};
      return {Unheld::Path::kReleased, {{r->site, releaseNote(*r), false}}};
    }
    if (touchedBy(fn, p.callsBefore, k)) return {};
    Unheld e = entry(fn, k, tests, depth);
    // Taken on some path here and let go: not held, but not "never taken" either.
    for (const LockKey& t : p.taken)
      if (e.path == Unheld::Path::kNeverTaken && sameLock(t, k)) e.path = Unheld::Path::kReleased;
    return e;
  }

 private:
  // May one of the calls `which` of `fn` take or release `k`: a callee handed it, a callee
  // whose body is not here, or one that takes, releases or waits with a lock of that name
  // (directly or through its own calls)?
  bool touchedBy(const FunctionFacts& fn, const std::vector<unsigned>& which, const LockKey& k) {
    if (which.empty()) return false;
    if (handsOver(fn, k, &which)) return true;
    for (unsigned i : which) {
      if (i >= fn.callees.size() || unseen(fn.callees[i])) return true;
      if (mayTouch(fn.callees[i].id, k, 0)) return true;
    }
    return false;
  }

  // A callee whose body is in none of the facts' TUs (or called through a pointer). Opaque in
  // its caller's TU, it may be defined in another whose facts were merged in.
  bool unseen(const Callee& c) const {
    return c.opaque && (c.id.empty() || !facts_.functions.count(c.id));
  }

  bool mayTouch(const std::string& id, const LockKey& k, int depth) {
    if (depth > 16) return true;
    auto found = facts_.functions.find(id);
    if (found == facts_.functions.end()) return false;  // a body without lock facts
    auto [memo, fresh] = touch_.emplace(id, false);     // false while in progress (recursion)
    if (!fresh) return memo->second;
    const FunctionFacts& f = found->second;
    bool r = false;
    for (const Acquisition& a : f.acquisitions) r = r || sameLock(a.lock.key, k);
    for (const LockKey& t : f.touches) r = r || sameLock(t, k);
    for (const CondOp& op : f.condOps) r = r || (op.lock && sameLock(*op.lock, k));
    for (const Call& c : f.calls) {
      if (c.binding.receiverKey && sameLock(*c.binding.receiverKey, k)) r = true;
      for (const auto& a : c.binding.args) r = r || (a && sameLock(*a, k));
    }
    for (const Callee& c : f.callees)
      if (!r) r = unseen(c) || mayTouch(c.id, k, depth + 1);
    touch_[id] = r;
    return r;
  }

  Unheld entry(const FunctionFacts& fn, const LockKey& k, const std::vector<ParamTest>& tests,
               int depth) {
    if (fn.isLambda) {
      // A lambda started as a thread holds nothing; other lambdas run wherever they are called.
      if (fn.threadStarts.empty()) return {};
      return {Unheld::Path::kNeverTaken,
              {{fn.threadStarts.front(),
                "this lambda starts here as a new thread, holding no lock", true}}};
    }
    // A bare parameter or local (`pthread_cond_wait(&c, mu)` with `mu` a parameter): callers
    // may pass anything, so its paths are not followed.
    bool named = k.root == LockKey::Root::kGlobal || k.root == LockKey::Root::kThis ||
                 !k.path.empty();
    std::string name = shortName(fn.name);
    if (!named || depth > 8 || visiting_.count(fn.id) || fn.requiresLock ||
        lockedHelperName(name))
      return {};
    std::string quotedName = "'";
    quotedName.append(name);
    quotedName.append("'");
    if (fn.isMain) {
      std::string text = quotedName;
      text.append(" starts holding no lock");
      return {Unheld::Path::kNeverTaken, {{fn.site, text, false}}};
    }
    if (fn.addressTaken) return {};
    std::vector<std::pair<const FunctionFacts*, const Call*>> callers;
    for (const auto& [id, caller] : facts_.functions)
      for (const Call& c : caller.calls)
        if (c.callee == fn.id) callers.push_back({&caller, &c});
    std::sort(callers.begin(), callers.end(),
              [](const auto& a, const auto& b) { return a.second->site < b.second->site; });
    // A function other files may call (external linkage) is followed only in a program's main
    // file (the TU defines main()).
    if (fn.threadStarts.empty() && (callers.empty() || (fn.external && !facts_.hasMain)))
      return {};
    visiting_.insert(fn.id);
    Unheld out{Unheld::Path::kNeverTaken, {}};
    bool throughExternal = fn.external && !callers.empty();
    if (!fn.threadStarts.empty()) {
      std::string text = quotedName;
      text.append(" starts here as a new thread, holding no lock");
      out.notes.push_back({fn.threadStarts.front(), text, true});
    }
    bool any = !fn.threadStarts.empty();
    for (const auto& [caller, call] : callers) {
      // A caller whose constant arguments rule out the way to the point is not a path to it.
      if (!feasible(tests, call->constants)) continue;
      any = true;
      std::optional<LockKey> mk = mapKey(k, *call, fn);
      Unheld c = at(*caller, mk ? *mk : k, call->at, call->requires_, depth + 1);
      if (c.path == Unheld::Path::kUnknown) {
        out = {};
        break;
      }
      if (c.path == Unheld::Path::kReleased) out.path = Unheld::Path::kReleased;
      throughExternal = throughExternal || c.throughExternal;
      if (out.notes.empty()) {
        out.notes = std::move(c.notes);
        std::string text = "it";
        if (!caller->isLambda) {
          text = "'";
          text.append(shortName(caller->name));
          text.append("'");
        }
        text.append(" calls ");
        text.append(quotedName);
        text.append(" here without holding '");
        text.append(lockName_);
        text.append("'");
        out.notes.push_back({call->site, text, true});
      }
    }
    visiting_.erase(fn.id);
    if (!any) return {};  // no path reaches it
    out.throughExternal = out.path != Unheld::Path::kUnknown && throughExternal;
    return out;
  }

  const Facts& facts_;
  const std::string& lockName_;
  std::set<std::string> visiting_;
  std::map<std::string, bool> touch_;
};

}  // namespace

Unheld unheldAt(const Facts& facts, const FunctionFacts& fn, const LockKey& k,
                const PointState& at, const std::vector<ParamTest>& tests,
                const std::string& lockName) {
  return UnheldWalk(facts, lockName).at(fn, k, at, tests, 0);
}

std::string LockKey::str() const {
  std::string s = std::string(rootName(root)) + ":" + name;
  for (const auto& p : path) s += "." + p;
  return s;
}

void Facts::merge(const Facts& other) {
  for (const auto& [id, f] : other.functions) functions.emplace(id, f);
  nonDefault.insert(other.nonDefault.begin(), other.nonDefault.end());
  handoff.insert(other.handoff.begin(), other.handoff.end());
  hasMain = hasMain || other.hasMain;
}

Facts mergePrograms(std::vector<Facts> parts) {
  // The files defining each id (a function's site is in its definition; an inline function of a
  // header is one definition whichever TU saw it).
  std::map<std::string, std::set<std::string>> files;
  for (const Facts& p : parts)
    for (const auto& [id, f] : p.functions) files[id].insert(f.site.file);
  auto alias = [](const std::string& id, const std::string& file) {
    std::string a = id;
    a.append("\x1f");
    a.append(file);
    return a;
  };
  std::set<std::string> calledBlind;  // ambiguous ids called from a TU that does not define them
  for (Facts& p : parts) {
    std::map<std::string, std::string> own;  // ambiguous id defined here -> its alias
    for (const auto& [id, f] : p.functions)
      if (files[id].size() > 1) own.emplace(id, alias(id, f.site.file));
    auto rename = [&](std::string& id) {
      if (auto it = own.find(id); it != own.end()) {
        id = it->second;
      } else if (auto d = files.find(id); d != files.end() && d->second.size() > 1) {
        calledBlind.insert(id);
      }
    };
    std::map<std::string, FunctionFacts> renamed;
    for (auto& [id, f] : p.functions) {
      for (Call& c : f.calls) rename(c.callee);
      for (Callee& c : f.callees)
        if (!c.id.empty()) rename(c.id);
      auto it = own.find(id);
      f.id = it == own.end() ? id : it->second;
      std::string key = f.id;
      renamed.emplace(std::move(key), std::move(f));
    }
    p.functions = std::move(renamed);
  }
  Facts out;
  for (const Facts& p : parts) out.merge(p);
  for (const std::string& id : calledBlind)
    for (const std::string& file : files[id])
      if (auto it = out.functions.find(alias(id, file)); it != out.functions.end())
        it->second.addressTaken = true;
  return out;
}

namespace {
json testsJson(const std::vector<ParamTest>& tests) {
  return listJson(tests, [](const ParamTest& t) { return json{t.param, t.equal, t.value}; });
}

std::vector<ParamTest> testsFrom(const json& j) {
  return listFrom(j, [](const json& t) {
    return ParamTest{t.at(0).get<unsigned>(), t.at(1).get<bool>(), t.at(2).get<std::int64_t>()};
  });
}

json constantsJson(const std::vector<std::optional<std::int64_t>>& values) {
  json out = json::array();
  for (const auto& v : values) out.push_back(v ? json(*v) : json(nullptr));
  return out;
}

// The point states and entry facts (wait-/notify-without-lock's unheldAt over merged facts).
json keysJson(const std::vector<LockKey>& keys) { return listJson(keys, keyJson); }
std::vector<LockKey> keysFrom(const json& j) { return listFrom(j, keyFrom); }
json releaseJson(const Release& r) {
  return {{"site", siteJson(r.site)},
          {"text", r.text},
          {"kind", static_cast<int>(r.kind)},
          {"calls_since", r.callsSince}};
}
Release releaseFrom(const json& j) {
  int kind = j.value("kind", 0);
  if (kind < 0 || kind > 3) throw std::runtime_error("bad release kind in lock facts");
  return {siteFrom(j.at("site")), j.at("text").get<std::string>(),
          static_cast<Release::Kind>(kind),
          j.value("calls_since", std::vector<unsigned>())};
}
json pointJson(const PointState& p) {
  json released = json::array();
  for (const auto& [k, r] : p.released) released.push_back({{"key", keyJson(k)}, {"release", releaseJson(r)}});
  return {{"may_hold", keysJson(p.mayHold)},
          {"released", released},
          {"calls_before", p.callsBefore},
          {"taken", keysJson(p.taken)}};
}
PointState pointFrom(const json& j) {
  PointState p;
  p.mayHold = keysFrom(j.at("may_hold"));
  for (const auto& r : j.at("released"))
    p.released.emplace(keyFrom(r.at("key")), releaseFrom(r.at("release")));
  p.callsBefore = j.at("calls_before").get<std::vector<unsigned>>();
  p.taken = keysFrom(j.at("taken"));
  return p;
}
}  // namespace

nlohmann::json toJson(const Facts& facts, bool pointStates) {
  json fns = json::array();
  for (const auto& [id, f] : facts.functions) {
    json acqs = json::array();
    for (const auto& a : f.acquisitions)
      acqs.push_back({{"lock", heldJson(a.lock)},
                      {"held", heldListJson(a.held)},
                      {"released_outer", a.releasedOuter},
                      {"requires", testsJson(a.requires_)}});
    json calls = json::array();
    for (const auto& c : f.calls) {
      json args = json::array();
      for (const auto& a : c.binding.args) args.push_back(optKeyJson(a));
      json released = json::array();
      for (const auto& k : c.releasedOuter) released.push_back(keyJson(k));
      calls.push_back({{"callee", c.callee},
                       {"callee_name", c.calleeName},
                       {"site", siteJson(c.site)},
                       {"receiver", static_cast<int>(c.binding.receiver)},
                       {"receiver_key", optKeyJson(c.binding.receiverKey)},
                       {"args", args},
                       {"held", heldListJson(c.held)},
                       {"released_outer", released},
                       {"requires", testsJson(c.requires_)},
                       {"constants", constantsJson(c.constants)}});
      if (pointStates) calls.back()["at"] = pointJson(c.at);
    }
    json ops = json::array();
    for (const auto& o : f.condOps) {
      json must = json::array(), may = json::array();
      for (const auto& k : o.mustHold) must.push_back(keyJson(k));
      for (const auto& k : o.at.mayHold) may.push_back(keyJson(k));
      ops.push_back({{"op", o.event ? "event" : o.wait ? "wait" : "notify"},
                     {"cond", optKeyJson(o.cond)},
                     {"lock", optKeyJson(o.lock)},
                     {"site", siteJson(o.site)},
                     {"must_hold", must},
                     {"may_hold", may},
                     {"requires", testsJson(o.requires_)}});
      if (o.released)
        ops.back()["released"] = pointStates ? releaseJson(*o.released)
                                             : json{{"site", siteJson(o.released->site)},
                                                    {"text", o.released->text}};
      if (pointStates) ops.back()["at"] = pointJson(o.at);
    }
    fns.push_back({{"id", id},
                   {"name", f.name},
                   {"lambda", f.isLambda},
                   {"acquisitions", acqs},
                   {"calls", calls},
                   {"cond_ops", ops}});
    if (pointStates) {
      json starts = json::array(), callees = json::array();
      for (const Site& t : f.threadStarts) starts.push_back(siteJson(t));
      for (const Callee& c : f.callees) callees.push_back({c.id, c.opaque});
      json& e = fns.back();
      e["site"] = siteJson(f.site);
      e["main"] = f.isMain;
      e["external"] = f.external;
      e["requires_lock"] = f.requiresLock;
      e["address_taken"] = f.addressTaken;
      e["thread_starts"] = starts;
      e["callees"] = callees;
      e["touches"] = keysJson(f.touches);
    }
  }
  json nd = json::array();
  for (const auto& k : facts.nonDefault) nd.push_back(keyJson(k));
  json ho = json::array();
  for (const auto& k : facts.handoff) ho.push_back(keyJson(k));
  json out = {{"version", 1}, {"functions", fns}, {"non_default", nd}, {"handoff", ho}};
  if (pointStates) out["has_main"] = facts.hasMain;
  return out;
}

Facts factsFromJson(const nlohmann::json& j) {
  if (j.value("version", 0) != 1) throw std::runtime_error("unsupported lock facts version");
  Facts facts;
  for (const auto& jf : j.at("functions")) {
    FunctionFacts f;
    f.id = jf.at("id").get<std::string>();
    f.name = jf.at("name").get<std::string>();
    f.isLambda = jf.at("lambda").get<bool>();
    for (const auto& ja : jf.at("acquisitions"))
      f.acquisitions.push_back({heldFrom(ja.at("lock")), heldListFrom(ja.at("held")),
                                ja.at("released_outer").get<bool>(),
                                testsFrom(ja.value("requires", json::array()))});
    for (const auto& jc : jf.at("calls")) {
      Call c;
      c.callee = jc.at("callee").get<std::string>();
      c.calleeName = jc.at("callee_name").get<std::string>();
      c.site = siteFrom(jc.at("site"));
      int r = jc.at("receiver").get<int>();
      if (r < 0 || r > 2) throw std::runtime_error("bad receiver in lock facts");
      c.binding.receiver = static_cast<CallBinding::Receiver>(r);
      c.binding.receiverKey = optKeyFrom(jc.at("receiver_key"));
      for (const auto& a : jc.at("args")) c.binding.args.push_back(optKeyFrom(a));
      c.held = heldListFrom(jc.at("held"));
      for (const auto& k : jc.at("released_outer")) c.releasedOuter.push_back(keyFrom(k));
      c.requires_ = testsFrom(jc.value("requires", json::array()));
      for (const auto& v : jc.value("constants", json::array()))
        c.constants.push_back(v.is_null() ? std::nullopt
                                          : std::optional<std::int64_t>(v.get<std::int64_t>()));
      if (const auto at = jc.find("at"); at != jc.end()) c.at = pointFrom(*at);
      f.calls.push_back(std::move(c));
    }
    for (const auto& jo : jf.value("cond_ops", json::array())) {
      CondOp o;
      o.event = jo.at("op").get<std::string>() == "event";
      o.wait = o.event || jo.at("op").get<std::string>() == "wait";
      o.cond = optKeyFrom(jo.at("cond"));
      o.lock = optKeyFrom(jo.at("lock"));
      o.site = siteFrom(jo.at("site"));
      for (const auto& k : jo.at("must_hold")) o.mustHold.push_back(keyFrom(k));
      for (const auto& k : jo.at("may_hold")) o.at.mayHold.push_back(keyFrom(k));
      o.requires_ = testsFrom(jo.value("requires", json::array()));
      if (const auto r = jo.find("released"); r != jo.end()) o.released = releaseFrom(*r);
      if (const auto at = jo.find("at"); at != jo.end()) {
        o.at = pointFrom(*at);
      }
      f.condOps.push_back(std::move(o));
    }
    if (const auto site = jf.find("site"); site != jf.end()) {
      f.site = siteFrom(*site);
      f.isMain = jf.value("main", false);
      f.external = jf.value("external", false);
      f.requiresLock = jf.value("requires_lock", false);
      f.addressTaken = jf.value("address_taken", false);
      for (const auto& t : jf.at("thread_starts")) f.threadStarts.push_back(siteFrom(t));
      for (const auto& c : jf.at("callees"))
        f.callees.push_back({c.at(0).get<std::string>(), c.at(1).get<bool>()});
      f.touches = keysFrom(jf.at("touches"));
    }
    facts.functions.emplace(f.id, std::move(f));
  }
  for (const auto& k : j.at("non_default")) facts.nonDefault.insert(keyFrom(k));
  for (const auto& k : j.value("handoff", json::array())) facts.handoff.insert(keyFrom(k));
  facts.hasMain = j.value("has_main", false);
  return facts;
}

// " for reading" / " for writing" when a reader takes part in a re-acquisition (`either` is
// then true), "" otherwise: two write locks read as any double lock does.
std::string modeOf(const HeldLock& h, bool either) {
  if (!either) return "";
  return h.shared ? " for reading" : " for writing";
}

std::string whyDeadlock(const HeldLock& held, const HeldLock& again) {
  if (held.shared)
    return "a writer waits for every reader to leave, this thread included, so the thread "
           "deadlocks (an upgrade needs the read lock released first)";
  if (again.shared)
    return "a reader waits for the writer to leave, and the writer is this thread, so the thread "
           "deadlocks";
  return q(again.type) + " is not reentrant, so the thread deadlocks";
}

std::vector<Finding> findReentries(const Facts& facts) {
  std::vector<Finding> out;
  auto reportable = [&](const HeldLock& h) {
    // Recursive mutexes may be re-acquired by their owner; unknown kinds are not guessed at.
    // A weft::Lock may be released by another thread (Python's Lock is a binary semaphore too):
    // handed off, its second acquire is how the thread waits.
    return h.kind == LockKind::kNonRecursive && !isNonDefault(facts, h.key) &&
           !(h.type == "weft::Lock" && facts.handoff.count(h.key));
  };
  // A mutex used as a signal between threads (another function unlocks it without locking it):
  // the re-lock is still a re-lock of a mutex this thread owns; the note names the real design.
  auto handoffNote = [&](const HeldLock& h, std::vector<Note>& notes) {
    if (facts.handoff.count(h.key))
      notes.push_back({h.site, q(h.spelling) + " is also unlocked by a function that never locks "
                               "it: only the owner may unlock a mutex; to signal another thread "
                               "use a semaphore (std::binary_semaphore, sem_t)"});
  };
  for (const auto& [id, f] : facts.functions) {
    for (const auto& a : f.acquisitions) {
      for (const auto& h : a.held) {
        if (h.key != a.lock.key || !reportable(a.lock) || (h.shared && a.lock.shared)) continue;
        out.push_back({"lock-reentry",
                       a.lock.site,
                       q(a.lock.spelling) + " is acquired" + modeOf(a.lock, h.shared || a.lock.shared) +
                           " while already held" + modeOf(h, h.shared || a.lock.shared) + " on this path; " +
                           whyDeadlock(h, a.lock),
                       {{h.site, q(h.spelling) + " was first acquired here" +
                                     modeOf(h, h.shared || a.lock.shared)}}});
        handoffNote(h, out.back().notes);
        break;
      }
    }
  }
  Closure cl = close(facts);
  for (const auto& [id, f] : facts.functions) {
    for (const auto& c : f.calls) {
      auto calleeIt = facts.functions.find(c.callee);
      if (calleeIt == facts.functions.end()) continue;
      for (const auto& h : c.held) {
        if (!reportable(h)) continue;
        for (const auto& [k, t] : cl.acq[c.callee]) {
          auto mk = mapKey(k, c, calleeIt->second);
          if (!mk || *mk != h.key || contains(c.releasedOuter, *mk)) continue;
          if (h.shared && t.lock.shared) continue;  // a nested read lock
          if (!feasible(t.requires_, c)) continue;  // a branch this call's constants rule out
          // Reported at the re-acquisition, like a direct one; the path there is in the notes.
          Finding fd{"lock-reentry",
                     t.lock.site,
                     q(t.lock.spelling) + " is acquired" + modeOf(t.lock, h.shared || t.lock.shared) +
                         " while already held" + modeOf(h, h.shared || t.lock.shared) + " by a caller; " +
                         whyDeadlock(h, t.lock),
                     {{h.site, q(h.spelling) + " was first acquired here" +
                                   modeOf(h, h.shared || t.lock.shared) + ", in " + q(f.name)}}};
          fd.notes.push_back({c.site, q(f.name) + " calls " + q(c.calleeName) + " here", true});
          for (const Step& st : t.chain)
            fd.notes.push_back({st.site, q(st.caller) + " calls " + q(st.callee) + " here", true});
          handoffNote(h, fd.notes);
          out.push_back(std::move(fd));
          break;
        }
      }
    }
  }
  sortUnique(out);
  return out;
}

std::vector<Finding> findOrderInversions(const Facts& facts) {
  Closure cl = close(facts);
  // One edge per ordered pair of locks program-wide: the earliest site wins (deterministic).
  std::map<std::pair<LockKey, LockKey>, Edge> graph;
  for (const auto& [id, edges] : cl.edges) {
    for (const auto& [pair, e] : edges) {
      if (isParam(pair.first) || isParam(pair.second)) continue;  // not a program-wide name
      auto [it, fresh] = graph.emplace(pair, e);
      if (!fresh && (stronger(e, it->second) ||
                     (exclusiveSides(e) == exclusiveSides(it->second) && e.at < it->second.at)))
        it->second = e;
    }
  }
  std::map<LockKey, std::vector<LockKey>> succ;
  for (const auto& [pair, e] : graph) succ[pair.first].push_back(pair.second);

  // Shortest path `from` -> ... -> `to` (breadth-first), empty if none.
  auto path = [&](const LockKey& from, const LockKey& to) {
    std::map<LockKey, LockKey> parent;
    std::deque<LockKey> queue{from};
    parent.emplace(from, from);
    while (!queue.empty()) {
      LockKey u = queue.front();
      queue.pop_front();
      if (u == to) break;
      for (const auto& v : succ[u])
        if (parent.emplace(v, u).second) queue.push_back(v);
    }
    std::vector<LockKey> p;
    if (!parent.count(to)) return p;
    for (LockKey v = to; !(v == from); v = parent.at(v)) p.push_back(v);
    p.push_back(from);
    std::reverse(p.begin(), p.end());
    return p;
  };

  std::vector<Finding> out;
  std::set<std::vector<LockKey>> seen;
  // Edges latest first, so each cycle is reported at the acquisition of its latest edge (in
  // file order: typically the path written, and run, second).
  std::vector<const Edge*> ordered;
  for (const auto& [pair, e] : graph) ordered.push_back(&e);
  std::sort(ordered.begin(), ordered.end(), [](const Edge* a, const Edge* b) {
    return std::tie(a->to.site, a->at) > std::tie(b->to.site, b->at);
  });
  for (const Edge* e0 : ordered) {
    std::vector<LockKey> back = path(e0->to.key, e0->from.key);  // to ... from
    if (back.empty()) continue;
    // Each lock of the cycle is wanted by one edge and held by the next: the threads block
    // each other only where one of the two sides writes (readers share a lock).
    bool blocks = !(e0->to.shared && graph.at({back[0], back[1]}).from.shared);
    for (size_t i = 0; blocks && i + 1 < back.size(); ++i) {
      const Edge& in = graph.at({back[i], back[i + 1]});
      const Edge& next = i + 2 < back.size() ? graph.at({back[i + 1], back[i + 2]}) : *e0;
      if (in.to.shared && next.from.shared) blocks = false;
    }
    if (!blocks) continue;
    std::vector<LockKey> canon = back;  // nodes: to, ..., from (then back to `to` via e0)
    std::rotate(canon.begin(), std::min_element(canon.begin(), canon.end()), canon.end());
    if (!seen.insert(canon).second) continue;

    const std::string& a = e0->from.spelling;
    const std::string& b = e0->to.spelling;
    std::string message;
    if (back.size() == 2) {
      message = q(b) + " is acquired while holding " + q(a) + ", but elsewhere " + q(a) +
                " is acquired while holding " + q(b) + ": threads taking both orders can deadlock";
    } else {
      message =
          q(b) + " is acquired while holding " + q(a) + ", closing the lock-order cycle " + q(a);
      for (size_t i = 0; i + 1 < back.size(); ++i)
        message += " -> " + q(graph.at({back[i], back[i + 1]}).from.spelling);
      message += " -> " + q(a) + ": threads taking these orders can deadlock";
    }
    Finding fd{"lock-order-inversion", e0->to.site, message, {}};
    fd.notes.push_back({e0->from.site, q(a) + " was acquired here, in " + q(e0->holder)});
    for (const Step& st : e0->chain)
      fd.notes.push_back({st.site, q(st.caller) + " calls " + q(st.callee) + " here", true});
    for (size_t i = 0; i + 1 < back.size(); ++i) {
      const Edge& e = graph.at({back[i], back[i + 1]});
      fd.notes.push_back(
          {e.from.site, q(e.from.spelling) + " is acquired here (in " + q(e.holder) + ")"});
      fd.notes.push_back({e.at, q(e.to.spelling) + " is then acquired while holding " +
                                    q(e.from.spelling) + " here"});
      if (!e.chain.empty()) addChainNotes(fd.notes, e.chain, 1, e.to, e.acquirer);
    }
    out.push_back(std::move(fd));
  }

  // Orders of two classes spread over call chains: A's lock held while calling into the B that
  // A points to, which takes B's lock; elsewhere B's lock held while calling into its A, which
  // takes A's lock. The objects are named differently on each side (`this->b->mb` in A,
  // `this->mb` in B), so the cycle exists only at the level of the classes' fields: compared by
  // `cls`, like lockdep's lock classes. Two distinct classes only (one class's objects locked
  // parent-then-child is hand-over-hand locking, ordered by the structure), two edges, and not a
  // pair of locks already reported above.
  std::map<std::pair<std::string, std::string>, const Edge*> classEdges;
  for (const Edge* e : ordered) {
    if (e->from.cls.empty() || e->to.cls.empty()) continue;
    std::string fromClass = e->from.cls.substr(0, e->from.cls.rfind("::"));
    std::string toClass = e->to.cls.substr(0, e->to.cls.rfind("::"));
    if (fromClass == toClass) continue;
    classEdges.emplace(std::pair{e->from.cls, e->to.cls}, e);  // latest first: keeps the latest
  }
  std::set<std::pair<std::string, std::string>> classSeen;
  for (const auto& [pair, e0] : classEdges) {
    auto back = classEdges.find({pair.second, pair.first});
    if (back == classEdges.end()) continue;
    const Edge* e1 = back->second;
    if ((e0->to.shared && e1->from.shared) || (e1->to.shared && e0->from.shared)) continue;
    if (!classSeen.insert(std::minmax(pair.first, pair.second)).second) continue;
    // The same two objects: the instance-level pass has seen this cycle.
    if (e0->from.key == e1->to.key && e0->to.key == e1->from.key) continue;
    // Report at the later of the two edges' acquisitions (as above).
    const Edge* late = std::tie(e0->to.site, e0->at) > std::tie(e1->to.site, e1->at) ? e0 : e1;
    const Edge* early = late == e0 ? e1 : e0;
    const std::string& a = late->from.cls;
    const std::string& b = late->to.cls;
    Finding fd{"lock-order-inversion", late->to.site,
               q(b) + " is acquired while holding " + q(a) + ", but elsewhere " + q(a) +
                   " is acquired while holding " + q(b) +
                   " (objects of two classes that call into each other): threads taking both "
                   "orders on linked objects can deadlock",
               {}};
    fd.notes.push_back({late->from.site, q(late->from.spelling) + " (" + q(a) +
                                             ") was acquired here, in " + q(late->holder)});
    for (const Step& st : late->chain)
      fd.notes.push_back({st.site, q(st.caller) + " calls " + q(st.callee) + " here", true});
    fd.notes.push_back({early->from.site, q(early->from.spelling) + " (" + q(b) +
                                              ") is acquired here (in " + q(early->holder) + ")"});
    fd.notes.push_back({early->at, q(early->to.spelling) + " (" + q(a) +
                                       ") is then acquired while holding it here"});
    if (!early->chain.empty())
      addChainNotes(fd.notes, early->chain, 1, early->to, early->acquirer);
    out.push_back(std::move(fd));
  }
  sortUnique(out);
  return out;
}

}  // namespace weft::analyzer::locks
