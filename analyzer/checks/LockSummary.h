// LockSummary: the lock facts of functions, as plain data, and the whole-program reasoning on them.
//
// The lock checks (`lock-reentry`, `lock-order-inversion`) work in two phases:
//
//   1. extraction (LockModel.h, needs Clang): for each function with a body, what it acquires,
//      what it holds at each acquisition and at each call, and whom it calls. Locks are named
//      by stable strings (a global's qualified name, `Class::field` relative to `this`, a
//      parameter index), so the facts of one translation unit can be written to a file;
//   2. reasoning (this file, plain C++): the facts of one TU, or of many TUs merged, are closed
//      over the call graph ("f acquires L, possibly through g and h") and turned into findings.
//
// Nothing here depends on Clang, so the merge step of a cross-TU run is cheap.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace weft::analyzer::locks {

// Where something happens in the source: a path as the compiler saw it, 1-based line and column.
struct Site {
  std::string file;
  unsigned line = 0;
  unsigned column = 0;
  friend auto operator<=>(const Site&, const Site&) = default;
};

// How a lock behaves when its owner acquires it again.
enum class LockKind {
  kNonRecursive,  // std::mutex, weft::Lock, default pthread/mtx mutexes: self-deadlock
  kRecursive,     // std::recursive_mutex, weft::RLock, recursive pthread/mtx mutexes
  kUnknown,       // e.g. a pthread mutex initialised with attributes we cannot see through
};

// The identity of a lock object, stable across translation units.
//
// Root kinds:
//   kGlobal: `root` is the qualified name of a namespace-scope variable, static data member
//            or static local (`ns::g_mu`, `Cache::s_mu`, `ns::f()::mu`);
//   kThis:   `root` is the qualified name of the class declaring the first field of `path`:
//            `this->mu_` in any member function of `Cache` is {kThis, "Cache", {"mu_"}};
//   kParam:  `root` is the parameter index of the enclosing function (`"0"`, `"1"`, ...);
//            meaningful only inside that function's facts;
//   kLocal:  `root` is a per-TU unique name of an automatic variable.
// `path` lists the fields accessed from the root: `g_obj.inner.mu` is {kGlobal, "g_obj",
// {"inner", "mu"}}.
struct LockKey {
  enum class Root { kGlobal, kThis, kParam, kLocal };
  Root root = Root::kGlobal;
  std::string name;
  std::vector<std::string> path;
  friend auto operator<=>(const LockKey&, const LockKey&) = default;
  // A unique string form: `global:ns::g_mu`, `this:Cache::mu_`, `param:0.mu`, `local:...`.
  std::string str() const;
};

// A lock held at some program point, with where it was taken.
struct HeldLock {
  LockKey key;
  LockKind kind = LockKind::kNonRecursive;
  std::string spelling;  // the source expression, e.g. "mu_" or "g_mu"
  std::string type;      // e.g. "std::mutex"
  Site site;             // where it was acquired
  int group = -1;        // acquisitions of one std::scoped_lock / std::lock share a group id
  // The lock's class-level name when it is a direct field of a class (`B::mb` for `this->mb`
  // in B's methods), kept when the key is mapped into a caller's terms (`this->b->mb` seen
  // from A): lock-order-inversion relates orders of two classes through it.
  std::string cls;
  // Taken in reader mode (std::shared_lock, lock_shared(), pthread_rwlock_rdlock): readers do not
  // exclude each other, so a read lock asked for while this one is read-held is no self-deadlock,
  // and two orders conflict on a lock only if one side of it writes.
  bool shared = false;
};

// A test of one of the function's own parameters against a constant that every path to a
// statement passes: `if (fd == -42 || ...) {...} else { here }` gives {0, false, -42}.
struct ParamTest {
  unsigned param = 0;
  bool equal = false;  // the parameter equals `value` (else: differs from it)
  std::int64_t value = 0;
  bool operator==(const ParamTest&) const = default;
};

// False when one of `tests` fails for the constant arguments of a call (per argument: its value
// when it is an integer constant): the statement they lead to cannot run from that call.
inline bool feasible(const std::vector<ParamTest>& tests,
                     const std::vector<std::optional<std::int64_t>>& constants) {
  for (const ParamTest& t : tests) {
    if (t.param >= constants.size() || !constants[t.param]) continue;
    if ((*constants[t.param] == t.value) != t.equal) return false;
  }
  return true;
}

// Where a function left a lock unheld on every path to a point: a release, or a std::unique_lock
// constructed with std::defer_lock (the guard's mutex was never taken).
struct Release {
  enum class Kind { kUnlock, kDeferred, kScopeEnd, kNoMutex };
  Site site;         // the release: `cond.release()`, `lk.unlock()`, `pthread_mutex_unlock(&m)`
  std::string text;  // as written (kDeferred, kScopeEnd, kNoMutex: the guard's name; the site
                     // of kScopeEnd is the end of the guard's scope)
  Kind kind = Kind::kUnlock;
  // The calls made on some path since (indexes into FunctionFacts::callees): one of them may
  // have taken the lock again.
  std::vector<unsigned> callsSince;
  bool operator==(const Release&) const = default;
};

// The lock state at a call or a condition op beyond the must-hold set, for the checks that ask
// whether a lock is held there on no path (wait-/notify-without-lock, event-as-condition).
struct PointState {
  std::vector<LockKey> mayHold;  // held on at least one path reaching it
  // Locks this function released on every path to here and did not take again since.
  std::map<LockKey, Release> released;
  // The calls made on some path before it (indexes into FunctionFacts::callees).
  std::vector<unsigned> callsBefore;
  // Locks taken (or tried) on some path before it in this function, held there or not.
  std::vector<LockKey> taken;
};

// A std::unique_lock handed by reference to a callee while its mutex is unheld on every path:
// the guard as written and the release (or defer_lock) that left it so.
struct GuardArg {
  std::string text;
  Release release;
};

// One blocking acquisition in a function body.
struct Acquisition {
  HeldLock lock;                // the lock being acquired, `lock.site` is this acquisition
  std::vector<HeldLock> held;   // locks held on every path reaching it (same function)
  bool releasedOuter = false;  // the function released this lock (held by its caller) before
  std::vector<ParamTest> requires_;  // what the enclosing `if`s say about the parameters
};

// How the callee's `this` and parameters relate to the caller's locks at a call.
struct CallBinding {
  enum class Receiver { kNone, kSame, kKey };
  Receiver receiver = Receiver::kNone;  // kSame: callee runs on the caller's `this` (or lambda)
  std::optional<LockKey> receiverKey;  // for kKey: the object the method is called on
  std::vector<std::optional<LockKey>> args;  // per parameter: the object passed, if known
};

// One call to a user function in a function body.
struct Call {
  std::string callee;       // the callee's stable id (USR)
  std::string calleeName;  // for messages, e.g. "Cache::refresh"
  Site site;
  CallBinding binding;
  std::vector<HeldLock> held;           // locks held on every path reaching the call
  std::vector<LockKey> releasedOuter;  // caller-held locks this function released before
  std::vector<ParamTest> requires_;     // what the enclosing `if`s say about the parameters
  // Per argument: its value when it is an integer constant (`maxconns_handler(-42, 0, 0)`).
  // The callee's branches that such a value rules out are not followed through this call.
  std::vector<std::optional<std::int64_t>> constants;
  PointState at;  // the may-hold set, the releases and the calls before it
  // Per argument: a guard passed unheld (a std::unique_lock reference parameter of the callee).
  std::vector<std::optional<GuardArg>> guardArgs;
};

// A wait on or a notify of a condition variable in a function body, with the locks held there:
// on every path reaching it (`mustHold`) and on at least one (`at.mayHold`, a superset): what
// wait-/notify-without-lock decide on. A wait whose lock is in no path's held set waits without
// it; one whose lock is held on some paths only depends on the path.
//
// A weft::Condition is its own lock: its acquire()/release() and the guards over it are followed
// (HeldLock::type "weft::Condition") so that its waits and notifies have it in these sets; such
// holdings are no Acquisition (the lock checks do not reason about them).
struct CondOp {
  bool wait = false;              // a wait (else a notify)
  // A wait on an event rather than a condition (weft::Event, weft::aio::Event, std::atomic<bool>,
  // std::atomic_flag, std::binary_semaphore's acquires): no lock of its own (`wait` is true,
  // `cond` is the event); recorded for the locks held there (event-as-condition).
  bool event = false;
  std::optional<LockKey> cond;    // the condition variable, when it has a stable name
  std::optional<LockKey> lock;    // what the wait releases (the mutex behind a guard), if known
  Site site;
  std::vector<LockKey> mustHold;
  PointState at;                  // at.mayHold: a superset of mustHold
  // The lock the op needs (the wait's `lock`; for a notify of a weft::Condition, `cond` itself)
  // released by this function on every path to here and not taken again since: that release.
  std::optional<Release> released;
  std::vector<ParamTest> requires_;  // what the enclosing `if`s say about the parameters
};

// A function called in a body: `id` its USR ("" for a call through a pointer); `opaque` when
// its body is not in the translation unit (or it is called through a pointer): what it does to
// locks is unknown.
struct Callee {
  std::string id;
  bool opaque = false;
  bool operator==(const Callee&) const = default;
};

struct FunctionFacts {
  std::string id;    // USR
  std::string name;  // qualified name for messages
  bool isLambda = false;
  // How the function is entered (in this translation unit): main(); started as a thread (the
  // pthread_create / thrd_create / std::thread / std::jthread / weft::Thread that starts it, or
  // for a lambda the lambda passed to it); its address taken otherwise (callers unknown).
  Site site;  // its name in its definition
  bool isMain = false;
  bool external = false;      // externally visible: other files may call it
  bool requiresLock = false;  // annotated as requiring a capability
  bool addressTaken = false;
  std::vector<Site> threadStarts;
  std::vector<Callee> callees;  // indexed by PointState::callsBefore and Release::callsSince
  // Locks the body releases or tries to take (a try_lock, a guard parameter's lock()), besides
  // its acquisitions: what a caller's "nobody took it since" must look at.
  std::vector<LockKey> touches;
  // The body (lambdas in it included) takes or tries some lock by the vocabulary's names: a
  // guard declaration or a call named like an acquisition or a try (`lock()`, `acquire()`,
  // `try_lock()`, a free `lock(x)`), named by the pass or not. Broader than `acquisitions`
  // (blocking ones, named locks, no weft::Condition) and `touches`: a weft::Condition may be built
  // on any of these locks, so its verdict (wait-/notify-without-lock) asks this. Set for
  // functions with condition ops only.
  bool locksAnything = false;
  std::vector<Acquisition> acquisitions;
  std::vector<Call> calls;
  std::vector<CondOp> condOps;
};

// The facts of one translation unit (or of several merged).
struct Facts {
  std::map<std::string, FunctionFacts> functions;  // by id
  // Locks whose initialisation makes them recursive or of unknown kind (pthread_mutex_init with
  // attributes, PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP, mtx_init(..., mtx_recursive)).
  std::set<LockKey> nonDefault;
  // Locks some function releases without ever acquiring them and without re-acquiring them
  // before it returns: a mutex used as a signal between threads (unlocked by a thread that does
  // not own it). Their double lock is still reported (the owner re-locks it), with a note that
  // names the hand-off; its other bug is unowned-release, which `weft run` reports.
  std::set<LockKey> handoff;
  bool hasMain = false;  // a program's main file: its external functions are followed too

  // Adds `other` into this (function facts of the same id: the first one wins).
  void merge(const Facts& other);
};

// With `pointStates`, also the point states of calls and condition ops, the releases' calls
// since, how functions are entered and their callees and touches, and `hasMain`: what unheldAt
// reads (the wait checks' summaries); without, what the lock checks read.
nlohmann::json toJson(const Facts& facts, bool pointStates = false);

// The facts of several TUs merged as the files of programs (unheldAt over them): an id defined
// in several files (each program's main(), a function that two programs of one build define) is
// kept once per file, as `id` + '\x1f' + file, and the calls and callees of a TU that defines it
// name its own; such a function called from a TU that does not define it (which one runs is not
// known) is marked address-taken (its callers are unknown). `hasMain` when any TU defines main().
Facts mergePrograms(std::vector<Facts> parts);
// Throws std::runtime_error (via nlohmann::json) on malformed input.
Facts factsFromJson(const nlohmann::json& j);

// A finding of one of the lock checks, located by file/line/column.
struct Note {
  Site site;
  std::string message;
  bool step = false;  // one step of a call chain
};
struct Finding {
  std::string check;  // "lock-reentry" or "lock-order-inversion"
  Site site;
  std::string message;
  std::vector<Note> notes;
};

// Whether some call of `callee` in `facts` holds `k` (a key in the callee's terms) on every path
// to it, with constant arguments that do not rule out `tests` (the way to the callee's statement
// in question): a helper such as `wake_readers()` called by a function that holds the lock.
bool someCallerHolds(const Facts& facts, const FunctionFacts& callee, const LockKey& k,
                     const std::vector<ParamTest>& tests);

// Whether `a` is `b` or one of the objects inside it, or the reverse (`state` and `state.cond`).
bool overlaps(const LockKey& a, const LockKey& b);
// The same lock as far as these facts can tell: equal keys, or fields of the same name (`e->mu`
// and `ev.mu` in two functions) unless both are fields of `this` of different classes.
bool sameLock(const LockKey& a, const LockKey& b);
// Whether `fn` hands the lock `k` (or an object holding it) to a function it calls, which may
// take it there; with `among`, only calls of those callees (FunctionFacts::callees indexes).
bool handsOver(const FunctionFacts& fn, const LockKey& k,
               const std::vector<unsigned>* among = nullptr);

// How a lock is unheld at a point, as far as the facts show (wait-/notify-without-lock on
// pthread, C11 and std condition variables).
struct PathNote {
  Site site;
  std::string text;
  bool step = false;  // one step of a call chain
};
struct Unheld {
  enum class Path {
    kUnknown,     // held on some path, or not evident
    kReleased,    // not held: released on the way (and never held on the other paths)
    kNeverTaken,  // not held: no path took it since its thread started
  };
  Path path = Path::kUnknown;
  std::vector<PathNote> notes;  // one path, outermost first
  // The walk followed the callers of a function other files may call (the facts define main()):
  // the verdict holds for the files these facts come from, which in one TU may not be all of
  // the program's linted files (the wait checks then decide in the merge phase).
  bool throughExternal = false;
};
// Follows the lock `k` (in `fn`'s terms; `lockName` in the notes) back from a point of `fn` with
// the state `at` and the parameter tests `tests`: through the function (held on some path, or a
// call since the last release or since the entry that may take it: unknown; released on every
// path: kReleased), then through every caller in the facts (constant arguments that rule the
// way out skip a caller) to where each path started: a thread start, main(), a release. Functions
// other files may call (unless the facts define main: one TU's, or the merged facts of the linted
// files, a program's files together), address-taken functions, recursion, lambdas not started as
// threads, `*Locked` helpers and locks that are not named (a bare parameter or local) end in
// kUnknown. A callee opaque in its caller's TU whose facts are here (merged from the TU that
// defines it) is looked into.
Unheld unheldAt(const Facts& facts, const FunctionFacts& fn, const LockKey& k,
                const PointState& at, const std::vector<ParamTest>& tests,
                const std::string& lockName);
// The note of a release: "'lk.unlock()' released it here", "'lk' was constructed with
// std::defer_lock", "'g' released it here, at the end of its scope", "'lk' was constructed
// without a mutex".
std::string releaseNote(const Release& r);
// The name of a function or a lock as written in the source: the last component of a
// qualified name (`Cache::refresh` -> "refresh"; a key's last field, or its global's name).
std::string shortName(const std::string& qualified);
std::string shortName(const LockKey& k);

// Self-deadlocks: a non-reentrant lock acquired (directly or through calls) while held.
// Deterministic order (by site).
std::vector<Finding> findReentries(const Facts& facts);

// Lock-order cycles among the "held A while acquiring B" edges of all functions; each cycle is
// reported once. Deterministic order (by site).
std::vector<Finding> findOrderInversions(const Facts& facts);

}  // namespace weft::analyzer::locks
