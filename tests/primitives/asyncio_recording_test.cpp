// weft::aio under weft run (issue 18): tasks recorded as lanes of their own, the rows their
// primitives record, and the detectors that read them (runtime/src/detectors/coro.cpp).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <weft/asyncio.hpp>
#include <weft/threading.hpp>

#include "weft/runtime/detectors.hpp"
#include "weft/runtime/recorder.hpp"
#include "weft/runtime/trace_reader.hpp"

namespace aio = weft::aio;
namespace rt = weft::rt;
namespace trace = weft::trace;
using rt::Ev;
using rt::ObjKind;

namespace {

std::string temp_path() {
  static int n = 0;
  return "/tmp/weft-aio-rec-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + ".trace";
}

// Findings and events that reach the end of a detector sink.
class Capture final : public rt::Sink {
 public:
  void on_object(rt::ObjId id, ObjKind kind, std::string_view name,
                 const std::source_location&) noexcept override {
    std::lock_guard g(mu_);
    kinds_[id] = kind;
    names_[id] = std::string(name);
  }
  void on_event(Ev kind, rt::ObjId obj, std::uint64_t arg, const std::source_location&) noexcept override {
    std::lock_guard g(mu_);
    events_.push_back({kind, obj, arg});
  }
  void on_finding(const rt::FindingRecord& f) noexcept override {
    std::lock_guard g(mu_);
    findings_.push_back(f);
  }
  std::vector<rt::FindingRecord> findings(std::string_view kind) const {
    std::lock_guard g(mu_);
    std::vector<rt::FindingRecord> out;
    for (const auto& f : findings_)
      if (f.kind == kind) out.push_back(f);
    return out;
  }
  struct Row {
    Ev kind;
    rt::ObjId obj;
    std::uint64_t arg;
  };
  std::vector<Row> events() const {
    std::lock_guard g(mu_);
    return events_;
  }
  ObjKind kind_of(rt::ObjId id) const {
    std::lock_guard g(mu_);
    auto it = kinds_.find(id);
    return it == kinds_.end() ? ObjKind::Unknown : it->second;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Row> events_;
  std::vector<rt::FindingRecord> findings_;
  std::map<rt::ObjId, ObjKind> kinds_;
  std::map<rt::ObjId, std::string> names_;
};

// Installs a detector sink over a Capture for the scope.
struct Detecting {
  Capture cap;
  std::unique_ptr<rt::Sink> d;
  explicit Detecting(rt::detectors::Options o) : d(rt::detectors::make_detector_sink(&cap, o)) {
    rt::set_sink(d.get());
  }
  ~Detecting() { rt::set_sink(nullptr); }
};

rt::detectors::Options options(std::uint64_t coro_block_ms, std::uint64_t chaos_seed = 0) {
  rt::detectors::Options o;
  o.watchdog = false;
  o.coro_block_ns = coro_block_ms * 1'000'000;
  o.chaos_seed = chaos_seed;
  return o;
}

// Two tasks hand a token back and forth through an aio Condition, `rounds` times each.
aio::Coro<> ping_pong(int rounds) {
  aio::Condition cond("turn");
  int turn = 0;
  auto player = [&](int me) -> aio::Coro<> {
    for (int i = 0; i < rounds; ++i) {
      auto g = co_await cond.scoped();
      while (turn != me) co_await cond.wait();
      turn = 1 - me;
      cond.notify_all();
    }
  };
  auto a = aio::create_task(player(0), "ping");
  auto b = aio::create_task(player(1), "pong");
  co_await aio::gather(a, b);
}

}  // namespace

TEST_CASE("aio tasks are recorded as lanes under the thread that runs their loop") {
  std::string path = temp_path();
  {
    rt::Recorder rec({.path = path, .block_bytes = 16u << 10});
    rt::set_sink(&rec);
    aio::run(ping_pong(400));  // ~10k events: many 16 KiB blocks begin inside a task
    rt::set_sink(nullptr);
  }
  trace::Trace t = trace::read_trace(path);
  std::map<std::string, const trace::Thread*> by_name;
  const trace::Thread* loop_thread = nullptr;
  for (const auto& th : t.threads) {
    if (th.is_task()) by_name[th.name] = &th;
    else loop_thread = &th;
  }
  REQUIRE(loop_thread != nullptr);
  REQUIRE(by_name.count("ping"));
  REQUIRE(by_name.count("pong"));
  REQUIRE(by_name.count("Task-1"));  // run()'s main task
  for (const auto& [name, th] : by_name) {
    CHECK(th->parent == loop_thread->index);
    CHECK(th->os_tid == loop_thread->os_tid);
    const trace::Object* o = t.object(th->task);
    REQUIRE(o != nullptr);
    CHECK(o->kind == ObjKind::AioTask);
    CHECK(o->name == name);
  }
  // Every primitive row is in a task's lane, never the loop thread's, and each lane alternates
  // resume and suspend, from its first resume to its end.
  std::map<std::uint32_t, int> waits, state;  // state: 0 before, 1 running, 2 suspended, 3 ended
  std::uint64_t in_lanes = 0;
  for (const auto& e : t.events) {
    if (e.kind == Ev::Create || e.kind == Ev::Destroy) continue;
    const trace::Thread& th = t.threads[e.thread];
    INFO("event " << rt::to_string(e.kind) << " in lane " << th.name);
    REQUIRE(th.is_task());
    ++in_lanes;
    CHECK(e.obj != 0);
    int& s = state[e.thread];
    switch (e.kind) {
      case Ev::TaskResume:
        CHECK(e.obj == th.task);
        CHECK((s == 0 || s == 2));
        s = 1;
        break;
      case Ev::TaskSuspend:
        CHECK(e.obj == th.task);
        CHECK(s == 1);
        s = 2;
        break;
      case Ev::TaskEnd:
        CHECK(e.obj == th.task);
        CHECK(s == 1);
        s = 3;
        break;
      default:
        CHECK(s == 1);
        if (e.kind == Ev::WaitBegin) ++waits[e.thread];
    }
  }
  for (const auto& [lane, s] : state) CHECK(s == 3);
  CHECK(waits[by_name["ping"]->index] >= 300);
  CHECK(waits[by_name["pong"]->index] >= 300);
  // The streaming reader puts every event in the same lane.
  trace::EventReader reader(path);
  std::vector<std::pair<std::uint32_t, Ev>> streamed, full;
  reader.for_each([&](const trace::Event& e) { streamed.emplace_back(e.thread, e.kind); });
  for (const auto& e : t.events) full.emplace_back(e.thread, e.kind);
  CHECK(streamed == full);
  CHECK(in_lanes > 5000);
  std::remove(path.c_str());
}

TEST_CASE("aio primitives record the rows of their threading twins") {
  Detecting det(options(0));
  aio::run([]() -> aio::Coro<> {
    aio::Condition cond("items");
    aio::Event ev("go");
    bool ready = false;
    auto consumer = aio::create_task([](aio::Condition& c, bool& r) -> aio::Coro<> {
      auto g = co_await c.scoped();
      while (!r) co_await c.wait();
    }(cond, ready));
    auto waiter = aio::create_task([](aio::Event& e) -> aio::Coro<> { co_await e.wait(); }(ev));
    co_await aio::sleep(0);
    {
      auto g = co_await cond.scoped();
      ready = true;
      cond.notify();
    }
    ev.set();
    co_await aio::gather(consumer, waiter);
  }());
  auto rows = det.cap.events();
  auto find = [&](Ev kind, ObjKind ok) {
    for (const auto& r : rows)
      if (r.kind == kind && det.cap.kind_of(r.obj) == ok) return r;
    return Capture::Row{Ev::Create, 0, 0};
  };
  // The condition wait: WaitBegin(cond, its lock), Release(lock), ... WaitEnd(cond, notified).
  auto wb = find(Ev::WaitBegin, ObjKind::AioCondition);
  REQUIRE(wb.obj != 0);
  CHECK(det.cap.kind_of(wb.arg) == ObjKind::AioLock);
  CHECK(find(Ev::WaitEnd, ObjKind::AioCondition).arg == static_cast<std::uint64_t>(rt::WaitResult::Notified));
  CHECK(find(Ev::Notify, ObjKind::AioCondition).arg == ((std::uint64_t{1} << 32) | 1));
  CHECK(find(Ev::Set, ObjKind::AioEvent).arg == 1);  // woke one waiter
  CHECK(find(Ev::WaitEnd, ObjKind::AioEvent).obj != 0);
  CHECK(find(Ev::Acquired, ObjKind::AioLock).obj == wb.arg);
  CHECK(find(Ev::Release, ObjKind::AioLock).obj == wb.arg);
  // One Acquired per acquisition, waited for or not: as many as Releases.
  std::size_t acquired = 0, released = 0;
  for (const auto& r : rows) {
    acquired += r.kind == Ev::Acquired && r.obj == wb.arg;
    released += r.kind == Ev::Release && r.obj == wb.arg;
  }
  CHECK(acquired == 3);  // consumer, main, consumer again after its wait
  CHECK(released == acquired);
  // The consumer suspended on the condition: TaskSuspend's arg names it.
  bool suspended_on_cond = false;
  for (const auto& r : rows) suspended_on_cond |= r.kind == Ev::TaskSuspend && r.arg == wb.obj;
  CHECK(suspended_on_cond);
  // aio rows are not thread-lock traffic: no thread finding from two tasks sharing one thread.
  CHECK(det.cap.findings("lock-reentry").empty());
  CHECK(det.cap.findings("unowned-release").empty());
}

TEST_CASE("blocking-in-coroutine: a task that runs past the threshold without suspending") {
  SECTION("a sleep: no recorded call explains it") {
    Detecting det(options(20));
    aio::run([]() -> aio::Coro<> {
      co_await aio::sleep(0);
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
      co_await aio::sleep(0);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // under the threshold
    }());
    auto fs = det.cap.findings("blocking-in-coroutine");
    REQUIRE(fs.size() == 1);
    CHECK_THAT(fs[0].message, Catch::Contains("without suspending"));
    CHECK_THAT(fs[0].message, Catch::Contains("no recorded blocking call"));
    REQUIRE(fs[0].objects.size() == 1);
    CHECK(det.cap.kind_of(fs[0].objects[0]) == ObjKind::AioTask);
    REQUIRE_FALSE(fs[0].sites.empty());
    CHECK(std::string(fs[0].sites[0].file_name()).find("asyncio_recording_test.cpp") != std::string::npos);
  }
  SECTION("a weft::Lock held by another thread: the finding names the lock") {
    Detecting det(options(20));
    weft::Lock lock("config");
    weft::Event held;
    std::thread holder([&] {
      lock.acquire();
      held.set();
      std::this_thread::sleep_for(std::chrono::milliseconds(60));
      lock.release();
    });
    held.wait();
    aio::run([](weft::Lock& l) -> aio::Coro<> {
      co_await aio::sleep(0);
      l.acquire();  // blocks the loop until the other thread lets go
      l.release();
    }(lock));
    holder.join();
    auto fs = det.cap.findings("blocking-in-coroutine");
    REQUIRE(fs.size() == 1);
    CHECK_THAT(fs[0].message, Catch::Contains("a thread primitive"));
    REQUIRE(fs[0].objects.size() == 2);
    CHECK(fs[0].objects[1] == lock.id());
  }
  SECTION("threshold 0 turns it off; short steps are never reported") {
    Detecting det(options(0));
    aio::run([]() -> aio::Coro<> {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      co_return;
    }());
    CHECK(det.cap.findings("blocking-in-coroutine").empty());
    Detecting quick(options(50));
    aio::run([]() -> aio::Coro<> {
      for (int i = 0; i < 20; ++i) co_await aio::sleep(0.001);
    }());
    CHECK(quick.cap.findings("blocking-in-coroutine").empty());
  }
}

namespace {
// The tutorial's section 7 consumer: `if not available: await cond.wait()` (buggy) or `while`.
aio::Coro<int> consume(bool use_while) {
  aio::Condition cond("resource");
  int available = 0, taken = 0;
  auto consumer = aio::create_task([](aio::Condition& c, int& avail, int& got, bool loop) -> aio::Coro<> {
    auto g = co_await c.scoped();
    if (loop) {
      while (avail == 0) co_await c.wait();
    } else if (avail == 0) {
      co_await c.wait();
    }
    if (avail > 0) {
      --avail;
      ++got;
    }
  }(cond, available, taken, use_while));
  co_await aio::sleep(0.002);
  {
    auto g = co_await cond.scoped();
    ++available;
    cond.notify();
  }
  co_await consumer;
  co_return taken;
}
}  // namespace

TEST_CASE("chaos wakes aio Condition waiters spuriously, going on after one is wait-not-in-loop") {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    Detecting det(options(0, seed));
    int taken = aio::run(consume(false));
    std::size_t spurious = 0;
    for (const auto& r : det.cap.events())
      spurious += r.kind == Ev::WaitEnd && r.arg == static_cast<std::uint64_t>(rt::WaitResult::Spurious);
    auto fs = det.cap.findings("wait-not-in-loop");
    INFO("seed " << seed << ": " << spurious << " spurious wake-ups, " << taken << " taken");
    if (spurious == 0) {  // this seed injected nothing: the `if` got lucky, and nothing is said
      CHECK(fs.empty());
      continue;
    }
    CHECK(taken == 0);  // went on with nothing available
    REQUIRE(fs.size() == 1);
    CHECK_THAT(fs[0].message, Catch::Contains("spurious wake-up injected by --chaos"));
    CHECK(det.cap.kind_of(fs[0].objects[0]) == ObjKind::AioCondition);
    CHECK(det.cap.kind_of(fs[0].objects[2]) == ObjKind::AioTask);
  }
  // Chaos always injects at some seed within a few: the check above ran at least once.
  std::size_t injected = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    Detecting det(options(0, seed));
    (void)aio::run(consume(false));
    injected += !det.cap.findings("wait-not-in-loop").empty();
  }
  CHECK(injected > 0);
  // With `while` the task waits again after every spurious wake-up: it takes the item, no finding.
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    Detecting det(options(0, seed));
    CHECK(aio::run(consume(true)) == 1);
    CHECK(det.cap.findings("wait-not-in-loop").empty());
  }
}

TEST_CASE("a task deadlock is recorded as a deadlock finding naming the tasks and their waits") {
  Detecting det(options(0));
  aio::Lock a("left"), b("right");
  auto body = [&]() -> aio::Coro<> {
    auto t1 = aio::create_task([](aio::Lock& x, aio::Lock& y) -> aio::Coro<> {
      auto g = co_await x.scoped();
      co_await aio::sleep(0.001);
      auto h = co_await y.scoped();
    }(a, b), "first");
    auto t2 = aio::create_task([](aio::Lock& x, aio::Lock& y) -> aio::Coro<> {
      auto g = co_await y.scoped();
      co_await aio::sleep(0.001);
      auto h = co_await x.scoped();
    }(a, b), "second");
    co_await aio::gather(t1, t2);
  };
  CHECK_THROWS_AS(aio::run(body()), aio::DeadlockError);
  auto fs = det.cap.findings("deadlock");
  REQUIRE(fs.size() == 1);
  CHECK_FALSE(fs[0].fatal);
  CHECK_THAT(fs[0].message, Catch::Contains("asyncio deadlock: 3 tasks"));
  std::set<rt::ObjId> tasks;  // the main task's wait (in gather) names a task too
  bool names_left = false, names_right = false;
  for (rt::ObjId o : fs[0].objects) {
    if (det.cap.kind_of(o) == ObjKind::AioTask) tasks.insert(o);
    names_left |= o == a.id();
    names_right |= o == b.id();
  }
  CHECK(tasks.size() == 3);  // first, second, and the main task waiting in gather
  CHECK(names_left);
  CHECK(names_right);
  CHECK(fs[0].sites.size() >= 2);
}

namespace {
// A producer task announces `n` items on an aio Event, `burst` at a time (set() after each item,
// no suspension inside a burst); the consumer takes one item per wake-up: `co_await wait();
// clear();`. Returns the items the consumer got before the producer finished.
aio::Coro<int> announce(int n, int burst) {
  aio::Event ready("ready");
  int queued = 0, got = 0;
  bool done = false;
  auto consumer = aio::create_task([](aio::Event& ev, int& q, int& g, bool& d) -> aio::Coro<> {
    while (!d || q > 0) {
      co_await ev.wait();
      ev.clear();
      if (q > 0) {
        --q;
        ++g;
      }
      if (d) break;
    }
  }(ready, queued, got, done), "consumer");
  for (int i = 0; i < n; i += burst) {
    for (int j = 0; j < burst; ++j) {
      ++queued;
      ready.set();
    }
    co_await aio::sleep(0.001);
  }
  done = true;
  ready.set();
  co_await consumer;
  co_return got;
}
}  // namespace

TEST_CASE("event-as-condition: an aio Event set twice before its consumer clears it") {
  SECTION("two announcements in one loop step: the second is lost") {
    Detecting det(options(0));
    int got = aio::run(announce(4, 2));
    CHECK(got < 4);  // the program really lost items
    auto fs = det.cap.findings("event-as-condition");
    REQUIRE_FALSE(fs.empty());
    CHECK_THAT(fs[0].message, Catch::Contains("still set"));
    CHECK_THAT(fs[0].message, Catch::Contains("aio::Condition"));
    REQUIRE(fs[0].objects.size() == 3);  // the event, the setting task, the clearing task
    CHECK(det.cap.kind_of(fs[0].objects[0]) == ObjKind::AioEvent);
    CHECK(det.cap.kind_of(fs[0].objects[1]) == ObjKind::AioTask);
    CHECK(det.cap.kind_of(fs[0].objects[2]) == ObjKind::AioTask);
    CHECK(fs[0].objects[1] != fs[0].objects[2]);
    REQUIRE(fs[0].sites.size() == 2);
    CHECK(fs[0].sites[0].line() != fs[0].sites[1].line());
  }
  SECTION("one announcement per step: each is seen, nothing reported") {
    Detecting det(options(0));
    CHECK(aio::run(announce(4, 1)) == 4);
    CHECK(det.cap.findings("event-as-condition").empty());
  }
  SECTION("a set() repeated and cleared by the same task is no lost signal") {
    Detecting det(options(0));
    aio::run([]() -> aio::Coro<> {
      aio::Event stop("stop");
      stop.set();
      stop.set();
      co_await stop.wait();
      stop.clear();
    }());
    CHECK(det.cap.findings("event-as-condition").empty());
  }
}

namespace {
// `first` takes x then y, then `second` (started after `first` finished) takes the pair in
// `second_order`, each holding the first lock across an await; `gate`: both under one more lock.
aio::Coro<> two_orders(aio::Lock& x, aio::Lock& y, bool reversed, bool same_task, aio::Lock* gate) {
  auto take = [](aio::Lock& p, aio::Lock& q, aio::Lock* g) -> aio::Coro<> {
    std::optional<aio::Scoped<aio::Lock>> outer;
    if (g != nullptr) outer.emplace(co_await g->scoped());
    auto a = co_await p.scoped();
    co_await aio::sleep(0);
    auto b = co_await q.scoped();
  };
  if (same_task) {
    co_await take(x, y, gate);
    co_await take(reversed ? y : x, reversed ? x : y, gate);
    co_return;
  }
  auto t1 = aio::create_task(take(x, y, gate), "first");
  co_await t1;
  auto t2 = aio::create_task(take(reversed ? y : x, reversed ? x : y, gate), "second");
  co_await t2;
}
}  // namespace

TEST_CASE("lock-order-inversion among aio tasks, before any deadlock") {
  // Each section makes its locks after installing the detectors, which must see them created.
  SECTION("two tasks take two aio Locks in opposite orders: reported, though this run did not hang") {
    Detecting det(options(0));
    aio::Lock north("north"), south("south"), gate("gate");
    aio::run(two_orders(north, south, true, false, nullptr));
    auto fs = det.cap.findings("lock-order-inversion");
    REQUIRE(fs.size() == 1);
    CHECK_THAT(fs[0].message, Catch::Contains("cyclic order by different tasks"));
    CHECK(det.cap.findings("deadlock").empty());
    std::set<rt::ObjId> objs(fs[0].objects.begin(), fs[0].objects.end());
    CHECK(objs.count(north.id()) == 1);
    CHECK(objs.count(south.id()) == 1);
    int tasks = 0;
    for (rt::ObjId o : objs) tasks += det.cap.kind_of(o) == ObjKind::AioTask;
    CHECK(tasks == 2);
    CHECK(fs[0].sites.size() == 4);
  }
  SECTION("the same order in both tasks: nothing") {
    Detecting det(options(0));
    aio::Lock north("north"), south("south"), gate("gate");
    aio::run(two_orders(north, south, false, false, nullptr));
    CHECK(det.cap.findings("lock-order-inversion").empty());
  }
  SECTION("one task taking both orders cannot wait for itself: nothing") {
    Detecting det(options(0));
    aio::Lock north("north"), south("south"), gate("gate");
    aio::run(two_orders(north, south, true, true, nullptr));
    CHECK(det.cap.findings("lock-order-inversion").empty());
  }
  SECTION("both orders taken under one gate lock cannot interleave: nothing") {
    Detecting det(options(0));
    aio::Lock north("north"), south("south"), gate("gate");
    aio::run(two_orders(north, south, true, false, &gate));
    CHECK(det.cap.findings("lock-order-inversion").empty());
  }
}

namespace {
// A notifier task and a waiter task on one aio Condition; the notifier runs its step first.
// `predicate`: the waiter waits for the flag (while), else for the notification itself;
// `timeout` >= 0: that wait is bounded by wait_for() (TimeoutError caught).
aio::Coro<> notify_first(aio::Condition& cond, bool predicate, double timeout = -1) {
  bool ready = false;
  auto notifier = aio::create_task([](aio::Condition& c, bool& r) -> aio::Coro<> {
    auto g = co_await c.scoped();
    r = true;
    c.notify();
  }(cond, ready), "notifier");
  auto waiter = aio::create_task([](aio::Condition& c, bool& r, bool pred, double t) -> aio::Coro<> {
    auto g = co_await c.scoped();
    if (pred) {
      while (!r) co_await c.wait();
    } else if (t >= 0) {
      try {
        co_await aio::wait_for(c.wait(), t);
      } catch (const aio::TimeoutError&) {
      }
    } else {
      co_await c.wait();
    }
  }(cond, ready, predicate, timeout), "waiter");
  co_await aio::gather(notifier, waiter);
}
}  // namespace

TEST_CASE("lost-wakeup among aio tasks: a notify before the wait, and the loop deadlocks") {
  SECTION("the waiter waits for the notification: lost-wakeup beside the deadlock") {
    Detecting det(options(0));
    aio::Condition cond("cache");
    CHECK_THROWS_AS(aio::run(notify_first(cond, false)), aio::DeadlockError);
    REQUIRE(det.cap.findings("deadlock").size() == 1);
    auto fs = det.cap.findings("lost-wakeup");
    REQUIRE(fs.size() == 1);
    CHECK_THAT(fs[0].message, Catch::Contains("came before the wait and woke nobody"));
    REQUIRE(fs[0].objects.size() == 3);
    CHECK(fs[0].objects[0] == cond.id());
    CHECK(det.cap.kind_of(fs[0].objects[1]) == ObjKind::AioTask);
    CHECK(det.cap.kind_of(fs[0].objects[2]) == ObjKind::AioTask);
    REQUIRE(fs[0].sites.size() == 2);
    CHECK(fs[0].sites[0].line() != fs[0].sites[1].line());
  }
  SECTION("the waiter waits for the state: no deadlock, nothing") {
    Detecting det(options(0));
    aio::Condition cond("cache");
    aio::run(notify_first(cond, true));
    CHECK(det.cap.findings("lost-wakeup").empty());
    CHECK(det.cap.findings("deadlock").empty());
  }
  SECTION("a wait bounded by wait_for() after the unheard notify: lost-wakeup at its timeout") {
    Detecting det(options(0));
    aio::Condition cond("cache");
    aio::run(notify_first(cond, false, 0.02));
    CHECK(det.cap.findings("deadlock").empty());
    auto fs = det.cap.findings("lost-wakeup");
    REQUIRE(fs.size() == 1);
    CHECK_THAT(fs[0].message, Catch::Contains("waited until its timeout") &&
                                  Catch::Contains("came before the wait and woke nobody"));
    REQUIRE(fs[0].objects.size() == 3);
    CHECK(fs[0].objects[0] == cond.id());
  }
  SECTION("a bounded wait that times out with no notify before it: nothing") {
    Detecting det(options(0));
    aio::Condition cond("idle");
    aio::run([](aio::Condition& c) -> aio::Coro<> {
      auto g = co_await c.scoped();
      try {
        co_await aio::wait_for(c.wait(), 0.02);
      } catch (const aio::TimeoutError&) {
      }
    }(cond));
    CHECK(det.cap.findings("lost-wakeup").empty());
  }
  SECTION("a deadlock with no unheard notify behind it is no lost wake-up") {
    Detecting det(options(0));
    aio::Condition cond("never");
    CHECK_THROWS_AS(aio::run([](aio::Condition& c) -> aio::Coro<> {
      auto g = co_await c.scoped();
      co_await c.wait();
    }(cond)), aio::DeadlockError);
    CHECK(det.cap.findings("deadlock").size() == 1);
    CHECK(det.cap.findings("lost-wakeup").empty());
  }
}
