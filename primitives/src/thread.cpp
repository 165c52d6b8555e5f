// Thread, current_thread(), enumerate(): a registry of alive threads' shared states.
#include "weft/thread.hpp"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "weft/detail/sync.hpp"

namespace weft {

using rt::Ev;

struct Thread::State {
  ::weft::detail::QuietMutex mu;
  ::weft::detail::QuietCondVar cv;
  bool started = false;        // start() was called (always true for main/dummy)
  bool running = false;        // the new thread has begun
  bool finished = false;       // the target returned or threw
  bool native_done = false;    // `native` was joined or detached
  std::thread native;
  std::atomic<std::uint64_t> ident{0};
  std::atomic<Thread*> owner{nullptr};  // null once the Thread object is gone
};

namespace {

struct Registry {
  ::weft::detail::QuietMutex mu;
  std::vector<Thread::State*> alive;
};
Registry& registry() {
  static auto* r = new Registry;  // never destroyed: threads may outlive static destructors
  return *r;
}
void register_state(Thread::State* st) {
  auto& r = registry();
  std::lock_guard g(r.mu);
  r.alive.push_back(st);
}
void unregister_state(Thread::State* st) {
  auto& r = registry();
  std::lock_guard g(r.mu);
  r.alive.erase(std::remove(r.alive.begin(), r.alive.end(), st), r.alive.end());
}

std::atomic<int> g_thread_counter{0};
std::atomic<int> g_dummy_counter{0};

thread_local Thread::State* t_state = nullptr;

bool on_main_thread() { return static_cast<pid_t>(syscall(SYS_gettid)) == getpid(); }

// Holds the placeholder Thread of a foreign thread; unregisters it when the thread ends.
struct DummyHolder {
  Thread* thread = nullptr;
  ~DummyHolder();
};
thread_local DummyHolder t_dummy;

}  // namespace

// ---- Thread ----------------------------------------------------------------------------------

Thread::Thread(std::function<void()> target, std::string name, bool daemon,
               std::source_location where)
    : st_(std::make_shared<State>()),
      target_(std::move(target)),
      name_(name.empty() ? "Thread-" + std::to_string(++g_thread_counter) : std::move(name)),
      daemon_(daemon),
      id_(rt::new_object(rt::ObjKind::Thread, name_, where)) {
  st_->owner.store(this, std::memory_order_release);
}

Thread::Thread(Kind kind, std::string name)
    : st_(std::make_shared<State>()),
      name_(std::move(name)),
      daemon_(kind == Kind::Dummy),
      kind_(kind),
      id_(rt::new_object(rt::ObjKind::Thread, name_, {})) {  // no program line created it
  st_->started = st_->running = true;
  st_->owner.store(this, std::memory_order_release);
  register_state(st_.get());
}

Thread::~Thread() {
  {
    auto& r = registry();
    std::lock_guard g(r.mu);
    st_->owner.store(nullptr, std::memory_order_release);
  }
  if (kind_ == Kind::User) {
    bool must_join = false;
    {
      std::lock_guard g(st_->mu);
      if (st_->started && !st_->native_done) {
        if (daemon_ || t_state == st_.get()) {
          st_->native_done = true;
          rt::Quiet own;
          st_->native.detach();
        } else {
          must_join = true;
        }
      }
    }
    if (must_join) join();
  } else {
    unregister_state(st_.get());
  }
  rt::destroy_object(id_);
}

void Thread::start(std::source_location where) {
  if (kind_ != Kind::User) throw RuntimeError("threads can only be started once");
  {
    std::lock_guard g(st_->mu);
    if (st_->started) throw RuntimeError("threads can only be started once");
    st_->started = true;
  }
  rt::ObjId parent = current_thread().id();
  register_state(st_.get());
  auto body = [st = st_, target = std::move(target_), name = name_, id = id_, parent,
               where]() mutable {
    t_state = st.get();
    st->ident.store(detail::self_ident(), std::memory_order_relaxed);
    rt::name_current_thread(name);
    rt::emit(Ev::ThreadStart, id, parent, where);
    {
      std::lock_guard g(st->mu);
      st->running = true;
    }
    st->cv.notify_all();
    int status = 0;
    try {
      if (target) target();
    } catch (const std::exception& e) {
      status = 1;
      std::string msg = "Exception in thread " + name + ":\n" + e.what() + "\n";
      std::fputs(msg.c_str(), stderr);
    } catch (...) {
      status = 1;
      std::string msg = "Exception in thread " + name + ":\n(unknown exception)\n";
      std::fputs(msg.c_str(), stderr);
    }
    target = nullptr;  // destroy captured state before the thread counts as finished
    rt::emit(Ev::ThreadEnd, id, static_cast<std::uint64_t>(status), where);
    unregister_state(st.get());
    {
      std::lock_guard g(st->mu);
      st->finished = true;
    }
    st->cv.notify_all();
    t_state = nullptr;
  };
  try {
    std::thread native = [&] {
      rt::Quiet own;  // recorded by this Thread (ThreadStart), not by the interposer
      return std::thread(std::move(body));
    }();
    std::unique_lock g(st_->mu);
    st_->native = std::move(native);
    st_->cv.wait(g, [&] { return st_->running; });
  } catch (const std::system_error& e) {
    unregister_state(st_.get());
    throw RuntimeError(std::string("can't start new thread: ") + e.what());
  }
}

void Thread::join(double timeout, std::source_location where) {
  detail::check_wait_timeout(timeout);
  if (kind_ == Kind::Dummy) throw RuntimeError("cannot join a dummy thread");
  {
    std::lock_guard g(st_->mu);
    if (!st_->started) throw RuntimeError("cannot join thread before it is started");
  }
  if (kind_ == Kind::Main ? on_main_thread() : t_state == st_.get())
    throw RuntimeError("cannot join current thread");
  rt::emit(Ev::JoinBegin, id_, 0, where);
  detail::Deadline deadline = detail::Deadline::after(timeout);
  std::unique_lock g(st_->mu);
  bool done;
  if (deadline.forever)
    st_->cv.wait(g, [&] { return st_->finished; }), done = true;
  else
    done = st_->cv.wait_until(g, deadline.at, [&] { return st_->finished; });
  if (done && !st_->native_done) {
    st_->native_done = true;
    std::thread native = std::move(st_->native);
    g.unlock();
    rt::Quiet own;
    native.join();
  }
  rt::emit(Ev::JoinEnd, id_, done ? 0 : 1, where);
}

bool Thread::is_alive() const {
  if (kind_ != Kind::User) return true;
  std::lock_guard g(st_->mu);
  return st_->started && !st_->finished;
}

std::uint64_t Thread::ident() const { return st_->ident.load(std::memory_order_relaxed); }

// ---- Module functions ------------------------------------------------------------------------

namespace {
// Captured during static initialisation, which runs on the main thread.
const std::uint64_t g_main_ident = static_cast<std::uint64_t>(pthread_self());

DummyHolder::~DummyHolder() { delete thread; }
}  // namespace

Thread& main_thread() {
  static Thread* main = [] {
    auto* t = new Thread(Thread::Kind::Main, "MainThread");
    t->st_->ident.store(g_main_ident);
    return t;
  }();
  return *main;
}

Thread& current_thread() {
  if (t_state) {
    if (Thread* o = t_state->owner.load(std::memory_order_acquire)) return *o;
  }
  if (on_main_thread()) {
    thread_local bool named = false;
    Thread& m = main_thread();
    if (!named) {
      named = true;
      rt::name_current_thread(m.name());
    }
    return m;
  }
  if (!t_dummy.thread) {
    t_dummy.thread = new Thread(Thread::Kind::Dummy, "Dummy-" + std::to_string(++g_dummy_counter));
    t_dummy.thread->st_->ident.store(detail::self_ident());
    rt::name_current_thread(t_dummy.thread->name());
  }
  return *t_dummy.thread;
}

std::vector<Thread*> enumerate() {
  main_thread();
  std::vector<Thread*> out;
  auto& r = registry();
  std::lock_guard g(r.mu);
  for (auto* st : r.alive)
    if (Thread* o = st->owner.load(std::memory_order_acquire)) out.push_back(o);
  return out;
}

int active_count() { return static_cast<int>(enumerate().size()); }

std::uint64_t get_ident() { return detail::self_ident(); }

}  // namespace weft
