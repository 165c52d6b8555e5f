// The online detectors, fed synthetic event sequences from real threads (each std::thread has its
// own current_thread_index()), with a downstream sink that captures the findings. This tests the
// detection logic independently of the primitives and the recorder.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "weft/runtime/detectors.hpp"
#include "weft/runtime/event.hpp"

using namespace weft::rt;
namespace det = weft::rt::detectors;

namespace {

// Captures findings (the role the recorder plays in production).
class Capture final : public Sink {
 public:
  void on_object(ObjId, ObjKind, std::string_view, const std::source_location&) noexcept override {}
  void on_event(Ev, ObjId, std::uint64_t, const std::source_location&) noexcept override {
    std::lock_guard g(mu_);
    ++events_;
  }
  void on_finding(const FindingRecord& f) noexcept override {
    std::lock_guard g(mu_);
    findings_.push_back(f);
  }
  // Findings as a user reads them: messages rendered by `renderer` (the detector sink), as the
  // live message is.
  std::vector<FindingRecord> of_kind(const std::string& kind) const {
    std::vector<FindingRecord> out;
    for (auto& f : all())
      if (f.kind == kind) out.push_back(std::move(f));
    return out;
  }
  std::vector<FindingRecord> all() const {
    std::vector<FindingRecord> out;
    {
      std::lock_guard g(mu_);
      out = findings_;
    }
    for (auto& f : out) f.message = det::render_message(renderer, f.message);
    return out;
  }
  Sink* renderer = nullptr;
  int events() const {
    std::lock_guard g(mu_);
    return events_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<FindingRecord> findings_;
  int events_ = 0;
};

std::mutex g_fatal_mu;
std::condition_variable g_fatal_cv;
std::vector<FindingRecord> g_fatal;
void record_fatal(const FindingRecord& f) {
  std::lock_guard g(g_fatal_mu);
  g_fatal.push_back(f);
  g_fatal_cv.notify_all();
}
std::size_t fatal_count() {
  std::lock_guard g(g_fatal_mu);
  return g_fatal.size();
}

det::Options test_options(bool watchdog = false) {
  det::Options o;
  o.watchdog = watchdog;
  o.watchdog_period_ms = 50;
  o.on_fatal = &record_fatal;
  return o;
}

struct Fixture {
  Capture cap;
  std::unique_ptr<Sink> d;
  explicit Fixture(det::Options o = test_options()) : d(det::make_detector_sink(&cap, o)) {
    cap.renderer = d.get();
    std::lock_guard g(g_fatal_mu);
    g_fatal.clear();
  }
  ObjId obj(ObjKind kind, std::string_view name) {
    ObjId id = new_object(kind, name);  // no sink installed: only allocates the id
    d->on_object(id, kind, name, std::source_location::current());
    return id;
  }
  void ev(Ev kind, ObjId obj, std::uint64_t arg = 0,
          std::source_location where = std::source_location::current()) {
    d->on_event(kind, obj, arg, where);
  }
  // lock: Acquired + Release bracketing `body`, as the primitives emit them.
  void acquired(ObjId l, std::source_location w = std::source_location::current()) {
    ev(Ev::Acquired, l, 1, w);
  }
  void release(ObjId l, std::source_location w = std::source_location::current()) {
    ev(Ev::Release, l, 0, w);
  }
};

void in_thread(const std::function<void()>& fn) { std::thread(fn).join(); }

std::uint32_t line_here(std::source_location w = std::source_location::current()) {
  return w.line();
}

}  // namespace

// --- lock-reentry ------------------------------------------------------------------------------

TEST_CASE("lock-reentry: a Lock acquired again by its holder is reported before blocking") {
  Fixture f;
  ObjId l = f.obj(ObjKind::Lock, "account");
  std::uint32_t first_line = line_here() + 1;
  f.acquired(l);
  std::uint32_t again_line = line_here() + 1;
  f.ev(Ev::AcquireBegin, l);
  auto found = f.cap.of_kind("lock-reentry");
  REQUIRE(found.size() == 1);
  CHECK(found[0].fatal);
  CHECK(found[0].threads == std::vector<std::uint32_t>{current_thread_index()});
  CHECK(found[0].objects == std::vector<ObjId>{l});
  REQUIRE(found[0].sites.size() == 2);
  CHECK(found[0].sites[0].line() == first_line);
  CHECK(found[0].sites[1].line() == again_line);
  CHECK(found[0].message.find("'account'") != std::string::npos);
  CHECK(fatal_count() == 1);  // the process would have been stopped here
}

TEST_CASE("lock-reentry: RLock re-entry, released-then-retaken Lock, other threads: nothing") {
  Fixture f;
  ObjId r = f.obj(ObjKind::RLock, "r");
  ObjId l = f.obj(ObjKind::Lock, "l");
  f.ev(Ev::Acquired, r, 1);
  f.ev(Ev::Acquired, r, 2);  // no AcquireBegin: an RLock owner never blocks
  f.ev(Ev::Release, r, 1);
  f.ev(Ev::Release, r, 0);
  f.acquired(l);
  f.release(l);
  f.ev(Ev::AcquireBegin, l);  // contended by someone else, not by us
  f.acquired(l);
  in_thread([&] { f.ev(Ev::AcquireBegin, l); });  // another thread waits for it
  f.release(l);
  CHECK(f.cap.of_kind("lock-reentry").empty());
  CHECK(fatal_count() == 0);
}

TEST_CASE("lock-reentry: a Lock used as a signal (released by another thread) is not reported") {
  Fixture f;
  ObjId l = f.obj(ObjKind::Lock, "signal");
  f.acquired(l);
  in_thread([&] { f.release(l); });  // legal for weft::Lock, as in Python
  f.acquired(l);
  f.ev(Ev::AcquireBegin, l);  // will be released by another thread again
  CHECK(f.cap.of_kind("lock-reentry").empty());
  CHECK(f.cap.of_kind("unowned-release").empty());
}

TEST_CASE("lock-reentry: std::mutex seen through the interposer is non-reentrant too") {
  Fixture f;
  ObjId m = f.obj(ObjKind::Mutex, "");
  ObjId rm = f.obj(ObjKind::RecursiveMutex, "");
  f.acquired(rm);
  f.ev(Ev::Acquired, rm, 2);
  f.acquired(m);
  f.ev(Ev::AcquireBegin, m);
  auto found = f.cap.of_kind("lock-reentry");
  REQUIRE(found.size() == 1);
  CHECK(found[0].objects == std::vector<ObjId>{m});
  CHECK(found[0].message.find("mutex #") != std::string::npos);
}

TEST_CASE("lock-reentry: stops the process with the distinctive exit status by default") {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    Capture cap;
    det::Options o;
    o.watchdog = false;
    auto d = det::make_detector_sink(&cap, o);
    ObjId l = new_object(ObjKind::Lock, "x");
    d->on_object(l, ObjKind::Lock, "x", std::source_location::current());
    d->on_event(Ev::Acquired, l, 1, std::source_location::current());
    d->on_event(Ev::AcquireBegin, l, 0, std::source_location::current());
    ::_exit(cap.of_kind("lock-reentry").size() == 1 ? 0 : 3);  // not reached when stopped
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == det::kFatalExitStatus);
}

TEST_CASE("lock-reentry: WEFT_ON_DEADLOCK=continue records the finding and carries on") {
  det::Options o = test_options();
  o.on_fatal = nullptr;
  o.stop_on_deadlock = false;
  Fixture f(o);
  ObjId l = f.obj(ObjKind::Lock, "x");
  f.acquired(l);
  f.ev(Ev::AcquireBegin, l);
  CHECK(f.cap.of_kind("lock-reentry").size() == 1);  // and we are still running
}

// --- lock-order-inversion -----------------------------------------------------------------------

TEST_CASE("lock-order-inversion: ABBA in two threads is reported once with all four sites") {
  Fixture f;
  ObjId a = f.obj(ObjKind::Lock, "A");
  ObjId b = f.obj(ObjKind::Lock, "B");
  std::uint32_t la = 0, lb = 0, lb2 = 0, la2 = 0;
  for (int round = 0; round < 3; ++round) {  // repeated: still one finding
    in_thread([&] {
      la = line_here() + 1;
      f.acquired(a);
      lb = line_here() + 1;
      f.acquired(b);
      f.release(b);
      f.release(a);
    });
    in_thread([&] {
      lb2 = line_here() + 1;
      f.acquired(b);
      la2 = line_here() + 1;
      f.acquired(a);
      f.release(a);
      f.release(b);
    });
  }
  auto found = f.cap.of_kind("lock-order-inversion");
  REQUIRE(found.size() == 1);
  CHECK_FALSE(found[0].fatal);
  CHECK(found[0].threads.size() == 2);
  std::vector<ObjId> objs = found[0].objects;
  std::sort(objs.begin(), objs.end());
  CHECK(objs == std::vector<ObjId>{a, b});
  std::vector<std::uint32_t> lines;
  for (const auto& s : found[0].sites) lines.push_back(s.line());
  std::sort(lines.begin(), lines.end());
  std::vector<std::uint32_t> want{la, lb, lb2, la2};
  std::sort(want.begin(), want.end());
  CHECK(lines == want);
  CHECK(found[0].message.find("'A'") != std::string::npos);
  CHECK(found[0].message.find("'B'") != std::string::npos);
}

TEST_CASE("lock-order-inversion: a 3-lock cycle across three threads") {
  Fixture f;
  ObjId a = f.obj(ObjKind::Lock, "A"), b = f.obj(ObjKind::RLock, "B"),
        c = f.obj(ObjKind::Mutex, "C");
  auto pair = [&](ObjId x, ObjId y) {
    in_thread([&] {
      f.acquired(x);
      f.acquired(y);
      f.release(y);
      f.release(x);
    });
  };
  pair(a, b);
  pair(b, c);
  CHECK(f.cap.of_kind("lock-order-inversion").empty());
  pair(c, a);
  auto found = f.cap.of_kind("lock-order-inversion");
  REQUIRE(found.size() == 1);
  CHECK(found[0].objects.size() == 3);
  CHECK(found[0].sites.size() == 6);
  CHECK(found[0].threads.size() == 3);
}

TEST_CASE("lock-order-inversion: consistent order, try-locks and a common gate lock: nothing") {
  Fixture f;
  ObjId a = f.obj(ObjKind::Lock, "A"), b = f.obj(ObjKind::Lock, "B"),
        g = f.obj(ObjKind::Lock, "gate");
  for (int i = 0; i < 2; ++i) {
    in_thread([&] {
      f.acquired(a);
      f.acquired(b);
      f.release(b);
      f.release(a);
    });
  }
  // The reverse order only through a try-lock: cannot deadlock.
  in_thread([&] {
    f.acquired(b);
    f.ev(Ev::Acquired, a, 1 | kAcquiredByTry);
    f.release(a);
    f.release(b);
  });
  CHECK(f.cap.of_kind("lock-order-inversion").empty());

  ObjId c = f.obj(ObjKind::Lock, "C"), d = f.obj(ObjKind::Lock, "D");
  in_thread([&] {
    f.acquired(g);
    f.acquired(c);
    f.acquired(d);
    f.release(d);
    f.release(c);
    f.release(g);
  });
  in_thread([&] {
    f.acquired(g);
    f.acquired(d);
    f.acquired(c);
    f.release(c);
    f.release(d);
    f.release(g);
  });
  CHECK(f.cap.of_kind("lock-order-inversion").empty());
  // Once C -> D is also taken without the gate, the inversion is real.
  in_thread([&] {
    f.acquired(c);
    f.acquired(d);
    f.release(d);
    f.release(c);
  });
  CHECK(f.cap.of_kind("lock-order-inversion").size() == 1);
}

// --- unowned-release, wait/notify-without-lock, exit-holding-lock --------------------------------

TEST_CASE("unowned-release: unlocked Lock, foreign RLock, foreign mutex") {
  Fixture f;
  ObjId l = f.obj(ObjKind::Lock, "l"), r = f.obj(ObjKind::RLock, "r"),
        m = f.obj(ObjKind::Mutex, "m");
  std::uint32_t line = line_here() + 1;
  f.release(l);
  f.acquired(r);
  f.acquired(m);
  in_thread([&] {
    f.ev(Ev::Release, r, 0);
    f.release(m);
  });
  auto found = f.cap.of_kind("unowned-release");
  REQUIRE(found.size() == 3);
  CHECK(found[0].objects == std::vector<ObjId>{l});
  CHECK(found[0].sites.at(0).line() == line);
  CHECK(found[0].message.find("not locked") != std::string::npos);
  CHECK(found[1].objects == std::vector<ObjId>{r});
  CHECK(found[1].threads.size() == 2);  // the releaser and the owner
  CHECK(found[2].message.find("EPERM") != std::string::npos);
}

TEST_CASE("unowned-release: own releases and a Lock released by another thread are fine") {
  Fixture f;
  ObjId l = f.obj(ObjKind::Lock, "l"), r = f.obj(ObjKind::RLock, "r");
  f.acquired(l);
  f.release(l);
  f.ev(Ev::Acquired, r, 1);
  f.ev(Ev::Acquired, r, 2);
  f.ev(Ev::Release, r, 1);
  f.ev(Ev::Release, r, 0);
  f.acquired(l);
  in_thread([&] { f.release(l); });
  CHECK(f.cap.all().empty());
}

TEST_CASE("wait-without-lock and notify-without-lock on a weft Condition") {
  Fixture f;
  ObjId l = f.obj(ObjKind::Lock, "l"), c = f.obj(ObjKind::Condition, "c");
  // Correct use first: wait and notify under the lock.
  f.acquired(l);
  f.ev(Ev::WaitBegin, c, l);
  f.release(l);
  f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Timeout));
  f.acquired(l);
  f.ev(Ev::Notify, c, (1ull << 32) | 0);
  f.release(l);
  CHECK(f.cap.of_kind("wait-without-lock").empty());
  CHECK(f.cap.of_kind("notify-without-lock").empty());
  f.ev(Ev::Notify, c, (1ull << 32) | 0);
  f.ev(Ev::WaitBegin, c, l);
  CHECK(f.cap.of_kind("notify-without-lock").size() == 1);
  CHECK(f.cap.of_kind("wait-without-lock").size() == 1);
}

namespace {
// A thread waits on `cv` with `m` once (as the interposer records it): cv's mutex becomes known.
void condvar_wait_once(Fixture& f, ObjId cv, ObjId m) {
  f.acquired(m);
  f.ev(Ev::WaitBegin, cv, m);
  f.release(m);
  f.ev(Ev::WaitEnd, cv, static_cast<std::uint64_t>(WaitResult::Timeout));
  f.acquired(m);
  f.release(m);
}
}  // namespace

TEST_CASE("notify-without-lock: a condvar notified by a thread that never took its mutex") {
  Fixture f;
  ObjId m = f.obj(ObjKind::Mutex, "m"), cv = f.obj(ObjKind::CondVar, "cv");
  ObjId other = f.obj(ObjKind::Mutex, "other");
  condvar_wait_once(f, cv, m);
  std::uint32_t line = 0;
  in_thread([&] {
    f.acquired(other);  // holding some other mutex does not count
    line = line_here() + 1;
    f.ev(Ev::Notify, cv, (1ull << 32) | 0);
    f.release(other);
  });
  auto found = f.cap.of_kind("notify-without-lock");
  REQUIRE(found.size() == 1);
  CHECK(found[0].objects == std::vector<ObjId>{cv, m});
  REQUIRE(found[0].sites.size() == 1);
  CHECK(found[0].sites[0].line() == line);
  CHECK(found[0].message.find("'m'") != std::string::npos);
  CHECK(f.cap.all().size() == 1);
}

TEST_CASE("notify-without-lock: condvar notified under its mutex or right after unlocking it") {
  Fixture f;
  ObjId m = f.obj(ObjKind::Mutex, "m"), cv = f.obj(ObjKind::CondVar, "cv");
  condvar_wait_once(f, cv, m);
  SECTION("under the mutex") {
    in_thread([&] {
      f.acquired(m);
      f.ev(Ev::Notify, cv, (1ull << 32) | 1);
      f.release(m);
    });
  }
  SECTION("unlock, then notify (POSIX allows it; the state changed under the mutex)") {
    ObjId log = f.obj(ObjKind::Mutex, "log");
    in_thread([&] {
      f.acquired(m);
      f.release(m);
      f.acquired(log);  // other locks in between do not matter
      f.release(log);
      f.ev(Ev::Notify, cv, (1ull << 32) | 1);
      f.ev(Ev::Notify, cv, (0xffffffffull << 32) | 1);
    });
  }
  SECTION("notified before any wait, right after unlocking the mutex the first wait names") {
    ObjId cv2 = f.obj(ObjKind::CondVar, "cv2");
    in_thread([&] {
      f.acquired(m);
      f.release(m);
      f.ev(Ev::Notify, cv2, (1ull << 32) | 0);
    });
    condvar_wait_once(f, cv2, m);  // (a lost-wakeup: the notify came before the wait)
  }
  CHECK(f.cap.of_kind("notify-without-lock").empty());
}

TEST_CASE("notify-without-lock: a condvar notified before any wait is judged at the first wait") {
  Fixture f;
  ObjId m = f.obj(ObjKind::Mutex, "m"), cv = f.obj(ObjKind::CondVar, "cv");
  std::uint32_t line = 0, notifier = 0;
  in_thread([&] {
    notifier = current_thread_index();
    line = line_here() + 1;
    f.ev(Ev::Notify, cv, (1ull << 32) | 0);  // the mutex is not known yet
  });
  CHECK(f.cap.all().empty());
  condvar_wait_once(f, cv, m);  // now it is, and the notifier never held it
  auto found = f.cap.of_kind("notify-without-lock");
  REQUIRE(found.size() == 1);
  CHECK(found[0].objects == std::vector<ObjId>{cv, m});
  CHECK(found[0].sites.at(0).line() == line);
  CHECK(found[0].threads == std::vector<std::uint32_t>{notifier});  // the notifier, not the waiter
}

TEST_CASE("notify-without-lock: a first wait without its mutex does not judge an early notify") {
  Fixture f;
  ObjId m = f.obj(ObjKind::Mutex, "m"), cv = f.obj(ObjKind::CondVar, "cv");
  in_thread([&] { f.ev(Ev::Notify, cv, (1ull << 32) | 0); });
  f.ev(Ev::WaitBegin, cv, m);  // m not held: wait-without-lock, and m proves nothing
  f.ev(Ev::Release, m, 0);
  f.ev(Ev::WaitEnd, cv, static_cast<std::uint64_t>(WaitResult::Timeout));
  f.ev(Ev::Acquired, m, 1);
  f.release(m);
  in_thread([&] { f.ev(Ev::Notify, cv, (1ull << 32) | 0); });
  CHECK(f.cap.of_kind("wait-without-lock").size() == 1);
  CHECK(f.cap.of_kind("notify-without-lock").empty());
}

TEST_CASE("wait-without-lock on a condvar is one finding: the wait's own release is part of it") {
  Fixture f;
  ObjId m = f.obj(ObjKind::Mutex, "m"), cv = f.obj(ObjKind::CondVar, "cv");
  f.ev(Ev::WaitBegin, cv, m);  // m not held
  f.ev(Ev::Release, m, 0);     // pthread_cond_wait unlocks it: not an unowned-release of its own
  f.ev(Ev::WaitEnd, cv, static_cast<std::uint64_t>(WaitResult::Timeout));
  f.ev(Ev::Acquired, m, 1);    // and returns holding it
  f.release(m);
  CHECK(f.cap.of_kind("wait-without-lock").size() == 1);
  CHECK(f.cap.of_kind("unowned-release").empty());
  // A later release of the mutex nobody holds is one of its own.
  f.ev(Ev::Release, m, 0);
  CHECK(f.cap.of_kind("unowned-release").size() == 1);
  // So is one after a wait whose release did not come (an error-checking mutex's EPERM).
  f.ev(Ev::WaitBegin, cv, m);
  f.ev(Ev::WaitEnd, cv, static_cast<std::uint64_t>(WaitResult::Failed));
  f.ev(Ev::Release, m, 0);
  CHECK(f.cap.of_kind("unowned-release").size() == 2);
}

TEST_CASE("exit-holding-lock: a thread ends holding a lock") {
  Fixture f;
  ObjId l = f.obj(ObjKind::Lock, "l"), ok = f.obj(ObjKind::Lock, "ok");
  ObjId th = f.obj(ObjKind::Thread, "worker");
  std::uint32_t line = 0;
  in_thread([&] {
    f.ev(Ev::ThreadStart, th, 0);
    f.acquired(ok);
    f.release(ok);
    line = line_here() + 1;
    f.acquired(l);
    f.ev(Ev::ThreadEnd, th, 0);
  });
  auto found = f.cap.of_kind("exit-holding-lock");
  REQUIRE(found.size() == 1);
  CHECK(found[0].objects == std::vector<ObjId>{l});
  CHECK(found[0].sites.at(0).line() == line);
}

// --- lost-wakeup, event-as-condition -----------------------------------------------------------

TEST_CASE("lost-wakeup: a notify nobody heard, then a wait that times out") {
  Fixture f;
  ObjId l = f.obj(ObjKind::Lock, "l"), c = f.obj(ObjKind::Condition, "ready");
  std::uint32_t notify_line = 0, wait_line = 0;
  in_thread([&] {
    f.acquired(l);
    notify_line = line_here() + 1;
    f.ev(Ev::Notify, c, (1ull << 32) | 0);
    f.release(l);
  });
  in_thread([&] {
    f.acquired(l);
    wait_line = line_here() + 1;
    f.ev(Ev::WaitBegin, c, l);
    f.release(l);
    f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Timeout));
    f.acquired(l);
    f.release(l);
  });
  auto found = f.cap.of_kind("lost-wakeup");
  REQUIRE(found.size() == 1);
  REQUIRE(found[0].sites.size() == 2);
  CHECK(found[0].sites[0].line() == notify_line);
  CHECK(found[0].sites[1].line() == wait_line);
  CHECK(found[0].message.find("'ready'") != std::string::npos);
}

// CPython's GIL (take_gil: while (locked) timed wait of 5 ms): a thread's first wait, after a
// notify nobody heard, times out by design and waits again because its predicate is still
// false. The notify was not what it waits for: nothing. The same timeout followed by the
// release of the lock (the waiter went on) is a lost wake-up, reported at that release.
TEST_CASE("lost-wakeup: a timed wait that times out and waits again (a polling loop): nothing") {
  for (bool waits_again : {true, false}) {
    INFO("waits again: " << waits_again);
    Fixture f;
    ObjId l = f.obj(ObjKind::Lock, "gil-mutex"), c = f.obj(ObjKind::Condition, "gil-cond");
    in_thread([&] {  // drop_gil with nobody waiting
      f.acquired(l);
      f.ev(Ev::Notify, c, (1ull << 32) | 0);
      f.release(l);
    });
    std::size_t before_release = 0;
    in_thread([&] {
      f.acquired(l);
      f.ev(Ev::WaitBegin, c, l);
      f.release(l);
      f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Timeout));
      f.acquired(l);
      if (waits_again) {
        f.ev(Ev::WaitBegin, c, l);  // still locked by another: wait again
        f.release(l);
        f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Notified));
        f.acquired(l);
      }
      before_release = f.cap.of_kind("lost-wakeup").size();
      f.release(l);
    });
    CHECK(before_release == 0);  // held until the thread shows what it does
    CHECK(f.cap.of_kind("lost-wakeup").size() == (waits_again ? 0u : 1u));
  }
}

TEST_CASE("lost-wakeup: notify that wakes the waiter, or a waiter that re-checks: nothing") {
  Fixture f;
  ObjId l = f.obj(ObjKind::Lock, "l"), c = f.obj(ObjKind::Condition, "c");
  std::promise<void> waiting, notified;
  std::thread waiter([&] {
    f.acquired(l);
    f.ev(Ev::WaitBegin, c, l);
    f.release(l);
    waiting.set_value();
    notified.get_future().wait();
    f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Notified));
    f.acquired(l);
    f.release(l);
  });
  waiting.get_future().wait();
  f.acquired(l);
  f.ev(Ev::Notify, c, (1ull << 32) | 1);
  f.release(l);
  notified.set_value();
  waiter.join();
  // A polling worker that waited before: its timeout is not blamed on an old notify.
  in_thread([&] {
    f.acquired(l);
    f.ev(Ev::Notify, c, (1ull << 32) | 0);
    f.release(l);
  });
  CHECK(f.cap.all().empty());
}

TEST_CASE("event-as-condition: a set() swallowed by a waiter's clear()") {
  Fixture f;
  ObjId e = f.obj(ObjKind::Event, "work");
  std::uint32_t second_set = 0;
  in_thread([&] { f.ev(Ev::Set, e, 0); });
  in_thread([&] {
    second_set = line_here() + 1;
    f.ev(Ev::Set, e, 0);  // still set: this signal can only be consumed by the clear below
  });
  f.ev(Ev::WaitBegin, e, 0);
  f.ev(Ev::WaitEnd, e, static_cast<std::uint64_t>(WaitResult::Notified));
  f.ev(Ev::Clear, e, 0);
  auto found = f.cap.of_kind("event-as-condition");
  REQUIRE(found.size() == 1);
  CHECK(found[0].sites.at(0).line() == second_set);
}

TEST_CASE("event-as-condition: a set() cleared before the waiter looked, then the wait times out") {
  Fixture f;
  ObjId e = f.obj(ObjKind::Event, "go");
  in_thread([&] { f.ev(Ev::Set, e, 0); });
  in_thread([&] { f.ev(Ev::Clear, e, 0); });
  f.ev(Ev::WaitBegin, e, 0);
  f.ev(Ev::WaitEnd, e, static_cast<std::uint64_t>(WaitResult::Timeout));
  CHECK(f.cap.of_kind("event-as-condition").size() == 1);
}

TEST_CASE("event-as-condition: set, observed, cleared by the waiter: nothing") {
  Fixture f;
  ObjId e = f.obj(ObjKind::Event, "go");
  for (int i = 0; i < 3; ++i) {
    in_thread([&] { f.ev(Ev::Set, e, 0); });
    f.ev(Ev::WaitBegin, e, 0);
    f.ev(Ev::WaitEnd, e, static_cast<std::uint64_t>(WaitResult::Notified));
    f.ev(Ev::Clear, e, 0);
  }
  CHECK(f.cap.all().empty());
}

// --- deadlock (watchdog) -----------------------------------------------------------------------

namespace {
// Blocks the calling thread for real (an untimed futex wait) until open() is called.
class Gate {
 public:
  void block() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return open_; });
  }
  void open() {
    std::lock_guard g(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Waits for a fatal finding in an untimed wait, the way a thread that can never wake anyone
// sleeps (the watchdog counts threads asleep with a timeout as possible wakers); alarm() ends
// the test if none comes.
bool wait_for_fatal_untimed() {
  ::alarm(10);
  std::unique_lock lk(g_fatal_mu);
  g_fatal_cv.wait(lk, [] { return !g_fatal.empty(); });
  ::alarm(0);
  return true;
}

bool wait_for_fatal(int ms) {
  for (int i = 0; i < ms / 10; ++i) {
    if (fatal_count() > 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return fatal_count() > 0;
}
}  // namespace

TEST_CASE("deadlock: ABBA with both threads really blocked is reported by the watchdog") {
  Fixture f(test_options(/*watchdog=*/true));
  ObjId a = f.obj(ObjKind::Lock, "A"), b = f.obj(ObjKind::Lock, "B");
  Gate gate;
  std::promise<void> t1_has_a, t2_has_b;
  auto sf1 = t1_has_a.get_future().share();
  auto sf2 = t2_has_b.get_future().share();
  std::uint32_t l1 = 0, l2 = 0;
  std::thread t1([&] {
    f.acquired(a);
    t1_has_a.set_value();
    sf2.wait();
    l1 = line_here() + 1;
    f.ev(Ev::AcquireBegin, b);
    gate.block();
    f.ev(Ev::AcquireFailed, b, 1);
  });
  std::thread t2([&] {
    f.acquired(b);
    t2_has_b.set_value();
    sf1.wait();
    l2 = line_here() + 1;
    f.ev(Ev::AcquireBegin, a);
    gate.block();
    f.ev(Ev::AcquireFailed, a, 1);
  });
  bool reported = wait_for_fatal(5000);
  gate.open();
  t1.join();
  t2.join();
  REQUIRE(reported);
  auto found = f.cap.of_kind("deadlock");
  REQUIRE(found.size() == 1);
  CHECK(found[0].fatal);
  CHECK(found[0].threads.size() == 2);
  std::vector<std::uint32_t> lines;
  for (const auto& s : found[0].sites) lines.push_back(s.line());
  CHECK(std::count(lines.begin(), lines.end(), l1) == 1);
  CHECK(std::count(lines.begin(), lines.end(), l2) == 1);
  CHECK(found[0].message.find("cycle") != std::string::npos);
  // The inversion was also seen, before anything blocked.
  CHECK(f.cap.of_kind("lock-order-inversion").size() == 1);
}

TEST_CASE("lock-reentry: a default mutex re-locked while another thread lives is not fatal, "
          "that thread's unlock lets it go") {
  Fixture f;
  ObjId m = f.obj(ObjKind::Mutex, "job_done");
  ObjId th = f.obj(ObjKind::Thread, "worker");
  std::promise<void> relocking, started;
  auto relock = relocking.get_future().share();
  f.acquired(m);
  std::thread worker([&] {
    f.ev(Ev::ThreadStart, th, 0);
    started.set_value();
    relock.wait();
    f.release(m);  // a hand-off: the worker unlocks the mutex main holds
    f.ev(Ev::ThreadEnd, th, 0);
  });
  started.get_future().wait();  // the worker is known and alive
  f.ev(Ev::AcquireBegin, m);
  auto found = f.cap.of_kind("lock-reentry");
  REQUIRE(found.size() == 1);
  CHECK_FALSE(found[0].fatal);
  CHECK(found[0].message.find("another thread unlocks") != std::string::npos);
  CHECK(fatal_count() == 0);
  relocking.set_value();
  worker.join();
  f.acquired(m);
  f.release(m);
  CHECK(f.cap.of_kind("unowned-release").size() == 1);
  CHECK(fatal_count() == 0);
}

TEST_CASE("lock-reentry: a default mutex re-locked by its only live thread stays fatal") {
  Fixture f;
  ObjId m = f.obj(ObjKind::Mutex, "m");
  in_thread([&] {  // a thread that has come and gone is no possible unlocker
    ObjId th = f.obj(ObjKind::Thread, "gone");
    f.ev(Ev::ThreadStart, th, 0);
    f.ev(Ev::ThreadEnd, th, 0);
  });
  f.acquired(m);
  f.ev(Ev::AcquireBegin, m);
  auto found = f.cap.of_kind("lock-reentry");
  REQUIRE(found.size() == 1);
  CHECK(found[0].fatal);
  CHECK(fatal_count() == 1);
}

#if !defined(__SANITIZE_THREAD__)
TEST_CASE("lock-reentry: a re-locked default mutex that no live thread can unlock is confirmed "
          "by the watchdog, as one finding") {
  Fixture f(test_options(/*watchdog=*/true));
  ObjId m = f.obj(ObjKind::Mutex, "m");
  ObjId idle = f.obj(ObjKind::Thread, "idle"), self = f.obj(ObjKind::Thread, "relocker");
  Gate gate;
  std::thread idler([&] {  // alive but asleep for good: it could unlock, it never will
    f.ev(Ev::ThreadStart, idle, 0);
    gate.block();
    f.ev(Ev::ThreadEnd, idle, 0);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::uint32_t again = 0;
  std::thread relocker([&] {
    f.ev(Ev::ThreadStart, self, 0);
    f.acquired(m);
    again = line_here() + 1;
    f.ev(Ev::AcquireBegin, m);
    gate.block();
    f.ev(Ev::AcquireFailed, m, 1);
    f.release(m);
    f.ev(Ev::ThreadEnd, self, 0);
  });
  bool reported = wait_for_fatal_untimed();
  gate.open();
  idler.join();
  relocker.join();
  REQUIRE(reported);
  std::lock_guard g(g_fatal_mu);
  REQUIRE(g_fatal.size() == 1);
  CHECK(g_fatal[0].kind == "lock-reentry");
  CHECK(g_fatal[0].message.find("still blocked") != std::string::npos);
  REQUIRE(g_fatal[0].sites.size() == 2);
  CHECK(g_fatal[0].sites[1].line() == again);
  // Recorded when it was asked for (not fatal), then confirmed (fatal; the trace reader keeps
  // one finding with the confirmed wording), and no deadlock finding besides.
  auto records = f.cap.of_kind("lock-reentry");
  REQUIRE(records.size() == 2);
  CHECK_FALSE(records[0].fatal);
  CHECK(records[1].fatal);
  CHECK(records[1].message.find("still blocked") != std::string::npos);
  CHECK(f.cap.of_kind("deadlock").empty());
}
#endif

TEST_CASE("deadlock: a wait nobody can satisfy after a lost notify is reported with the cause") {
  Fixture f(test_options(/*watchdog=*/true));
  ObjId l = f.obj(ObjKind::Lock, "l"), c = f.obj(ObjKind::Condition, "ready");
  ObjId th = f.obj(ObjKind::Thread, "consumer");
  in_thread([&] {  // the producer notifies before anybody waits, then ends
    f.acquired(l);
    f.ev(Ev::Notify, c, (1ull << 32) | 0);
    f.release(l);
  });
  Gate gate;
  std::thread consumer([&] {
    f.ev(Ev::ThreadStart, th, 0);
    f.acquired(l);
    f.ev(Ev::WaitBegin, c, l);
    f.release(l);
    gate.block();
    f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Notified));
    f.acquired(l);
    f.release(l);
    f.ev(Ev::ThreadEnd, th, 0);
  });
  bool reported = wait_for_fatal_untimed();
  gate.open();
  consumer.join();
  REQUIRE(reported);
  auto dl = f.cap.of_kind("deadlock");
  REQUIRE(dl.size() == 1);
  CHECK(dl[0].message.find("every thread is blocked") != std::string::npos);
  CHECK(f.cap.of_kind("lost-wakeup").size() == 1);
}

#if !defined(__SANITIZE_THREAD__)
TEST_CASE("deadlock: a thread asleep for good in a std::atomic wait weft does not record") {
  Fixture f(test_options(/*watchdog=*/true));
  ObjId th = f.obj(ObjKind::Thread, "waiter");
  std::atomic<int> flag{0};
  std::thread waiter([&] {
    f.ev(Ev::ThreadStart, th, 0);  // weft knows this thread, but not its atomic wait
    flag.wait(0);
    f.ev(Ev::ThreadEnd, th, 0);
  });
  bool reported = wait_for_fatal_untimed();  // this thread sleeps too (unknown to weft)
  flag = 1;
  flag.notify_all();
  waiter.join();
  REQUIRE(reported);
  auto dl = f.cap.of_kind("deadlock");
  REQUIRE(dl.size() == 1);
  CHECK(dl[0].message.find("futex wait that weft does not record") != std::string::npos);
}
#endif

TEST_CASE("lost-wakeup: unheard notifies from several threads (arrivals a waiter counts): nothing") {
  Fixture f(test_options(/*watchdog=*/true));
  ObjId m = f.obj(ObjKind::Mutex, "m"), c = f.obj(ObjKind::CondVar, "reported");
  for (int worker = 0; worker < 2; ++worker) {  // two of three workers report before main waits
    in_thread([&] {
      f.acquired(m);
      f.ev(Ev::Notify, c, (1ull << 32) | 0);
      f.release(m);
    });
  }
  Gate gate;
  std::thread waiter([&] {  // waits for the third report, which never comes
    f.acquired(m);
    f.ev(Ev::WaitBegin, c, m);
    f.release(m);
    gate.block();
    f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Notified));
    f.acquired(m);
    f.release(m);
  });
  bool reported = wait_for_fatal_untimed();
  gate.open();
  waiter.join();
  REQUIRE(reported);
  CHECK(f.cap.of_kind("deadlock").size() == 1);
  CHECK(f.cap.of_kind("lost-wakeup").empty());
}

TEST_CASE("deadlock: a thread that began to wait after the start broadcast is a lost wake-up") {
  Fixture f(test_options(/*watchdog=*/true));
  ObjId m = f.obj(ObjKind::Mutex, "m"), c = f.obj(ObjKind::CondVar, "start");
  ObjId th = f.obj(ObjKind::Thread, "late");
  Gate first_waits, first_gate, late_gate;
  std::thread first([&] {  // waits before the broadcast and is woken by it
    f.acquired(m);
    f.ev(Ev::WaitBegin, c, m);
    f.release(m);
    first_waits.open();
    first_gate.block();
    f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Notified));
    f.acquired(m);
    f.release(m);
  });
  first_waits.block();
  std::uint32_t broadcast_line = 0;
  in_thread([&] {
    f.acquired(m);
    broadcast_line = line_here() + 1;
    f.ev(Ev::Notify, c, (0xffffffffull << 32) | 1);
    f.release(m);
  });
  first_gate.open();
  first.join();
  std::thread late([&] {  // waits only after the broadcast: nobody will broadcast again
    f.ev(Ev::ThreadStart, th, 0);
    f.acquired(m);
    f.ev(Ev::WaitBegin, c, m);
    f.release(m);
    late_gate.block();
    f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Notified));
    f.acquired(m);
    f.release(m);
    f.ev(Ev::ThreadEnd, th, 0);
  });
  bool reported = wait_for_fatal_untimed();
  late_gate.open();
  late.join();
  REQUIRE(reported);
  CHECK(f.cap.of_kind("deadlock").size() == 1);
  auto lw = f.cap.of_kind("lost-wakeup");
  REQUIRE(lw.size() == 1);
  CHECK(lw[0].message.find("broadcast") != std::string::npos);
  CHECK(lw[0].sites.at(0).line() == broadcast_line);
}

TEST_CASE("deadlock: a wait after an Event pulse (set, clear, nobody looked) is a lost wake-up") {
  Fixture f(test_options(/*watchdog=*/true));
  ObjId e = f.obj(ObjKind::Event, "go");
  ObjId th = f.obj(ObjKind::Thread, "worker");
  std::uint32_t set_line = 0;
  in_thread([&] {
    set_line = line_here() + 1;
    f.ev(Ev::Set, e, 0);
    f.ev(Ev::Clear, e, 0);
  });
  Gate gate;
  std::thread worker([&] {
    f.ev(Ev::ThreadStart, th, 0);
    f.ev(Ev::WaitBegin, e, 0);
    gate.block();
    f.ev(Ev::WaitEnd, e, static_cast<std::uint64_t>(WaitResult::Notified));
    f.ev(Ev::ThreadEnd, th, 0);
  });
  bool reported = wait_for_fatal_untimed();
  gate.open();
  worker.join();
  REQUIRE(reported);
  CHECK(f.cap.of_kind("deadlock").size() == 1);
  auto lw = f.cap.of_kind("lost-wakeup");
  REQUIRE(lw.size() == 1);
  CHECK(lw[0].message.find("pulse") != std::string::npos);
  CHECK(lw[0].sites.at(0).line() == set_line);
  CHECK(f.cap.of_kind("event-as-condition").empty());
}

TEST_CASE("lost-wakeup: a timed wait after a broadcast that times out is not blamed on it") {
  Fixture f;
  ObjId m = f.obj(ObjKind::Mutex, "m"), c = f.obj(ObjKind::CondVar, "work");
  f.acquired(m);
  f.ev(Ev::WaitBegin, c, m);
  f.release(m);
  in_thread([&] {
    f.acquired(m);
    f.ev(Ev::Notify, c, (0xffffffffull << 32) | 1);
    f.release(m);
  });
  f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Notified));
  f.acquired(m);
  f.release(m);
  in_thread([&] {  // a poller: its timed wait may time out
    f.acquired(m);
    f.ev(Ev::WaitBegin, c, m);
    f.release(m);
    f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Timeout));
    f.acquired(m);
    f.release(m);
  });
  CHECK(f.cap.all().empty());
}

// Not in ThreadSanitizer builds: there, TSan's own background thread sleeps with a timeout too,
// so the watchdog counts only running unknown threads (deadlock.cpp).
#if !defined(__SANITIZE_THREAD__)
TEST_CASE("deadlock: a thread weft never saw, asleep with a timeout, may still wake the others") {
  Fixture f(test_options(/*watchdog=*/true));
  ObjId l = f.obj(ObjKind::Lock, "l"), c = f.obj(ObjKind::Condition, "ready");
  Gate gate;
  std::thread consumer([&] {
    f.acquired(l);
    f.ev(Ev::WaitBegin, c, l);
    f.release(l);
    gate.block();  // blocked for good, as far as the kernel can tell
    f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Notified));
    f.acquired(l);
    f.release(l);
  });
  // This thread records nothing and polls with sleeps (a main thread in a waitpid loop).
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  CHECK(fatal_count() == 0);
  gate.open();
  consumer.join();
  CHECK(f.cap.of_kind("deadlock").empty());
}
#endif

TEST_CASE("deadlock: threads in timed waits or running are not reported") {
  Fixture f(test_options(/*watchdog=*/true));
  ObjId c = f.obj(ObjKind::Condition, "c");
  std::mutex m;
  std::condition_variable cv;
  std::thread waiter([&] {
    f.ev(Ev::WaitBegin, c, 0);
    std::unique_lock lk(m);
    cv.wait_for(lk, std::chrono::milliseconds(600));  // a timed wait ends by itself; NOLINT(wait-not-in-loop): a timed wait that must time out
    lk.unlock();
    f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Timeout));
  });
  waiter.join();
  CHECK(fatal_count() == 0);
  CHECK(f.cap.of_kind("deadlock").empty());
}

// --- chaos ---------------------------------------------------------------------------------------

TEST_CASE("chaos: spurious wake-ups are injected, reproducibly from the seed") {
  auto draws = [](std::uint64_t seed) {
    Capture cap;
    det::Options o = test_options();
    o.chaos_seed = seed;
    auto d = det::make_detector_sink(&cap, o);
    std::string out;  // same thread, fresh detector: a fresh per-thread generator
    for (int i = 0; i < 400; ++i) out += d->inject_spurious_wakeup(1, false) ? '1' : '0';
    return out;
  };
  std::string a = draws(7), b = draws(7), c = draws(8);
  CHECK(a == b);
  CHECK(a != c);
  auto ones = std::count(a.begin(), a.end(), '1');
  CHECK(ones > 40);   // ~1/4 of 400
  CHECK(ones < 160);
  // Chaos off: never.
  Capture cap;
  auto d = det::make_detector_sink(&cap, test_options());
  for (int i = 0; i < 100; ++i) CHECK_FALSE(d->inject_spurious_wakeup(1, false));
}

// --- wait-not-in-loop (dynamic, under chaos) -------------------------------------------------

namespace {
det::Options chaos_options() {
  det::Options o = test_options();
  o.chaos_seed = 11;
  return o;
}
// A detector sink (under chaos unless told otherwise) with one mutex `l` ("m") and one
// condition variable `c` ("cv"), the objects every wait-not-in-loop case uses.
struct WaitLoopFixture : Fixture {
  ObjId l, c;
  explicit WaitLoopFixture(det::Options o = chaos_options())
      : Fixture(o), l(obj(ObjKind::Mutex, "m")), c(obj(ObjKind::CondVar, "cv")) {}
};
// One condition wait that chaos ended as a spurious wake-up, as the primitives emit it.
void spurious_wait(Fixture& f, ObjId c, ObjId l, std::source_location w) {
  f.ev(Ev::WaitBegin, c, l, w);
  f.ev(Ev::Release, l, 0, w);
  f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Spurious), w);
  f.ev(Ev::Acquired, l, 1, w);
}
}  // namespace

TEST_CASE("wait-not-in-loop: going on after an untouched spurious wake-up is reported") {
  WaitLoopFixture f;
  const ObjId l = f.l, c = f.c;
  f.acquired(l);
  std::uint32_t wait_line = line_here() + 1;
  spurious_wait(f, c, l, std::source_location::current());
  CHECK(f.cap.of_kind("wait-not-in-loop").empty());  // nothing yet: it may still wait again
  std::uint32_t release_line = line_here() + 1;
  f.release(l);
  auto found = f.cap.of_kind("wait-not-in-loop");
  REQUIRE(found.size() == 1);
  CHECK_FALSE(found[0].fatal);
  CHECK(found[0].objects == std::vector<ObjId>{c, l});
  REQUIRE(found[0].sites.size() == 2);
  CHECK(found[0].sites[0].line() == wait_line);
  CHECK(found[0].sites[1].line() == release_line);
  CHECK(found[0].message.find("'cv'") != std::string::npos);
  CHECK(found[0].message.find("spurious") != std::string::npos);
}

TEST_CASE("wait-not-in-loop: notifying after the spurious wake-up is reported at the notify") {
  WaitLoopFixture f;
  const ObjId l = f.l, c = f.c;
  f.acquired(l);
  spurious_wait(f, c, l, std::source_location::current());
  std::uint32_t notify_line = line_here() + 1;
  f.ev(Ev::Notify, c, (1ull << 32) | 0);
  auto found = f.cap.of_kind("wait-not-in-loop");
  REQUIRE(found.size() == 1);
  CHECK(found[0].sites[1].line() == notify_line);
}

TEST_CASE("wait-not-in-loop: a loop that waits again, or other takers, or timed waits are fine") {
  SECTION("waits again before releasing (a while loop)") {
    WaitLoopFixture f;
    const ObjId l = f.l, c = f.c;
    f.acquired(l);
    spurious_wait(f, c, l, std::source_location::current());
    f.ev(Ev::WaitBegin, c, l);  // the loop re-checked and waits again
    f.ev(Ev::Release, l, 0);
    f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Notified));
    f.ev(Ev::Acquired, l, 1);
    f.release(l);
    CHECK(f.cap.of_kind("wait-not-in-loop").empty());
  }
  SECTION("another thread took the lock in between: the predicate may have changed") {
    WaitLoopFixture f;
    const ObjId l = f.l, c = f.c;
    f.acquired(l);
    f.ev(Ev::WaitBegin, c, l);
    f.ev(Ev::Release, l, 0);
    in_thread([&] {
      f.acquired(l);
      f.release(l);
    });
    f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Spurious));
    f.ev(Ev::Acquired, l, 1);
    f.release(l);
    CHECK(f.cap.of_kind("wait-not-in-loop").empty());
  }
  SECTION("a real wake-up (notified) is not checked") {
    WaitLoopFixture f;
    const ObjId l = f.l, c = f.c;
    f.acquired(l);
    f.ev(Ev::WaitBegin, c, l);
    f.ev(Ev::Release, l, 0);
    f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Notified));
    f.ev(Ev::Acquired, l, 1);
    f.release(l);
    CHECK(f.cap.of_kind("wait-not-in-loop").empty());
  }
  SECTION("a timed wait's early return is not checked") {
    WaitLoopFixture f;
    const ObjId l = f.l, c = f.c;
    f.acquired(l);
    f.ev(Ev::WaitBegin, c, l);
    while (!f.d->inject_spurious_wakeup(c, true)) f.ev(Ev::WaitBegin, c, l);
    f.ev(Ev::Release, l, 0);
    f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Spurious));
    f.ev(Ev::Acquired, l, 1);
    f.release(l);
    CHECK(f.cap.of_kind("wait-not-in-loop").empty());
  }
  SECTION("chaos off: never checked") {
    WaitLoopFixture f(test_options());
    const ObjId l = f.l, c = f.c;
    f.acquired(l);
    spurious_wait(f, c, l, std::source_location::current());
    f.release(l);
    CHECK(f.cap.of_kind("wait-not-in-loop").empty());
  }
}

TEST_CASE("chaos: the first wait on each condition is always woken spuriously") {
  for (std::uint64_t seed : {1, 2, 3, 4, 5}) {
    det::Options o = test_options();
    o.chaos_seed = seed;
    Fixture f(o);
    ObjId c1 = f.obj(ObjKind::CondVar, "c1"), c2 = f.obj(ObjKind::Condition, "c2");
    CHECK(f.d->inject_spurious_wakeup(c1, false));
    CHECK(f.d->inject_spurious_wakeup(c2, true));
    int later = 0;
    for (int i = 0; i < 400; ++i) later += f.d->inject_spurious_wakeup(c1, false) ? 1 : 0;
    CHECK(later > 40);  // then about 1/4
    CHECK(later < 160);
  }
}

TEST_CASE("chaos: notify targets are picked reproducibly, in range, and only under chaos") {
  auto picks = [](std::uint64_t seed) {
    Capture cap;
    det::Options o = test_options();
    o.chaos_seed = seed;
    auto d = det::make_detector_sink(&cap, o);
    std::vector<std::uint32_t> out;
    for (int i = 0; i < 200; ++i) out.push_back(d->chaos_pick(1, 5));
    return out;
  };
  auto a = picks(3), b = picks(3), c = picks(4);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(std::all_of(a.begin(), a.end(), [](std::uint32_t k) { return k < 5; }));
  CHECK(std::count(a.begin(), a.end(), 0u) > 60);  // about half keep the longest waiter
  CHECK(std::count(a.begin(), a.end(), 4u) > 5);   // and the others are spread out
  Capture cap;
  auto d = det::make_detector_sink(&cap, test_options());
  for (int i = 0; i < 50; ++i) CHECK(d->chaos_pick(1, 5) == 0);
}

TEST_CASE("detectors forward every event and object to the downstream sink") {
  Fixture f;
  ObjId l = f.obj(ObjKind::Lock, "l");
  f.acquired(l);
  f.release(l);
  CHECK(f.cap.events() == 2);
  det::Options off;
  off.enabled = false;
  Capture cap;
  CHECK(det::wrap(&cap, off) == &cap);  // detectors off: no wrapper at all
}

// --- issue 13: held-lock bookkeeping, rwlocks, failed calls, lifetimes ------------------------

TEST_CASE("held locks: a thousand held at once, released in and out of order: nothing") {
  Fixture f;
  std::vector<ObjId> locks;
  for (int i = 0; i < 1000; ++i) {
    std::string name = "m";
    name += std::to_string(i);
    locks.push_back(f.obj(ObjKind::Mutex, name));
  }
  for (ObjId l : locks) f.acquired(l);
  for (std::size_t i = 0; i < locks.size(); i += 2) f.release(locks[i]);
  for (int i = static_cast<int>(locks.size()) - 1; i > 0; i -= 2) f.release(locks[i]);
  for (ObjId l : locks) f.acquired(l);  // and again, in the same order: no inversion either
  for (auto it = locks.rbegin(); it != locks.rend(); ++it) f.release(*it);
  CHECK(f.cap.all().empty());
}

TEST_CASE("held locks: an RLock held twice and restored by a Condition wait keeps its depth") {
  Fixture f;
  ObjId r = f.obj(ObjKind::RLock, "low-stock.lock");
  ObjId c = f.obj(ObjKind::Condition, "low-stock");
  f.ev(Ev::Acquired, r, 1);
  f.ev(Ev::Acquired, r, 2);  // nested lock_guards
  f.ev(Ev::WaitBegin, c, r);
  f.ev(Ev::Release, r, 0);  // the wait releases every level
  f.ev(Ev::WaitEnd, c, static_cast<std::uint64_t>(WaitResult::Timeout));
  f.ev(Ev::Acquired, r, 2);  // ... and restores them
  f.ev(Ev::Release, r, 1);
  f.ev(Ev::Release, r, 0);
  CHECK(f.cap.all().empty());
}

TEST_CASE("rwlocks: readers share, a reader asking to write deadlocks itself, modes order cycles") {
  Fixture f;
  ObjId a = f.obj(ObjKind::RWLock, "a"), b = f.obj(ObjKind::RWLock, "b");
  constexpr std::uint64_t kRead = 2, kWrite = 1;
  // Two readers in opposite orders: no conflict at either lock, so no inversion.
  f.ev(Ev::Acquired, a, kRead);
  f.ev(Ev::Acquired, b, kRead);
  in_thread([&] {
    f.ev(Ev::Acquired, b, kRead);
    f.ev(Ev::Acquired, a, kRead);
    f.ev(Ev::Release, a, kRead);
    f.ev(Ev::Release, b, kRead);
  });
  f.ev(Ev::AcquireBegin, b, kRead);  // a nested read: not a re-entry
  f.ev(Ev::Release, b, kRead);
  f.ev(Ev::Release, a, kRead);
  CHECK(f.cap.all().empty());
  // A reader that asks for the write lock waits for itself.
  f.ev(Ev::Acquired, a, kRead);
  f.ev(Ev::AcquireBegin, a, kWrite);
  CHECK(f.cap.of_kind("lock-reentry").size() == 1);
  f.ev(Ev::Release, a, kRead);
  // A writer in one order and a reader/writer in the other: an inversion.
  in_thread([&] {
    f.ev(Ev::Acquired, a, kWrite);
    f.ev(Ev::Acquired, b, kWrite);
    f.ev(Ev::Release, b, 0);
    f.ev(Ev::Release, a, 0);
  });
  in_thread([&] {
    f.ev(Ev::Acquired, b, kRead);
    f.ev(Ev::Acquired, a, kWrite);
    f.ev(Ev::Release, a, 0);
    f.ev(Ev::Release, b, kRead);
  });
  CHECK(f.cap.of_kind("lock-order-inversion").size() == 1);
}

TEST_CASE("failed calls: a refused unlock changes nothing, a refused re-lock is lock-reentry") {
  Fixture f;
  ObjId m = f.obj(ObjKind::Mutex, "m");
  f.acquired(m);
  in_thread([&] {
    f.ev(Ev::Misuse, m, static_cast<std::uint64_t>(MisuseCode::UnlockNotOwner) | (1u << 8));
  });
  CHECK(f.cap.of_kind("unowned-release").size() == 1);
  f.ev(Ev::AcquireFailed, m, static_cast<std::uint64_t>(AcquireFail::Refused));
  CHECK(f.cap.of_kind("lock-reentry").size() == 1);
  f.release(m);  // still ours: a clean release
  f.ev(Ev::ThreadEnd, 0);
  CHECK(f.cap.all().size() == 2);
  CHECK(fatal_count() == 0);
}

TEST_CASE("lifetimes: destroying a held lock, a condvar with a waiter, robust owners may die") {
  Fixture f;
  ObjId m = f.obj(ObjKind::Mutex, "m"), cv = f.obj(ObjKind::CondVar, "cv");
  ObjId robust = f.obj(ObjKind::Mutex, "robust");
  f.acquired(m);
  f.ev(Ev::DestroyBegin, m);
  auto found = f.cap.of_kind("destroy-in-use");
  REQUIRE(found.size() == 1);
  CHECK(found[0].message.find("while holding it") != std::string::npos);
  f.ev(Ev::Misuse, m, static_cast<std::uint64_t>(MisuseCode::DestroyBusy) | (16u << 8));
  CHECK(f.cap.of_kind("destroy-in-use").size() == 1);  // said once, with the holder
  f.release(m);
  std::atomic<bool> waiting{false}, done{false};
  std::thread waiter([&] {
    f.ev(Ev::Acquired, m, 1);
    f.ev(Ev::WaitBegin, cv, m);
    f.ev(Ev::Release, m, 0);
    waiting = true;
    while (!done) std::this_thread::yield();
    f.ev(Ev::WaitEnd, cv, 0);
    f.ev(Ev::Acquired, m, 1);
    f.release(m);
  });
  while (!waiting) std::this_thread::yield();
  f.ev(Ev::DestroyBegin, cv);
  done = true;
  waiter.join();
  CHECK(f.cap.of_kind("destroy-in-use").size() == 2);
  // A thread that dies holding a robust mutex is its documented protocol, not a bug.
  in_thread([&] {
    f.ev(Ev::Acquired, robust, 1 | kAcquiredRobust);
    f.ev(Ev::ThreadEnd, 0);
  });
  CHECK(f.cap.of_kind("exit-holding-lock").empty());
}
