// Internal state shared by the online detectors (one file per detector in this folder).
//
// The detectors run inside every instrumented thread, on the hot path of every lock operation,
// so the state is laid out for cheap lookups and no allocation per event:
//
//   ObjectTable  ids are dense (new_object counts from 1), so per-object state lives in pages of
//                a directory indexed by id: one relaxed load to find a slot, no lock.
//   ThreadRec    one per thread, created on the thread's first event and found through a
//                thread_local pointer: the held-lock stack (touched only by its own thread), the
//                seen-edge cache, and the atomics the deadlock watchdog reads from outside.
//   SpinLock     guards the cold, shared structures (names, the lock-order graph, the findings
//                already reported). It is built on std::atomic only: the detectors must never
//                call an instrumented or interposed primitive (pthread_mutex_* is interposed
//                under `weft run` for unmodified programs), and must never recurse into a sink.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <new>
#include <memory>
#include <set>
#include <source_location>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "weft/runtime/detectors.hpp"
#include "weft/runtime/event.hpp"
#include "weft/runtime/recorder.hpp"
#include "../recorder_hot.hpp"
#include "../spin_lock.hpp"

namespace weft::rt::detectors::internal {

// The runtime's spin lock (../spin_lock.hpp), by its names here too.
using SpinLock = weft::rt::SpinLock;
using SpinGuard = weft::rt::SpinGuard;

// Slot flags.
inline constexpr std::uint16_t kCrossRelease = 1;  // a Lock was released by a thread not holding it
inline constexpr std::uint16_t kWaitedOn = 2;      // some thread waited on this condition/event
inline constexpr std::uint16_t kChaosTried = 4;    // chaos already ended a wait on it spuriously
inline constexpr std::uint16_t kWaitUnheld = 8;    // a condvar waited on with a mutex not held
inline constexpr std::uint16_t kEarlyNotified = 16;  // a condvar notified before any wait on it
inline constexpr std::uint16_t kRobust = 32;  // a robust mutex: its owner may die holding it
inline constexpr std::uint16_t kDestroyReported = 64;  // destroy-in-use said at DestroyBegin
inline constexpr std::uint16_t kUseReported = 128;  // use-after-destroy said (once per object)
inline constexpr std::uint16_t kMixedMutexes = 256;  // a condvar waited on with two mutexes at once
inline constexpr std::uint16_t kOverfullReported = 512;  // a barrier's left-over round said

// Per-object state. Everything is atomic: the owning thread writes, the watchdog reads.
struct Slot {
  std::atomic<std::uint8_t> kind{0};  // ObjKind
  std::atomic<std::uint16_t> flags{0};
  std::atomic<std::uint32_t> owner{0};  // thread index holding a lock; running thread of a Thread
  std::atomic<std::uint32_t> gen{0};    // bumped at every Acquired; a barrier: arrivals so far
  std::atomic<std::source_location> acquired_at{};  // where the current owner took it
  std::atomic<ObjId> cond_lock{0};  // the lock a condition's waits release (learned at WaitBegin)
  std::atomic<std::uint32_t> readers{0};  // rwlock: shared holders now; a barrier: the largest
                                          // arrival index + 1 seen (its count, once a round
                                          // has filled)
};

// The dynamic wait-not-in-loop check (wait_loop.cpp), per thread.
// Idle .. Armed: wait_loop.cpp (chaos). LostPending: events.cpp, a timed wait that timed out after
// an unheard notify, its lost-wakeup finding held until the thread shows whether it waits again.
enum class WaitLoop : std::uint8_t { Idle = 0, Waiting, Woken, Armed, LostPending };

// Blocking states a thread can be in, as the watchdog sees them.
enum class Block : std::uint8_t { None = 0, Lock, Join, Wait };

struct HeldEntry {
  ObjId obj;
  std::uint32_t gen;   // Slot::gen when taken: a mismatch means someone else released it
  std::uint32_t depth; // reentrant kinds: recursion depth
  std::source_location site;
  bool shared = false; // an rwlock held for reading: other readers may hold it too
};

// The locks a thread holds, in the order it took them: a small inline array that grows on the
// heap past kInline entries, so any number of held locks is tracked (a thread may hold
// hundreds: lock-ordering stress tests, std::scoped_lock over many mutexes).
class HeldStack {
 public:
  static constexpr int kInline = 16;
  HeldStack() noexcept = default;
  ~HeldStack() {
    if (data_ != inline_) delete[] data_;
  }
  HeldStack(const HeldStack&) = delete;
  HeldStack& operator=(const HeldStack&) = delete;

  int size() const noexcept { return size_; }
  HeldEntry& operator[](int i) noexcept { return data_[i]; }
  const HeldEntry& operator[](int i) const noexcept { return data_[i]; }
  // False only when out of memory (the entry is then not tracked).
  bool push(const HeldEntry& e) noexcept {
    if (size_ == cap_) [[unlikely]]
      if (!grow()) return false;
    data_[size_++] = e;
    return true;
  }
  void erase(int i) noexcept {
    for (int j = i; j + 1 < size_; ++j) data_[j] = data_[j + 1];
    --size_;
  }
  // Keeps the entries for which keep(entry) is true, in order.
  template <class Keep>
  void retain(Keep&& keep) {
    int w = 0;
    for (int i = 0; i < size_; ++i)
      if (keep(data_[i])) data_[w++] = data_[i];
    size_ = w;
  }

 private:
  bool grow() noexcept {
    int cap = cap_ * 2;
    auto* d = new (std::nothrow) HeldEntry[cap];
    if (d == nullptr) return false;
    for (int i = 0; i < size_; ++i) d[i] = data_[i];
    if (data_ != inline_) delete[] data_;
    data_ = d;
    cap_ = cap;
    return true;
  }
  HeldEntry inline_[kInline];
  HeldEntry* data_ = inline_;
  int size_ = 0;
  int cap_ = kInline;
};

// coro.cpp: what a thread that runs a weft::aio event loop did in the task it runs. Touched
// only by the thread itself (aio primitives are not shared between threads).
struct CoroState {
  ObjId task = 0;  // the task running now (between its TaskResume and TaskSuspend/TaskEnd)
  std::uint64_t since_ns = 0;
  std::source_location resume_site{};
  // The recorded blocking call in progress, and the longest of this step.
  std::uint64_t call_begin_ns = 0;
  ObjId call_obj = 0;
  std::source_location call_site{};
  std::uint64_t longest_ns = 0;
  ObjId longest_obj = 0;
  std::source_location longest_site{};
  // wait-not-in-loop for aio conditions under chaos: each aio lock's acquisitions, and the
  // condition wait of each task (the states of wait_loop.cpp, per task).
  std::unordered_map<ObjId, std::uint32_t> lock_gen;
  struct Wait {
    ObjId cond = 0, lock = 0;
    std::uint32_t gen = 0;
    std::source_location site{};
    WaitLoop state = WaitLoop::Idle;
  };
  std::unordered_map<ObjId, Wait> waits;
  // event-as-condition for aio events: each event's flag as its set()/clear() rows left it, and
  // the first set() that came while it was already set (the signal a later clear() loses).
  struct EventFlag {
    bool set = false;
    bool redundant = false;
    ObjId redundant_task = 0;
    std::source_location redundant_site{};
  };
  std::unordered_map<ObjId, EventFlag> events;
  // lock-order-inversion among tasks: the aio locks each task holds (in order), and the order
  // graph of the loop's aio locks. An edge A -> B: some task took B while holding A; `gates` are
  // the other locks held every time (a cycle whose edges share a gate cannot interleave), and
  // up to two of the tasks that took it (a cycle needs two tasks: one task cannot wait for
  // itself).
  struct HeldLock {
    ObjId lock = 0;
    std::source_location site{};
  };
  std::unordered_map<ObjId, std::vector<HeldLock>> held;
  struct OrderEdge {
    std::source_location from_site{}, to_site{};
    ObjId task = 0, other_task = 0;
    std::vector<ObjId> gates;
  };
  std::map<ObjId, std::map<ObjId, OrderEdge>> order;
  std::set<std::vector<ObjId>> reported_cycles;
  // lost-wakeup on aio conditions: a notify that woke nobody (and no task waited then), and each
  // task's condition wait that began after one such notify it had not waited for before.
  struct CondSignal {
    bool unheard = false, from_many = false;
    ObjId notify_task = 0;
    std::source_location notify_site{};
    std::set<ObjId> waited_before;  // tasks
  };
  std::unordered_map<ObjId, CondSignal> conds;
  struct LateWait {
    ObjId cond = 0, notify_task = 0;
    std::source_location wait_site{}, notify_site{};
  };
  std::unordered_map<ObjId, LateWait> late_waits;  // by task
};

struct ThreadRec {
  std::uint32_t index = 0;  // current_thread_index()
  int tid = 0;              // gettid(), for /proc/self/task/<tid>/syscall
  std::atomic<bool> ended{false};
  std::atomic<std::uint8_t> block{0};  // Block
  std::atomic<ObjId> block_obj{0};
  std::atomic<std::uint64_t> block_seq{0};  // bumped whenever `block` changes
  std::atomic<std::source_location> block_site{};
  std::atomic<std::source_location> start_site{};  // its ThreadStart's: the start routine
  std::atomic<std::uint64_t> block_since_ns{0};

  // Touched only by the thread itself.
  HeldStack held;
  // The mutex of the wait-without-lock just reported for this thread's current condvar wait: the
  // wait's own release of it is part of that finding, not an unowned-release of its own. Cleared
  // by that release and by the wait's end.
  ObjId unheld_wait_lock = 0;
  static constexpr int kEdgeCache = 128;
  struct SeenEdge {
    ObjId from = 0, to = 0;
    std::uint64_t gates = 0;  // signature of the other locks held when this thread added it
  };
  // kEdgeCache entries, allocated at the thread's first nested acquisition and freed at its
  // ThreadEnd (3 KiB a thread otherwise kept for every thread that ever ran); nullptr = empty.
  std::unique_ptr<SeenEdge[]> seen_edges;
  std::uint64_t chaos_state = 0;  // chaos PRNG state (0 = not seeded yet)
  // wait_loop.cpp: the last condition wait of this thread, under chaos.
  WaitLoop wl_state = WaitLoop::Idle;
  ObjId wl_cond = 0, wl_lock = 0;
  std::uint32_t wl_gen = 0;
  std::source_location wl_site{};
  // events.cpp: the lost-wakeup finding of a timed wait that timed out after an unheard notify
  // (wl_state LostPending, wl_cond / wl_lock its condition and lock): reported when the thread
  // goes on (releases the lock, waits on something else, ends), dropped when it waits on the
  // same condition again (it re-checked its predicate and found it still false: the notify it
  // missed was not what it waits for, as with CPython's GIL, whose timed waits time out by design).
  std::unique_ptr<FindingRecord> lost_pending;
  // misuse.cpp: the last locks this thread released entirely, most recent at
  // recent_released[(n_released - 1) % kRecentReleased] (notify-without-lock on condvars).
  static constexpr std::uint32_t kRecentReleased = 8;
  ObjId recent_released[kRecentReleased] = {};
  std::uint32_t n_released = 0;
  std::unique_ptr<CoroState> coro;  // at its first weft::aio task event
};

// One lock-order edge: `from` was held when `to` was taken.
struct Edge {
  std::uint32_t thread;
  std::source_location from_site;
  std::source_location to_site;
  std::vector<ObjId> gates;  // locks held under both, on every sighting (intersection)
  // rwlocks: whether `from` was held, and `to` asked for, exclusively on some sighting (always
  // true for other locks).
  bool from_exclusive = true;
  bool to_exclusive = true;
};

// Bookkeeping for one condition or event (cold: notify/set/clear/wait are not the lock path).
struct SignalState {
  // Condition: the last notify that woke nobody, still unanswered.
  bool unheard_notify = false;
  bool unheard_from_many = false;  // unheard notifies from several threads: arrivals counted
  std::uint32_t notify_thread = 0;
  std::source_location notify_site{};
  // Condition: the last broadcast that woke some waiters (threads not waiting then missed it).
  bool broadcast = false;
  std::uint32_t broadcast_thread = 0;
  std::source_location broadcast_site{};
  // Threads that have waited on this object before (for the lost-wakeup heuristic).
  std::set<std::uint32_t> waited_before;
  // Per waiting thread: the unheard notify its current wait followed (sites), if any.
  struct PendingWait {
    std::source_location wait_site;
    ObjId lock = 0;  // the lock the wait releases (WaitBegin's argument)
    bool after_unheard = false;
    std::uint32_t notify_thread = 0;
    std::source_location notify_site{};
    bool after_missed_broadcast = false;  // condition: began after a broadcast, never waited
    bool after_lost_set = false;  // event: its set() was cleared unobserved
    bool after_pulse = false;     // event: began after a set() its own setter cleared unobserved
    std::uint32_t set_thread = 0, clear_thread = 0;
    std::source_location set_site{}, clear_site{};
  };
  std::map<std::uint32_t, PendingWait> waiting;
  // Event state.
  bool flag = false;
  bool observed = false;  // some waiter saw the flag since the last set
  std::uint32_t set_thread = 0;
  std::source_location set_site{};
  bool redundant_set = false;  // set() while already set: only a clear can consume it
  std::uint32_t redundant_thread = 0;
  std::source_location redundant_site{};
  bool pulse = false;  // set() undone by the setter's own clear() before anyone looked
  std::uint32_t pulse_thread = 0;
  std::source_location pulse_set_site{}, pulse_clear_site{};
  bool lost_set = false;  // set() undone by another thread's clear() before anyone looked
  std::uint32_t lost_set_thread = 0, lost_clear_thread = 0;
  std::source_location lost_set_site{}, lost_clear_site{};
};

class Detector;

// Per-detector entry points (each defined in its own file).
// `mode`: AcquireBegin's arg (an rwlock's Mode asked for, else 0).
void reentry_on_acquire_begin(Detector& d, ThreadRec& t, ObjId obj, Slot& s, std::uint64_t mode,
                              const std::source_location& where);
// `to_shared`: `obj` is an rwlock asked for in shared mode.
void lock_order_on_acquired(Detector& d, ThreadRec& t, ObjId obj, bool to_shared,
                            const std::source_location& where);
void misuse_on_release(Detector& d, ThreadRec& t, ObjId obj, Slot& s,
                       const std::source_location& where);
void misuse_on_wait_begin(Detector& d, ThreadRec& t, ObjId cond, ObjId lock,
                          const std::source_location& where);
void misuse_on_notify(Detector& d, ThreadRec& t, ObjId cond, const std::source_location& where);
// The calling thread released `lock` entirely (inline: every Release passes here).
inline void misuse_note_released(ThreadRec& t, ObjId lock) {
  ObjId& last = t.recent_released[(t.n_released - 1) % ThreadRec::kRecentReleased];
  if (t.n_released != 0 && last == lock) return;
  t.recent_released[t.n_released++ % ThreadRec::kRecentReleased] = lock;
}
void misuse_on_thread_end(Detector& d, ThreadRec& t, const std::source_location& where);
// The process exits (exit() or a return from main) on thread `t`: the locks it still holds.
void misuse_on_process_exit(Detector& d, ThreadRec& t);
// An acquisition that failed with `why` (AcquireFail): EDEADLK is a refused re-entry.
void reentry_on_acquire_failed(Detector& d, ThreadRec& t, ObjId obj, std::uint64_t why,
                               const std::source_location& where);
// Lifetime and contract checks (lifetime.cpp).
void lifetime_on_destroy_begin(Detector& d, ThreadRec& t, ObjId obj,
                               const std::source_location& where);
void lifetime_on_misuse(Detector& d, ThreadRec& t, ObjId obj, std::uint64_t arg,
                        const std::source_location& where);
// The thread's held lost-wakeup (ThreadRec::lost_pending), reported now or dropped.
void lost_pending_report(Detector& d, ThreadRec& t);
void lost_pending_drop(ThreadRec& t);
void signals_on_event(Detector& d, ThreadRec& t, Ev kind, ObjId obj, std::uint64_t arg,
                      const std::source_location& where);
// A thread was found blocked for good in a wait on `obj`: report the signal it missed, if any.
void signals_on_stuck(Detector& d, std::uint32_t thread, ObjId obj);
// A thread arrived at barrier `obj` as arrival `index` of its round (lifetime.cpp).
void lifetime_on_barrier_arrive(Slot& s, std::uint64_t index);
// A thread was found blocked for good in barrier `obj`: report a round left over because more
// threads arrived than the barrier's count, if that is why.
void lifetime_on_barrier_stuck(Detector& d, std::uint32_t thread, ObjId obj,
                               const std::source_location& where);
void watchdog_main(Detector& d);
bool chaos_spurious(Detector& d, ThreadRec& t, ObjId cond);
void wait_loop_on_wait_begin(Detector& d, ThreadRec& t, ObjId cond, ObjId lock,
                             const std::source_location& where);
void wait_loop_on_wait_end(ThreadRec& t, ObjId cond, std::uint64_t result);
void wait_loop_on_acquired(Detector& d, ThreadRec& t, ObjId obj);
// Under chaos: report armed threads when the process crashes (installed once, by wrap()).
void wait_loop_install_crash_hook(Detector& d);
// The armed thread went on (released the lock, notified, set an event) at `where`: report.
void wait_loop_on_went_on(Detector& d, ThreadRec& t, const char* what,
                          const std::source_location& where);
void chaos_point(Detector& d, ThreadRec& t, ObjId obj);
// coro.cpp: an event of a weft::aio task or object (forwarded by the caller), and an event of a
// thread primitive while a task runs on the thread (t.coro->task != 0).
void coro_on_event(Detector& d, ThreadRec& t, Ev kind, ObjId obj, std::uint64_t arg,
                   const std::source_location& where);
void coro_on_thread_event(ThreadRec& t, Ev kind, ObjId obj, const std::source_location& where);
// An aio object destroyed: its per-loop state goes (called on the destroying thread).
void coro_on_destroy(ThreadRec& t, ObjId obj, ObjKind kind);
// A finding that reached the detectors from the program: weft::aio's loop records its task
// deadlocks (deadlock, naming the stuck tasks), which may have a lost wake-up behind them.
void coro_on_finding(Detector& d, ThreadRec& t, const FindingRecord& f);
inline bool is_aio_kind(ObjKind k) { return k >= ObjKind::AioTask && k <= ObjKind::AioBarrier; }
std::uint32_t chaos_pick(Detector& d, ThreadRec& t, std::uint32_t n);

// The calling thread's record, valid while `instance` matches the detector's instance.
// initial-exec: no __tls_get_addr call on the hot path (the runtime is linked into programs and
// into the LD_PRELOAD interposer, both loaded at start-up). constinit: no TLS wrapper call.
struct ThreadSlot {
  ThreadRec* rec = nullptr;
  std::uint64_t instance = 0;
};
extern constinit thread_local ThreadSlot t_self __attribute__((tls_model("initial-exec")));

class Detector final : public Sink {
 public:
  Detector(Sink* downstream, const Options& options);
  ~Detector() override;

  void on_object(ObjId id, ObjKind kind, std::string_view name,
                 const std::source_location& where) noexcept override;
  void on_destroy(ObjId id) noexcept override;
  void on_event(Ev kind, ObjId obj, std::uint64_t arg,
                const std::source_location& where) noexcept override;
  void on_thread_name(std::string_view name) noexcept override;
  void on_finding(const FindingRecord& finding) noexcept override;
  bool inject_spurious_wakeup(ObjId cond, bool timed) noexcept override;
  bool chaos_enabled() const noexcept override { return options_.chaos_seed != 0; }
  void chaos_point(ObjId obj) noexcept override;
  std::uint32_t chaos_pick(ObjId cond, std::uint32_t n) noexcept override;

  // --- for the detectors -------------------------------------------------------------------
  // nullptr if id is out of range (or out of memory). Inline: every lock event looks one up.
  Slot* slot(ObjId id) noexcept {
    std::size_t page = static_cast<std::size_t>(id >> kPageBits);
    if (page >= kDirSize) [[unlikely]]
      return nullptr;
    Page* p = dir_[page].load(std::memory_order_acquire);
    if (p == nullptr) [[unlikely]]
      return new_slot(id);
    return &p->slots[id & (kPageSize - 1)];
  }
  Slot* slot_if_any(ObjId id) noexcept; // nullptr if never touched
  // The calling thread's record.
  ThreadRec& self() noexcept {
    ThreadSlot& ts = t_self;
    if (ts.instance == instance_) [[likely]]
      return *ts.rec;
    return new_self();
  }
  ObjKind kind_of(ObjId id) noexcept;
  // References for finding messages (weft/runtime/labels.hpp): "{object:12}", "{thread:3}".
  // Whoever shows the finding names them: render() here for the live message, the trace's
  // Labels for everything read from a trace, with the same rules.
  std::string describe(ObjId id);
  std::string thread_name(std::uint32_t index);
  std::string render(std::string_view tmpl);
  // Names `objects` that are variables of the program by their symbols (a fatal finding's live
  // message; runs nm).
  void name_live(const std::vector<ObjId>& objects, const std::vector<std::uint32_t>& threads);
  // Reports a finding unless one with the same key was already reported (key defaults to
  // kind + sites). Fatal findings are printed on stderr at once and then stop the process (or
  // call options.on_fatal) when options.stop_on_deadlock.
  void report(FindingRecord f, std::string key = {}) noexcept;
  // What report() does with a new fatal finding, without recording it again: prints it and
  // stops the process (or calls options.on_fatal). The watchdog confirms a lock-reentry this way.
  void stop(FindingRecord f) noexcept;
  std::vector<ThreadRec*> threads_snapshot();
  // The index of the thread whose kernel tid is `tid` (the latest such: tids are reused), 0 when
  // none. Allocates nothing: called from ThreadSanitizer's death callback.
  std::uint32_t index_of_tid(int tid);

  // The process exits on the calling thread (the installed detector's atexit handler).
  void at_exit() noexcept;
  // pthread_atfork handlers of the installed detector (wrap()).
  void fork_prepare() noexcept;
  void fork_parent() noexcept;
  void fork_child() noexcept;

  const Options& options() const { return options_; }
  Sink* downstream() const { return downstream_; }
  std::uint64_t instance() const { return instance_; }

  SpinLock graph_mu;  // the lock-order graph (lock_order.cpp)
  std::unordered_map<ObjId, std::unordered_map<ObjId, Edge>> graph;
  std::set<std::vector<ObjId>> reported_cycles;

  SpinLock signals_mu;  // signals (events.cpp), early_notifies (misuse.cpp)
  std::unordered_map<ObjId, SignalState> signals;
  // misuse.cpp: the first notify on a condvar before any wait on it (its mutex not known yet),
  // with the locks its thread held or had just released then; judged at the first wait.
  struct EarlyNotify {
    std::uint32_t thread = 0;
    std::source_location site{};
    std::vector<ObjId> locks;
  };
  std::unordered_map<ObjId, EarlyNotify> early_notifies;

  std::atomic<bool> stopping{false};

  // Hands an event on: to the recorder when downstream is one, written here in the common case
  // (recorder_hot.hpp) and otherwise by a direct call (no virtual dispatch), else to downstream.
  // Always inlined: GCC's size heuristics dropped it out of on_event()'s fast path once wrap.cpp
  // grew (30 instructions more per event, bench/hot_path_instructions.sh).
  // `memo`: the caller's memo of `where`'s trace id (Recorder::Hot::try_write), or nullptr.
  [[gnu::always_inline]] void forward(Ev kind, ObjId obj, std::uint64_t arg,
                                      const std::source_location& where,
                                      SiteMemo* memo = nullptr) noexcept {
    if (recorder_ != nullptr) [[likely]] {
      if (!recorder_hot_->try_write(kind, obj, arg, where, memo))
        recorder_->on_event(kind, obj, arg, where);
    } else if (downstream_ != nullptr) {
      downstream_->on_event(kind, obj, arg, where);
    }
  }

 private:
  static constexpr std::size_t kPageBits = 12, kPageSize = std::size_t{1} << kPageBits;
  static constexpr std::size_t kDirSize = std::size_t{1} << 13;  // 32M objects
  struct Page {
    Slot slots[kPageSize];
  };

  Slot* new_slot(ObjId id) noexcept;  // allocates the page of `id`
  ThreadRec& new_self() noexcept;     // registers the calling thread
  // Every event but the uncontended lock traffic on_event() handles itself (wrap.cpp).
  void on_event_slow(Ev kind, ObjId obj, std::uint64_t arg,
                     const std::source_location& where) noexcept;

  Sink* downstream_;
  Recorder* recorder_;  // downstream_ when it is the recorder (a final class), else nullptr
  const Recorder::Hot* recorder_hot_;  // recorder_'s common case, written inline (recorder_hot.hpp)
  Options options_;
  std::uint64_t instance_;
  std::unique_ptr<std::atomic<Page*>[]> dir_;
  SpinLock page_mu_;

  SpinLock names_mu_;
  std::unordered_map<ObjId, std::string> names_;
  std::unordered_map<std::uint32_t, std::string> thread_names_;
  std::unordered_map<std::uint32_t, std::string> thread_routines_;  // name_live(): start routines
  std::unordered_map<ObjId, std::source_location> address_sites_;  // address-named: first use
  std::unordered_map<ObjId, std::string> first_uses_;  // name_live(): those sites as file:line

  SpinLock threads_mu_;
  std::vector<std::unique_ptr<ThreadRec>> threads_;

  SpinLock reported_mu_;
  std::set<std::string> reported_;

  std::atomic<bool> watchdog_stop_{false};
  std::thread watchdog_;
  friend void watchdog_main(Detector& d);

 public:
  bool watchdog_should_stop() const { return watchdog_stop_.load(std::memory_order_acquire); }
  // The watchdog thread's kernel tid once it runs (0 before): not a thread of the program.
  std::atomic<int> watchdog_tid{0};
  // Detached, except under clang's static ThreadSanitizer (tsan::g_ahead), which knows the
  // watchdog as one of the program's threads: at_exit() stops and joins it there, or TSan would
  // sleep its atexit_sleep_ms (1 s) at exit waiting for it.
  void detach_watchdog();
};

// Helpers shared by the detectors.
std::string site_str(const std::source_location& s);
// " at file:line", or "" when the site is unknown (interposed calls carry no site).
std::string at(const std::source_location& s);
// " (taken at file:line)" or "".
std::string taken_at(const std::source_location& s);
// Inline: they run on every lock event.
// Takes part in ownership / lock order.
inline bool is_lock_kind(ObjKind k) {
  switch (k) {
    case ObjKind::Lock:
    case ObjKind::RLock:
    case ObjKind::Mutex:
    case ObjKind::RecursiveMutex:
    case ObjKind::Condition:
    case ObjKind::RWLock:
    case ObjKind::SpinLock:
    case ObjKind::Unknown:
      return true;
    default:
      return false;
  }
}
// RLock, RecursiveMutex, Condition (its default RLock).
inline bool is_reentrant_kind(ObjKind k) {
  return k == ObjKind::RLock || k == ObjKind::RecursiveMutex || k == ObjKind::Condition;
}
// Lock, Mutex, SpinLock, RWLock (whose read locks may nest: checked by mode).
inline bool is_nonreentrant_kind(ObjKind k) {
  return k == ObjKind::Lock || k == ObjKind::Mutex || k == ObjKind::SpinLock ||
         k == ObjKind::RWLock;
}
// How many of the most recently taken held locks the lock-order detector relates a new
// acquisition to (lockdep's MAX_LOCK_DEPTH is 48): bounds its work when a thread holds hundreds.
inline constexpr int kOrderWindow = 32;
// The calling thread holds `obj` (its held stack has a valid entry for it).
HeldEntry* find_held(Detector& d, ThreadRec& t, ObjId obj);
// reentry.cpp: how sure a lock-reentry is, and its finding (fatal unless OthersMayUnlock).
enum class ReentryCertainty { Certain, OthersMayUnlock, Confirmed };
FindingRecord reentry_finding(Detector& d, std::uint32_t thread, ObjId obj,
                              const std::source_location& taken,
                              const std::source_location& again, ReentryCertainty c);
// Some thread of the program other than `self` is alive: one weft knows that has not ended, or
// one the kernel lists that weft has not seen yet (with clang's ThreadSanitizer a new thread is
// known only from its first recorded call), leaving out weft's watchdog and TSan's background
// thread. deadlock.cpp.
bool another_live_thread(Detector& d, const ThreadRec& self);
std::uint64_t now_ns();

}  // namespace weft::rt::detectors::internal
