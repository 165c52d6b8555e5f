// Every primitive reports the event sequence of the conventions table in
// weft/runtime/event.hpp to the active sink.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "helpers.hpp"
#include "weft/runtime/memory_sink.hpp"
#include "weft/threading.hpp"

using namespace weft_test;
using weft::rt::Ev;
using weft::rt::MemorySink;
using weft::rt::WaitResult;
using Kinds = std::vector<Ev>;

namespace {
std::uint64_t reason(WaitResult r) { return static_cast<std::uint64_t>(r); }
std::vector<std::uint64_t> args_for(const MemorySink& s, weft::rt::ObjId id) {
  std::vector<std::uint64_t> out;
  for (const auto& r : s.events_for(id)) out.push_back(r.arg);
  return out;
}
}  // namespace

TEST_CASE("events: objects are reported with kind, name and construction line", "[events]") {
  MemorySink sink;
  unsigned line = __LINE__ + 1;
  weft::Lock l("accounts");
  weft::RLock r("tree");
  auto objs = sink.objects();
  REQUIRE(objs.size() == 2);
  CHECK(objs[0].id == l.id());
  CHECK(objs[0].kind == weft::rt::ObjKind::Lock);
  CHECK(objs[0].name == "accounts");
  CHECK(objs[0].line == line);
  CHECK(objs[0].file.find("events_test.cpp") != std::string::npos);
  CHECK(objs[1].kind == weft::rt::ObjKind::RLock);
}

TEST_CASE("events: uncontended Lock gives Acquired then Release, at the caller's line",
          "[events]") {
  MemorySink sink;
  weft::Lock l;
  unsigned line = __LINE__ + 1;
  l.acquire();
  l.release();
  CHECK(sink.kinds_for(l.id()) == Kinds{Ev::Acquired, Ev::Release});
  CHECK(args_for(sink, l.id()) == std::vector<std::uint64_t>{1, 0});
  auto evs = sink.events_for(l.id());
  CHECK(evs[0].line == line);
  CHECK(evs[0].file.find("events_test.cpp") != std::string::npos);
  CHECK(evs[1].line == line + 1);
  {
    unsigned guard_line = __LINE__ + 1;
    std::lock_guard g(l);
    CHECK(sink.events_for(l.id()).back().line != guard_line);  // lock_guard calls lock() itself
  }
}

TEST_CASE("events: contended acquire gives AcquireBegin then Acquired", "[events]") {
  MemorySink sink;
  weft::Lock l;
  l.acquire();
  std::uint32_t main_thread = weft::rt::current_thread_index();
  std::thread t([&] {
    l.acquire();
    l.release();
  });
  let_threads_block();
  l.release();
  t.join();
  auto evs = sink.events_for(l.id());
  Kinds other;
  for (auto& e : evs)
    if (e.thread != main_thread) other.push_back(e.kind);
  CHECK(other == Kinds{Ev::AcquireBegin, Ev::Acquired, Ev::Release});
}

TEST_CASE("events: failed try and timed-out acquire give AcquireFailed 0 and 1", "[events]") {
  MemorySink sink;
  weft::Lock l;
  l.acquire();
  std::thread([&] {
    CHECK_FALSE(l.acquire(false));
    CHECK_FALSE(l.acquire(true, 0.01));
  }).join();
  l.release();
  CHECK(sink.kinds_for(l.id()) ==
        Kinds{Ev::Acquired, Ev::AcquireFailed, Ev::AcquireBegin, Ev::AcquireFailed, Ev::Release});
  CHECK(args_for(sink, l.id()) == std::vector<std::uint64_t>{1, 0, 0, 1, 0});
}

TEST_CASE("events: a successful non-blocking try is marked kAcquiredByTry", "[events]") {
  MemorySink sink;
  weft::Lock l;
  weft::RLock r;
  weft::Semaphore s(1);
  CHECK(l.try_lock());
  CHECK(r.acquire(false));
  CHECK(s.acquire(false));
  CHECK(args_for(sink, l.id()) == std::vector<std::uint64_t>{1 | weft::rt::kAcquiredByTry});
  CHECK(args_for(sink, r.id()) == std::vector<std::uint64_t>{1 | weft::rt::kAcquiredByTry});
  CHECK(args_for(sink, s.id()) == std::vector<std::uint64_t>{0 | weft::rt::kAcquiredByTry});
  l.release();
  r.release();
  s.release();
}

TEST_CASE("events: RLock reports the recursion depth", "[events]") {
  MemorySink sink;
  weft::RLock r;
  r.acquire();
  r.acquire();
  r.release();
  r.release();
  CHECK(sink.kinds_for(r.id()) == Kinds{Ev::Acquired, Ev::Acquired, Ev::Release, Ev::Release});
  CHECK(args_for(sink, r.id()) == std::vector<std::uint64_t>{1, 2, 1, 0});
}

TEST_CASE("events: misuse is recorded before the exception", "[events]") {
  MemorySink sink;
  weft::Lock l;
  CHECK_THROWS_AS(l.release(), weft::RuntimeError);
  CHECK(sink.kinds_for(l.id()) == Kinds{Ev::Release});
  weft::Condition c;
  CHECK_THROWS_AS(c.wait(0), weft::RuntimeError);  // NOLINT(wait-not-in-loop,wait-without-lock): tests that wait() without the lock throws
  CHECK_THROWS_AS(c.notify(2), weft::RuntimeError);  // NOLINT(notify-without-lock): tests that it throws
  CHECK(sink.kinds_for(c.id()) == Kinds{Ev::WaitBegin, Ev::Notify});
  CHECK(args_for(sink, c.id()) == std::vector<std::uint64_t>{c.lock_id(), 2ull << 32});
}

TEST_CASE("events: a timed-out Condition wait", "[events]") {
  MemorySink sink;
  weft::Lock l;
  weft::Condition c(l);
  c.acquire();
  CHECK_FALSE(c.wait(0.01));
  c.release();
  auto evs = sink.events();
  Kinds seq;
  std::vector<std::uint64_t> objs;
  for (auto& e : evs) {
    seq.push_back(e.kind);
    objs.push_back(e.obj);
  }
  CHECK(seq == Kinds{Ev::Acquired, Ev::WaitBegin, Ev::Release, Ev::WaitEnd, Ev::Acquired,
                     Ev::Release});
  CHECK(objs == std::vector<std::uint64_t>{l.id(), c.id(), l.id(), c.id(), l.id(), l.id()});
  CHECK(args_for(sink, c.id()) == std::vector<std::uint64_t>{l.id(), reason(WaitResult::Timeout)});
}

TEST_CASE("events: a notified Condition wait and the Notify count", "[events]") {
  MemorySink sink;
  weft::Condition c;
  bool ready = false;
  std::atomic<bool> waiting{false};
  std::thread t([&] {
    std::lock_guard g(c);
    waiting = true;
    while (!ready) c.wait();
  });
  while (!waiting) std::this_thread::yield();
  {
    std::lock_guard g(c);
    ready = true;
    c.notify(3);
  }
  t.join();
  auto kinds = sink.kinds_for(c.id());
  REQUIRE(kinds.size() == 3);
  CHECK(kinds == Kinds{Ev::WaitBegin, Ev::Notify, Ev::WaitEnd});
  auto args = args_for(sink, c.id());
  CHECK(args[1] == ((3ull << 32) | 1));
  CHECK(args[2] == reason(WaitResult::Notified));
  // The RLock of the condition: released fully during the wait (depth 0), restored after.
  auto largs = args_for(sink, c.lock_id());
  auto lkinds = sink.kinds_for(c.lock_id());
  REQUIRE(lkinds.size() >= 4);
  {
    std::lock_guard g(c);
    c.notify_all();
  }
  CHECK(args_for(sink, c.id()).back() == 0xffffffff00000000ull);
}

TEST_CASE("events: Semaphore reports the value after each operation", "[events]") {
  MemorySink sink;
  weft::Semaphore s(2);
  s.acquire();
  s.acquire();
  CHECK_FALSE(s.acquire(false));
  s.release(2);
  CHECK(sink.kinds_for(s.id()) ==
        Kinds{Ev::Acquired, Ev::Acquired, Ev::AcquireFailed, Ev::Release});
  CHECK(args_for(sink, s.id()) == std::vector<std::uint64_t>{1, 0, 0, 2});
}

TEST_CASE("events: Event set, clear and a timed-out wait", "[events]") {
  MemorySink sink;
  weft::Event e;
  CHECK_FALSE(e.wait(0.01));
  e.set();
  CHECK(e.wait());  // already set: no wait events
  e.clear();
  CHECK(sink.kinds_for(e.id()) == Kinds{Ev::WaitBegin, Ev::WaitEnd, Ev::Set, Ev::Clear});
  CHECK(args_for(sink, e.id()) ==
        std::vector<std::uint64_t>{0, reason(WaitResult::Timeout), 0, 0});
}

TEST_CASE("events: Event set counts the waiters it wakes", "[events]") {
  MemorySink sink;
  weft::Event e;
  std::thread a([&] { e.wait(); }), b([&] { e.wait(); });
  while (sink.kinds_for(e.id()).size() < 2) std::this_thread::yield();
  e.set();
  a.join();
  b.join();
  for (auto& r : sink.events_for(e.id()))
    if (r.kind == Ev::Set) CHECK(r.arg == 2);
}

TEST_CASE("events: thread start, end and join, and a UTF-8 name reaches the sink", "[events]") {
  MemorySink sink;
  weft::rt::ObjId main_id = weft::current_thread().id();
  std::uint32_t child_index = 0;
  weft::Thread t([&] { child_index = weft::rt::current_thread_index(); }, "子线程-0");
  unsigned line = __LINE__ + 1;
  t.start();
  t.join();
  // The join may begin before the thread ends; each thread's own events are in order.
  auto evs = sink.events_for(t.id());
  REQUIRE(evs.size() == 4);
  Kinds child, parent;
  for (auto& e : evs) (e.thread == child_index ? child : parent).push_back(e.kind);
  CHECK(child == Kinds{Ev::ThreadStart, Ev::ThreadEnd});
  CHECK(parent == Kinds{Ev::JoinBegin, Ev::JoinEnd});
  CHECK(evs[0].kind == Ev::ThreadStart);  // start() returns only once the thread runs
  CHECK(evs[0].arg == main_id);
  CHECK(evs[0].line == line);
  CHECK(evs.back().kind == Ev::JoinEnd);
  CHECK(evs.back().arg == 0);
  for (auto& e : evs)
    if (e.kind == Ev::ThreadEnd) CHECK(e.arg == 0);
  bool named = false;
  for (auto& [idx, name] : sink.thread_names())
    if (idx == child_index && name == "子线程-0") named = true;
  CHECK(named);

  weft::Thread bad([] { throw std::runtime_error("x"); }, "bad");
  std::fflush(stderr);
  bad.start();
  bad.join();
  int ends = 0;
  for (auto& r : sink.events_for(bad.id()))
    if (r.kind == Ev::ThreadEnd) {
      ++ends;
      CHECK(r.arg == 1);
    }
  CHECK(ends == 1);

  weft::Event stop;
  weft::Thread slow([&] { stop.wait(); });
  slow.start();
  slow.join(0.01);
  stop.set();
  slow.join();
  auto kinds = sink.kinds_for(slow.id());
  auto args = args_for(sink, slow.id());
  REQUIRE(kinds.size() == 6);
  CHECK(kinds[1] == Ev::JoinBegin);
  CHECK(kinds[2] == Ev::JoinEnd);
  CHECK(args[2] == 1);  // the timed-out join
  CHECK(kinds.back() == Ev::JoinEnd);
  CHECK(args.back() == 0);
}

namespace {
// A sink that injects a spurious wake-up into every condition wait and counts chaos points.
class ChaosSink final : public weft::rt::Sink {
 public:
  ChaosSink() { prev_ = weft::rt::set_sink(this); }
  ~ChaosSink() override { weft::rt::set_sink(prev_); }
  void on_object(weft::rt::ObjId, weft::rt::ObjKind, std::string_view,
                 const std::source_location&) noexcept override {}
  void on_event(Ev kind, weft::rt::ObjId obj, std::uint64_t arg,
                const std::source_location&) noexcept override {
    std::lock_guard g(mu);
    events.push_back({kind, obj, arg});
  }
  bool inject_spurious_wakeup(weft::rt::ObjId, bool) noexcept override {
    ++injected;
    return true;
  }
  void chaos_point(weft::rt::ObjId obj) noexcept override {
    std::lock_guard g(mu);
    chaos_objs.push_back(obj);
  }
  struct E {
    Ev kind;
    weft::rt::ObjId obj;
    std::uint64_t arg;
  };
  std::mutex mu;
  std::vector<E> events;
  std::vector<weft::rt::ObjId> chaos_objs;
  std::atomic<int> injected{0};
  weft::rt::Sink* prev_;
};
}  // namespace

TEST_CASE("events: chaos hooks inject a spurious wake-up and reach chaos points", "[events]") {
  ChaosSink sink;
  weft::Lock l;
  weft::Condition c(l);
  c.acquire();
  auto t0 = Clock::now();
  CHECK(c.wait());  // would block forever without the injected wake-up
  CHECK(seconds_since(t0) < 5);
  CHECK(l.locked());
  c.notify();
  c.release();
  CHECK(sink.injected.load() == 1);
  std::vector<Ev> seq;
  for (auto& e : sink.events) seq.push_back(e.kind);
  CHECK(seq == Kinds{Ev::Acquired, Ev::WaitBegin, Ev::Release, Ev::WaitEnd, Ev::Acquired,
                     Ev::Notify, Ev::Release});
  CHECK(sink.events[3].arg == reason(WaitResult::Spurious));
  CHECK(std::count(sink.chaos_objs.begin(), sink.chaos_objs.end(), l.id()) >= 2);
  CHECK(std::count(sink.chaos_objs.begin(), sink.chaos_objs.end(), c.id()) == 1);
}

namespace {
// Answers every chaos_pick with the last candidate (the newest waiter); says chaos is on unless
// told otherwise.
class PickLastSink final : public weft::rt::Sink {
 public:
  explicit PickLastSink(bool enabled = true) : enabled_(enabled) { prev_ = weft::rt::set_sink(this); }
  ~PickLastSink() override { weft::rt::set_sink(prev_); }
  void on_object(weft::rt::ObjId, weft::rt::ObjKind, std::string_view,
                 const std::source_location&) noexcept override {}
  void on_event(Ev, weft::rt::ObjId, std::uint64_t, const std::source_location&) noexcept override {}
  bool chaos_enabled() const noexcept override { return enabled_; }
  std::uint32_t chaos_pick(weft::rt::ObjId, std::uint32_t n) noexcept override {
    picks.fetch_add(1);
    return n - 1;
  }
  std::atomic<int> picks{0};
  bool enabled_;
  weft::rt::Sink* prev_;
};

// Three threads wait on `c` one after another; notify(1) wakes one. Returns who woke first.
int first_woken(weft::Condition& c) {
  std::vector<int> order;
  std::vector<std::thread> ts;
  for (int i = 0; i < 3; ++i) {
    bool started = false;
    ts.emplace_back([&c, &order, &started, i] {
      std::lock_guard g(c);
      started = true;
      c.wait();  // NOLINT(wait-not-in-loop): the test counts exactly one wake-up per thread
      order.push_back(i);
    });
    // When we can take the lock after `started`, thread i is linked and has released it.
    for (;;) {
      std::lock_guard g(c);
      if (started) break;
    }
  }
  {
    std::lock_guard g(c);
    c.notify(1);
  }
  for (;;) {
    std::lock_guard g(c);
    if (!order.empty()) break;
  }
  {
    std::lock_guard g(c);
    c.notify_all();
  }
  for (auto& t : ts) t.join();
  return order.front();
}
}  // namespace

TEST_CASE("events: notify wakes the longest waiter, or the one chaos picks", "[events]") {
  SECTION("FIFO without chaos") {
    MemorySink sink;  // its chaos_pick is the default: 0, the longest waiter
    weft::Condition c("fifo");
    CHECK(first_woken(c) == 0);
  }
  SECTION("a sink without chaos is not asked to pick") {
    PickLastSink sink(/*enabled=*/false);
    weft::Condition c("unasked");
    CHECK(first_woken(c) == 0);
    CHECK(sink.picks.load() == 0);
  }
  SECTION("chaos picks the newest") {
    PickLastSink sink;
    weft::Condition c("picked");
    CHECK(first_woken(c) == 2);
    CHECK(sink.picks.load() >= 1);
  }
}

TEST_CASE("events: Barrier arrive, wait and pass", "[events]") {
  MemorySink sink;
  weft::Barrier b(2, {}, -1, "round");
  std::uint32_t other = 0;
  std::thread t([&] {
    other = weft::rt::current_thread_index();
    b.wait();
  });
  while (b.n_waiting() < 1) std::this_thread::yield();
  CHECK(b.wait() == 1);
  t.join();
  Kinds mine, theirs;
  for (auto& e : sink.events_for(b.id())) (e.thread == other ? theirs : mine).push_back(e.kind);
  CHECK(theirs == Kinds{Ev::BarrierArrive, Ev::WaitBegin, Ev::WaitEnd, Ev::BarrierPass});
  CHECK(mine == Kinds{Ev::BarrierArrive, Ev::BarrierPass});
  b.abort();
  CHECK(sink.kinds_for(b.id()).back() == Ev::BarrierBreak);
  CHECK(sink.events_for(b.id()).back().arg == 0);
}

TEST_CASE("events: tasks are submitted, started and ended", "[events]") {
  MemorySink sink;
  weft::rt::ObjId exec;
  weft::rt::ObjId ok_id, bad_id;
  {
    weft::ThreadPoolExecutor pool(1, "ev");
    exec = pool.id();
    auto ok = pool.submit([] { return 1; });
    auto bad = pool.submit([]() -> int { throw std::runtime_error("x"); });
    ok_id = ok.id();
    bad_id = bad.id();
    ok.result();
    CHECK_THROWS(bad.result());
  }
  auto ok_evs = sink.events_for(ok_id);
  Kinds k;
  for (auto& e : ok_evs)
    if (e.kind != Ev::WaitBegin && e.kind != Ev::WaitEnd) k.push_back(e.kind);
  CHECK(k == Kinds{Ev::TaskSubmit, Ev::TaskStart, Ev::TaskEnd});
  CHECK(ok_evs[0].arg == exec);
  for (auto& e : sink.events_for(bad_id))
    if (e.kind == Ev::TaskEnd) CHECK(e.arg == 1);
  weft::Future<int> f;
  f.cancel();
  CHECK(sink.kinds_for(f.id()) == Kinds{Ev::TaskEnd});
  CHECK(sink.events_for(f.id())[0].arg == 2);
}

TEST_CASE("events: Queue put and get report the size after", "[events]") {
  MemorySink sink;
  weft::Queue<int> q(2);
  q.put(1);
  q.put(2);
  CHECK_THROWS_AS(q.put(3, true, 0.01), weft::Full);
  q.get();
  CHECK(sink.kinds_for(q.id()) ==
        Kinds{Ev::QueuePut, Ev::QueuePut, Ev::WaitBegin, Ev::WaitEnd, Ev::QueueGet});
  CHECK(args_for(sink, q.id()) ==
        std::vector<std::uint64_t>{1, 2, 0, reason(WaitResult::Timeout), 1});
}
