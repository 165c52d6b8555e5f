// The detector sink: keeps per-object and per-thread state and hands each event to the detectors
// (reentry.cpp, lock_order.cpp, misuse.cpp, events.cpp, deadlock.cpp, chaos.cpp) before
// forwarding it to the recorder.
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "internal.hpp"
#include "lock_path.hpp"
#include "weft/runtime/labels.hpp"
#include "weft/runtime/trace_reader.hpp"
#include "weft/runtime/detectors.hpp"
#include "weft/runtime/protocol.hpp"
#include "weft/runtime/tsan.hpp"

namespace {
// Links the ThreadSanitizer bridge (runtime/tsan/) into every program that starts detectors, so
// that its __tsan_on_report() hook is there in -fsanitize=thread builds.
[[gnu::used]] void (*const g_keep_tsan_bridge)(void*) noexcept = &weft::rt::tsan::on_report;
}  // namespace

namespace weft::rt::detectors {

Sink* wrap(Sink* downstream, const Options& options) noexcept {
  if (!options.enabled && options.chaos_seed == 0) return downstream;
  // Lives until exit: instrumented threads may still be inside it while the process ends.
  auto* d = new internal::Detector(downstream, options);
  d->detach_watchdog();
  return d;
}

namespace {
internal::Detector* detector(Sink* s) noexcept { return dynamic_cast<internal::Detector*>(s); }
}  // namespace

void lock_acquired(Sink& s, ObjId lock, const std::source_location& where) noexcept {
  internal::Detector* d = internal::g_lock_path_detector.load(std::memory_order_relaxed);
  if (static_cast<Sink*>(d) == &s &&
      internal::mutex_event<Ev::Acquired, ObjKind::Lock>(*d, lock, where)) [[likely]]
    return;
  protocol::acquired(s, lock, {}, where);
}

void lock_released(Sink& s, ObjId lock, const std::source_location& where) noexcept {
  internal::Detector* d = internal::g_lock_path_detector.load(std::memory_order_relaxed);
  if (static_cast<Sink*>(d) == &s &&
      internal::mutex_event<Ev::Release, ObjKind::Lock>(*d, lock, where)) [[likely]]
    return;
  protocol::released(s, lock, 0, where);
}

void before_fork(Sink* detectors) noexcept {
  if (auto* d = detector(detectors)) d->fork_prepare();
}
void after_fork_parent(Sink* detectors) noexcept {
  if (auto* d = detector(detectors)) d->fork_parent();
}
void after_fork_child(Sink* detectors) noexcept {
  if (auto* d = detector(detectors)) d->fork_child();
}
void at_exit(Sink* detectors) noexcept {
  if (auto* d = detector(detectors); d != nullptr && d->options().enabled) d->at_exit();
}
void install_crash_hook(Sink* detectors) noexcept {
  auto* d = detector(detectors);
  if (d != nullptr && d->options().enabled && d->options().chaos_seed != 0)
    internal::wait_loop_install_crash_hook(*d);
}

std::unique_ptr<Sink> make_detector_sink(Sink* downstream, const Options& options) {
  return std::make_unique<internal::Detector>(downstream, options);
}

std::string render_message(Sink* detectors, std::string_view tmpl) {
  if (auto* d = dynamic_cast<internal::Detector*>(detectors)) return d->render(tmpl);
  return std::string(tmpl);
}

std::uint32_t thread_index_for_tid(Sink* detectors, int tid) {
  auto* d = dynamic_cast<internal::Detector*>(detectors);
  return d == nullptr ? 0 : d->index_of_tid(tid);
}

namespace internal {

namespace {
std::atomic<std::uint64_t> g_instances{0};
}  // namespace

constinit thread_local ThreadSlot t_self __attribute__((tls_model("initial-exec")));
constinit std::atomic<Detector*> g_lock_path_detector{nullptr};

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

std::string site_str(const std::source_location& s) {
  if (s.file_name() == nullptr || s.file_name()[0] == '\0') return "?";
  // A code site (rt::site_from_pc) has line 0 and a "function in module+0xoffset" label.
  if (s.line() == 0 && pc_site_info(s) != nullptr) return s.file_name();
  return std::string(s.file_name()) + ":" + std::to_string(s.line());
}

std::string at(const std::source_location& s) {
  if (s.file_name() == nullptr || s.file_name()[0] == '\0') return {};
  std::string out = " at ";
  out += site_str(s);
  return out;
}

std::string taken_at(const std::source_location& s) {
  if (s.file_name() == nullptr || s.file_name()[0] == '\0') return {};
  std::string out = " (taken at ";
  out += site_str(s);
  out += ')';
  return out;
}

HeldEntry* find_held(Detector& d, ThreadRec& t, ObjId obj) {
  for (int i = t.held.size() - 1; i >= 0; --i) {
    if (t.held[i].obj != obj) continue;
    // A read lock stays ours until we release it (other readers share it).
    if (t.held[i].shared) return &t.held[i];
    Slot* s = d.slot_if_any(obj);
    // Still ours unless another thread released it (a Lock may be released by anyone) and
    // possibly someone re-took it since.
    if (s && s->gen.load(std::memory_order_relaxed) == t.held[i].gen &&
        s->owner.load(std::memory_order_relaxed) == t.index)
      return &t.held[i];
    return nullptr;
  }
  return nullptr;
}

Detector::Detector(Sink* downstream, const Options& options)
    : downstream_(downstream),
      recorder_(dynamic_cast<Recorder*>(downstream)),
      recorder_hot_(recorder_ ? &recorder_->hot() : nullptr),
      options_(options),
      instance_(g_instances.fetch_add(1, std::memory_order_relaxed) + 1),
      dir_(new std::atomic<Page*>[kDirSize]) {
  for (std::size_t i = 0; i < kDirSize; ++i) dir_[i].store(nullptr, std::memory_order_relaxed);
  if (options_.enabled && options_.watchdog) {
    Quiet own;  // weft's thread, not one the program started
    watchdog_ = std::thread([this] { internal::watchdog_main(*this); });
  }
  if (options_.enabled && recorder_ != nullptr)
    g_lock_path_detector.store(this, std::memory_order_release);
}

Detector::~Detector() {
  Detector* self = this;
  g_lock_path_detector.compare_exchange_strong(self, nullptr, std::memory_order_acq_rel);
  watchdog_stop_.store(true, std::memory_order_release);
  Quiet own;
  if (watchdog_.joinable()) watchdog_.join();
  for (std::size_t i = 0; i < kDirSize; ++i) delete dir_[i].load(std::memory_order_relaxed);
}

Slot* Detector::new_slot(ObjId id) noexcept {
  std::size_t page = static_cast<std::size_t>(id >> kPageBits);
  SpinGuard g(page_mu_);
  Page* p = dir_[page].load(std::memory_order_acquire);
  if (p == nullptr) {
    p = new (std::nothrow) Page();
    if (p == nullptr) return nullptr;
    dir_[page].store(p, std::memory_order_release);
  }
  return &p->slots[id & (kPageSize - 1)];
}

Slot* Detector::slot_if_any(ObjId id) noexcept {
  std::size_t page = static_cast<std::size_t>(id >> kPageBits);
  if (page >= kDirSize) return nullptr;
  Page* p = dir_[page].load(std::memory_order_acquire);
  return p ? &p->slots[id & (kPageSize - 1)] : nullptr;
}

ThreadRec& Detector::new_self() noexcept {
  ThreadSlot& ts = t_self;
  auto rec = std::make_unique<ThreadRec>();
  rec->index = current_thread_index();
  rec->tid = static_cast<int>(::syscall(SYS_gettid));
  ThreadRec* r = rec.get();
  {
    SpinGuard g(threads_mu_);
    threads_.push_back(std::move(rec));
  }
  ts.rec = r;
  ts.instance = instance_;
  return *r;
}

// fork(): no spin lock may be held by a thread that will not exist in the child, so the forking
// thread takes them all (outer ones first: graph and signals code calls describe()/report(),
// which take the inner ones) and both sides let go after.
void Detector::fork_prepare() noexcept {
  graph_mu.lock();
  signals_mu.lock();
  reported_mu_.lock();
  page_mu_.lock();
  threads_mu_.lock();
  names_mu_.lock();
}

void Detector::fork_parent() noexcept {
  names_mu_.unlock();
  threads_mu_.unlock();
  page_mu_.unlock();
  reported_mu_.unlock();
  signals_mu.unlock();
  graph_mu.unlock();
}

// The child has one thread, the one that forked: the others are gone (they hold nothing and wait
// for nothing here), and the watchdog thread did not come along, so start a new one.
void Detector::fork_child() noexcept {
  ThreadRec* me = t_self.instance == instance_ ? t_self.rec : nullptr;
  for (auto& t : threads_) {
    if (t.get() == me) {
      t->tid = static_cast<int>(::syscall(SYS_gettid));
      continue;
    }
    t->ended.store(true, std::memory_order_relaxed);
    t->block.store(0, std::memory_order_relaxed);
    t->block_seq.fetch_add(1, std::memory_order_relaxed);
  }
  fork_parent();
#if !defined(__SANITIZE_THREAD__)  // TSan refuses new threads after a multi-threaded fork
  if (options_.enabled && options_.watchdog) {
    try {
      Quiet own;
      std::thread([this] { internal::watchdog_main(*this); }).detach();
    } catch (...) {
      // No watchdog in this child: deadlocks there hang as they would without weft.
    }
  }
#endif
}

void Detector::detach_watchdog() {
  if (watchdog_.joinable() && !tsan::g_ahead) watchdog_.detach();
}

void Detector::at_exit() noexcept {
  if (watchdog_.joinable()) {
    // Only under clang's static ThreadSanitizer (detach_watchdog): no deadlock watch during the
    // rest of the exit, and TSan's reports from here on are drained by the recorder's at_exit.
    watchdog_stop_.store(true, std::memory_order_release);
    try {
      watchdog_.join();
    } catch (...) {
    }
  }
  ThreadSlot& ts = t_self;
  if (ts.instance != instance_ || ts.rec == nullptr) return;  // this thread recorded nothing
  try {
    if (ts.rec->wl_state == WaitLoop::LostPending) lost_pending_report(*this, *ts.rec);
    misuse_on_process_exit(*this, *ts.rec);
  } catch (...) {
  }
}

std::uint32_t Detector::index_of_tid(int tid) {
  SpinGuard g(threads_mu_);
  for (auto it = threads_.rbegin(); it != threads_.rend(); ++it)
    if ((*it)->tid == tid) return (*it)->index;
  return 0;
}

std::vector<ThreadRec*> Detector::threads_snapshot() {
  SpinGuard g(threads_mu_);
  std::vector<ThreadRec*> out;
  out.reserve(threads_.size());
  for (auto& t : threads_) out.push_back(t.get());
  return out;
}

ObjKind Detector::kind_of(ObjId id) noexcept {
  Slot* s = slot_if_any(id);
  return s ? static_cast<ObjKind>(s->kind.load(std::memory_order_relaxed)) : ObjKind::Unknown;
}

namespace {
// The message a user sees first is the readable one: code sites ("prog+0x13e5") become
// "file.cpp:line" here, as `weft report` would say (addr2line, run once for this message).
void symbolize_live(std::string& text, const std::vector<std::source_location>& sites) {
  std::vector<std::pair<std::string, std::uint64_t>> addrs;
  std::vector<std::string> labels;
  for (const auto& s : sites)
    if (const PcSiteInfo* info = pc_site_info(s); info != nullptr && s.line() == 0) {
      addrs.emplace_back(info->module ? info->module : "", info->offset);
      labels.emplace_back(s.file_name());
    }
  if (addrs.empty()) return;
  std::vector<std::string> lines = trace::symbolize_code_labels(addrs);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    // The whole label, as `weft report` replaces it (symbolize_sites).
    if (!lines[i].empty() && !labels[i].empty()) trace::replace_code_label(text, labels[i], lines[i]);
  }
}
}  // namespace

std::string Detector::describe(ObjId id) { return trace::object_ref(id); }

// Objects named by their address ("0x55d8118c10e0") that are variables of the program get the
// variable's name, as the trace's reader will give them (trace::name_objects).
void Detector::name_live(const std::vector<ObjId>& objects,
                         const std::vector<std::uint32_t>& threads) {
  // Unnamed threads by their start routine, as the trace's reader names them.
  std::vector<std::pair<std::string, std::uint64_t>> addrs;
  std::vector<std::uint32_t> whose;
  for (ThreadRec* r : threads_snapshot()) {
    if (std::find(threads.begin(), threads.end(), r->index) == threads.end()) continue;
    std::source_location s = r->start_site.load(std::memory_order_relaxed);
    if (const PcSiteInfo* info = pc_site_info(s); info != nullptr && s.line() == 0) {
      addrs.emplace_back(info->module ? info->module : "", info->offset);
      whose.push_back(r->index);
    }
  }
  if (!addrs.empty()) {
    std::vector<std::string> fns = trace::symbolize_code_functions(addrs);
    SpinGuard g(names_mu_);
    for (std::size_t i = 0; i < fns.size(); ++i)
      if (!fns[i].empty()) thread_routines_[whose[i]] = trace::routine_name(fns[i]);
  }
  for (ObjId id : objects) {
    std::string name;
    {
      SpinGuard g(names_mu_);
      auto it = names_.find(id);
      if (it == names_.end()) continue;
      name = it->second;
    }
    if (name.size() < 3 || name.compare(0, 2, "0x") != 0) continue;
    char* end = nullptr;
    std::uintptr_t a = std::strtoull(name.c_str() + 2, &end, 16);
    if (a == 0 || *end != '\0') continue;
    std::string var = trace::live_object_name(reinterpret_cast<const void*>(a),
                                              trace::interposed_object_size(kind_of(id)));
    if (var.empty()) continue;
    SpinGuard g(names_mu_);
    names_[id] = var;
  }
  // The others known only by their address: where the program first used them.
  std::vector<std::pair<std::string, std::uint64_t>> uses;
  std::vector<ObjId> used;
  {
    SpinGuard g(names_mu_);
    for (ObjId id : objects) {
      auto n = names_.find(id);
      auto s = address_sites_.find(id);
      if (n == names_.end() || s == address_sites_.end() || !trace::is_address_name(n->second))
        continue;
      if (const PcSiteInfo* info = pc_site_info(s->second); info != nullptr && s->second.line() == 0) {
        uses.emplace_back(info->module ? info->module : "", info->offset);
        used.push_back(id);
      }
    }
  }
  if (uses.empty()) return;
  std::vector<std::string> lines = trace::symbolize_code_labels(uses);
  SpinGuard g(names_mu_);
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (!lines[i].empty()) first_uses_[used[i]] = lines[i];
}

std::string Detector::thread_name(std::uint32_t index) { return trace::thread_ref(index); }

// The live labels: what the trace's Labels will say once the trace is read (the same rules, fed
// from what the detectors know now).
std::string Detector::render(std::string_view tmpl) {
  const auto pid = static_cast<std::uint32_t>(::getpid());
  auto thread = [&](std::uint32_t index) {
    int tid = 0;
    {
      SpinGuard g(threads_mu_);
      for (const auto& t : threads_)
        if (t->index == index) tid = t->tid;
    }
    std::string name, routine;
    {
      SpinGuard g(names_mu_);
      auto it = thread_names_.find(index);
      if (it != thread_names_.end()) name = it->second;
      auto r = thread_routines_.find(index);
      if (r != thread_routines_.end()) routine = r->second;
    }
    return trace::thread_label(name, static_cast<std::uint64_t>(tid), pid, index, routine);
  };
  auto object = [&](ObjId id) {
    ObjKind kind = kind_of(id);
    std::string name, first_use;
    {
      SpinGuard g(names_mu_);
      auto it = names_.find(id);
      if (it != names_.end()) name = it->second;
      auto f = first_uses_.find(id);
      if (f != first_uses_.end()) first_use = f->second;
    }
    if (name.empty() && kind == ObjKind::Thread)
      if (Slot* s = slot_if_any(id))
        if (std::uint32_t running = s->owner.load(std::memory_order_relaxed))
          return trace::thread_object_label(thread(running));
    return trace::object_label(kind, name, id, first_use);
  };
  return trace::render(tmpl, thread, object);
}

void Detector::report(FindingRecord f, std::string key) noexcept {
  try {
    if (key.empty()) {
      key = f.kind;
      for (const auto& s : f.sites) {
        key += '|';
        key += site_str(s);
      }
      for (ObjId o : f.objects) {
        key += "|o";
        key += std::to_string(o);
      }
    }
    bool first;
    {
      SpinGuard g(reported_mu_);
      first = reported_.insert(key).second;
    }
    // Duplicates still reach the recorder, which merges identical findings into a count.
    if (downstream_) downstream_->on_finding(f);
    if (f.fatal && first) stop(std::move(f));
  } catch (...) {
    // Out of memory while formatting: drop the finding rather than throw into the program.
  }
}

void Detector::stop(FindingRecord f) noexcept {
  try {
    if (options_.on_fatal) {
      f.message = render(f.message);
      options_.on_fatal(f);
      return;
    }
    name_live(f.objects, f.threads);
    std::string text = "weft: " + f.kind + ": " + render(f.message) + "\n";
    for (const auto& s : f.sites)
      if (std::string a = at(s); !a.empty()) {
        text += ' ';
        text += a;
        text += '\n';
      }
    symbolize_live(text, f.sites);
    if (options_.stop_on_deadlock)
      text += "weft: stopping the process (exit status " + std::to_string(kFatalExitStatus) +
              "); WEFT_ON_DEADLOCK=continue lets it hang instead\n";
    [[maybe_unused]] auto n = ::write(2, text.data(), text.size());
    if (options_.stop_on_deadlock) {
      stopping.store(true, std::memory_order_release);
      // Under ThreadSanitizer, its _exit interceptor finalizes first: from the watchdog (inside
      // its ignore bracket) that sleeps atexit_sleep_ms, reports the bracket, and exits 66.
      // TSan's reports so far are printed already; stop now, with weft's status.
      if (tsan::g_present) ::syscall(SYS_exit_group, kFatalExitStatus);
      ::_exit(kFatalExitStatus);
    }
  } catch (...) {
    // Out of memory while formatting: drop the finding rather than throw into the program.
  }
}

void Detector::on_object(ObjId id, ObjKind kind, std::string_view name,
                         const std::source_location& where) noexcept {
  if (Slot* s = slot(id)) s->kind.store(static_cast<std::uint8_t>(kind), std::memory_order_relaxed);
  if (!name.empty()) {
    try {
      SpinGuard g(names_mu_);
      names_[id] = std::string(name);
      if (trace::is_address_name(name)) address_sites_[id] = where;
    } catch (...) {
    }
  }
  if (downstream_) downstream_->on_object(id, kind, name, where);
}

void Detector::on_destroy(ObjId id) noexcept {
  ObjKind k = kind_of(id);
  if (k == ObjKind::Condition || k == ObjKind::CondVar || k == ObjKind::Event) {
    SpinGuard g(signals_mu);
    signals.erase(id);
    early_notifies.erase(id);
  } else if (options_.enabled && is_aio_kind(k)) {
    coro_on_destroy(self(), id, k);  // aio objects live and die on their loop's thread
  }
  if (downstream_) downstream_->on_destroy(id);
}

void Detector::on_thread_name(std::string_view name) noexcept {
  try {
    std::uint32_t t = current_thread_index();
    SpinGuard g(names_mu_);
    thread_names_[t] = std::string(name);
  } catch (...) {
  }
  if (downstream_) downstream_->on_thread_name(name);
}

void Detector::on_finding(const FindingRecord& finding) noexcept {
  // Findings from elsewhere (the TSan bridge, weft::aio's loop): pass them on, print fatal ones.
  if (downstream_) downstream_->on_finding(finding);
  if (options_.enabled && finding.kind == bug_kind::kDeadlock) coro_on_finding(*this, self(), finding);
}

bool Detector::inject_spurious_wakeup(ObjId cond, bool timed) noexcept {
  if (options_.chaos_seed == 0) return false;
  ThreadRec& t = self();
  // A timed wait's early return may legitimately lead to periodic work: not checked.
  if (timed && t.wl_state == WaitLoop::Waiting && t.wl_cond == cond) t.wl_state = WaitLoop::Idle;
  return chaos_spurious(*this, t, cond);
}

void Detector::chaos_point(ObjId obj) noexcept {
  if (options_.chaos_seed == 0) return;
  internal::chaos_point(*this, self(), obj);
}

std::uint32_t Detector::chaos_pick(ObjId, std::uint32_t n) noexcept {
  if (options_.chaos_seed == 0 || n <= 1) return 0;
  return internal::chaos_pick(*this, self(), n);
}

namespace {
void set_block(ThreadRec& t, Block b, ObjId obj, const std::source_location& where) {
  t.block_obj.store(obj, std::memory_order_relaxed);
  t.block_site.store(where, std::memory_order_relaxed);
  t.block_since_ns.store(now_ns(), std::memory_order_relaxed);
  t.block.store(static_cast<std::uint8_t>(b), std::memory_order_relaxed);
  t.block_seq.fetch_add(1, std::memory_order_release);
}
void clear_block(ThreadRec& t) {
  if (t.block.load(std::memory_order_relaxed) == 0) return;
  t.block.store(0, std::memory_order_relaxed);
  t.block_seq.fetch_add(1, std::memory_order_release);
}

}  // namespace

// Drops entries of locks that other threads released meanwhile (a Lock used as a signal), so
// the stack does not fill up with them.
[[gnu::noinline]] void prune_stale(Detector& d, ThreadRec& t) {
  t.held.retain([&](HeldEntry& e) { return find_held(d, t, e.obj) == &e; });
}

// The fast path: an Acquired or Release of a lock by a thread that is not blocked and has no
// wait-loop check pending, i.e. every uncontended lock operation. It does exactly what
// on_event_slow() does for such an event (take / give), with less code around it.
void Detector::on_event(Ev kind, ObjId obj, std::uint64_t arg,
                        const std::source_location& where) noexcept {
  if (options_.enabled && (kind == Ev::Acquired || kind == Ev::Release) && obj != 0) [[likely]] {
    ThreadRec& t = self();
    if (t.block.load(std::memory_order_relaxed) == 0 && t.wl_state == WaitLoop::Idle) [[likely]] {
      if (Slot* s = slot(obj)) [[likely]] {
        auto k = static_cast<ObjKind>(s->kind.load(std::memory_order_relaxed));
        if (is_lock_kind(k)) [[likely]] {
          if (kind == Ev::Acquired)
            take(*this, t, obj, *s, k, arg, where, !(arg & kAcquiredByTry));
          else
            give(*this, t, obj, *s, k, arg, where);
          forward(kind, obj, arg, where);
          return;
        }
      }
    }
  }
  on_event_slow(kind, obj, arg, where);
}

[[gnu::noinline]] void Detector::on_event_slow(Ev kind, ObjId obj, std::uint64_t arg,
                                               const std::source_location& where) noexcept {
  if (options_.enabled) [[likely]] {
    ThreadRec& t = self();
    // Any event but the Release inside a condition wait means the thread is running again.
    if (t.block.load(std::memory_order_relaxed) != 0 && kind != Ev::Release) [[unlikely]]
      clear_block(t);
    Slot* s = obj ? slot(obj) : nullptr;
    ObjKind k = s ? static_cast<ObjKind>(s->kind.load(std::memory_order_relaxed))
                  : ObjKind::Unknown;
    // weft::aio: tasks suspend instead of blocking, and share the thread (coro.cpp).
    if (kind == Ev::TaskResume || kind == Ev::TaskSuspend || (s && is_aio_kind(k))) [[unlikely]] {
      coro_on_event(*this, t, kind, obj, arg, where);
      forward(kind, obj, arg, where);
      return;
    }
    if (t.coro && t.coro->task != 0) [[unlikely]]
      coro_on_thread_event(t, kind, obj, where);
    // A sleep ends by itself: the thread is not blocked on anything another could wake or fail
    // to wake (no deadlock, no lost wake-up); only blocking-in-coroutine reads it (above).
    if (k == ObjKind::Sleep) [[unlikely]] {
      forward(kind, obj, arg, where);
      return;
    }
    switch (kind) {
      case Ev::AcquireBegin:
        if (s) {
          if (is_lock_kind(k)) {
            reentry_on_acquire_begin(*this, t, obj, *s, arg, where);
            // Check the order before blocking (as lockdep does): an ABBA that deadlocks right
            // now is reported as an inversion too. Acquired then finds the edges cached.
            if (!(is_reentrant_kind(k) && find_held(*this, t, obj)))
              lock_order_on_acquired(*this, t, obj, shared_mode(k, arg), where);
          }
          set_block(t, Block::Lock, obj, where);
        }
        break;
      case Ev::Acquired:
        if (s && is_lock_kind(k)) take(*this, t, obj, *s, k, arg, where, !(arg & kAcquiredByTry));
        if (t.wl_state == WaitLoop::Woken) [[unlikely]]
          wait_loop_on_acquired(*this, t, obj);
        break;
      case Ev::AcquireFailed:
        clear_block(t);
        if (arg == static_cast<std::uint64_t>(AcquireFail::Refused) && s) [[unlikely]]
          reentry_on_acquire_failed(*this, t, obj, arg, where);
        break;
      case Ev::DestroyBegin:
        if (s) lifetime_on_destroy_begin(*this, t, obj, where);
        break;
      case Ev::Misuse:
        lifetime_on_misuse(*this, t, obj, arg, where);
        break;
      case Ev::Release:
        if (s && is_lock_kind(k)) give(*this, t, obj, *s, k, arg, where);
        if (t.wl_state == WaitLoop::LostPending && obj == t.wl_lock) [[unlikely]]
          if (find_held(*this, t, obj) == nullptr) lost_pending_report(*this, t);
        if (t.wl_state == WaitLoop::Armed && obj == t.wl_lock) [[unlikely]]
          if (find_held(*this, t, obj) == nullptr)
            wait_loop_on_went_on(*this, t, ("released " + describe(obj)).c_str(), where);
        break;
      case Ev::WaitBegin:
        if (t.wl_state == WaitLoop::LostPending) [[unlikely]] {
          // Waiting on the same condition again: its predicate was still false.
          if (obj == t.wl_cond)
            lost_pending_drop(t);
          else
            lost_pending_report(*this, t);
        }
        if (t.wl_state != WaitLoop::Idle || options_.chaos_seed != 0) [[unlikely]]
          wait_loop_on_wait_begin(*this, t, obj, static_cast<ObjId>(arg), where);
        if (s) {
          // Blocked first: two threads beginning waits on one condvar at once then see each
          // other (misuse_on_wait_begin's exchange orders them).
          set_block(t, Block::Wait, obj, where);
          misuse_on_wait_begin(*this, t, obj, static_cast<ObjId>(arg), where);
          signals_on_event(*this, t, kind, obj, arg, where);
        }
        break;
      case Ev::WaitEnd:
        clear_block(t);
        t.unheld_wait_lock = 0;
        if (t.wl_state != WaitLoop::Idle) [[unlikely]]
          wait_loop_on_wait_end(t, obj, arg);
        if (s) signals_on_event(*this, t, kind, obj, arg, where);
        break;
      case Ev::Notify:
        if (t.wl_state == WaitLoop::Armed) [[unlikely]]
          wait_loop_on_went_on(*this, t, ("notified " + describe(obj)).c_str(), where);
        if (s) {
          misuse_on_notify(*this, t, obj, where);
          signals_on_event(*this, t, kind, obj, arg, where);
        }
        break;
      case Ev::Set:
      case Ev::Clear:
        if (kind == Ev::Set && t.wl_state == WaitLoop::Armed) [[unlikely]]
          wait_loop_on_went_on(*this, t, ("set " + describe(obj)).c_str(), where);
        if (s) signals_on_event(*this, t, kind, obj, arg, where);
        break;
      case Ev::JoinBegin:
        if (s) set_block(t, Block::Join, obj, where);
        break;
      case Ev::JoinEnd:
        clear_block(t);
        break;
      case Ev::ThreadStart:
        if (s) s->owner.store(t.index, std::memory_order_relaxed);
        t.start_site.store(where, std::memory_order_relaxed);
        break;
      case Ev::ThreadEnd:
        if (t.wl_state == WaitLoop::LostPending) [[unlikely]]
          lost_pending_report(*this, t);
        misuse_on_thread_end(*this, t, where);
        t.ended.store(true, std::memory_order_release);
        t.seen_edges.reset();  // a cache: a late nested acquisition allocates it again
        break;
      case Ev::BarrierArrive:
        if (s) {
          set_block(t, Block::Wait, obj, where);
          lifetime_on_barrier_arrive(*s, arg);
        }
        break;
      case Ev::BarrierPass:
      case Ev::BarrierBreak:
        clear_block(t);
        break;
      default:
        break;
    }
  }
  forward(kind, obj, arg, where);
}

}  // namespace internal
}  // namespace weft::rt::detectors
