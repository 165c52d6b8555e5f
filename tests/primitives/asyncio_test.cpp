// weft::aio (weft/asyncio.hpp), after CPython's Lib/test/test_asyncio/test_locks.py,
// test_queues.py and test_tasks.py.
//
// Coroutine lambdas are declared in the TEST_CASE's scope, outside run(): a task's frame refers
// to its lambda object, which must outlive the task (tasks cancelled when run() ends included).
#include "weft/asyncio.hpp"

#include <time.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "helpers.hpp"

namespace aio = weft::aio;
using namespace weft_test;

namespace {

// CPython's test_utils.run_briefly: lets the ready tasks run a few steps.
aio::Coro<> run_briefly(int steps = 4) {
  for (int i = 0; i < steps; ++i) co_await aio::sleep(0);
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

// ---------------------------------------------------------------- run, tasks (test_tasks.py)

TEST_CASE("aio::run returns the coroutine's value and rethrows its exception", "[asyncio][task]") {
  auto answer = []() -> aio::Coro<int> {
    co_await aio::sleep(0);
    co_return 42;
  };
  CHECK(aio::run(answer()) == 42);
  auto boom = []() -> aio::Coro<int> {
    co_await aio::sleep(0);
    throw std::logic_error("boom");
  };
  CHECK_THROWS_AS(aio::run(boom()), std::logic_error);
  // Inline awaits: a coroutine awaiting coroutines.
  auto add = [](int a, int b) -> aio::Coro<int> { co_return a + b; };
  auto outer = [&]() -> aio::Coro<int> {
    int x = co_await add(1, 2);
    int y = co_await add(x, 10);
    co_return y;
  };
  CHECK(aio::run(outer()) == 13);
}

TEST_CASE("aio: create_task outside run and nested run throw RuntimeError", "[asyncio][task]") {
  auto nop = []() -> aio::Coro<> { co_return; };
  // NOLINTNEXTLINE(discarded-awaitable): the call throws before any task exists
  CHECK_THROWS_AS((void)aio::create_task(nop()), weft::RuntimeError);
  bool nested_threw = false;
  auto main = [&]() -> aio::Coro<> {
    try {
      aio::run(nop());
    } catch (const weft::RuntimeError&) {
      nested_threw = true;
    }
    co_return;
  };
  aio::run(main());
  CHECK(nested_threw);
}

TEST_CASE("Task: result, done, names, awaiting a task", "[asyncio][task]") {
  auto twice = [](int x) -> aio::Coro<int> {
    co_await aio::sleep(0.01);
    co_return 2 * x;
  };
  auto main = [&]() -> aio::Coro<> {
    auto t = aio::create_task(twice(21), "doubler");
    CHECK(t.get_name() == "doubler");
    CHECK_FALSE(t.done());
    CHECK_THROWS_AS(t.result(), aio::InvalidStateError);
    int v = co_await t;
    CHECK(v == 42);
    CHECK(t.done());
    CHECK_FALSE(t.cancelled());
    CHECK(t.result() == 42);
    CHECK(t.exception() == nullptr);
    int again = co_await t;  // a done task: at once
    CHECK(again == 42);
    auto u = aio::create_task(twice(1));
    CHECK(u.get_name().rfind("Task-", 0) == 0);
    (void)co_await u;
  };
  aio::run(main());
}

TEST_CASE("Task: cancel() throws CancelledError at the task's suspension point",
          "[asyncio][task]") {
  bool after_sleep = false, caught = false;
  auto sleeper = [&]() -> aio::Coro<int> {
    try {
      co_await aio::sleep(10);
    } catch (const aio::CancelledError&) {
      caught = true;
      throw;
    }
    after_sleep = true;
    co_return 1;
  };
  auto main = [&]() -> aio::Coro<> {
    auto t0 = Clock::now();
    auto t = aio::create_task(sleeper());
    co_await aio::sleep(0);  // let it start and suspend
    CHECK(t.cancel());
    CHECK_FALSE(t.done());  // it is told at its next step
    co_await run_briefly();
    CHECK(t.done());
    CHECK(t.cancelled());
    CHECK_FALSE(t.cancel());
    CHECK_THROWS_AS(t.result(), aio::CancelledError);
    CHECK_THROWS_AS(t.exception(), aio::CancelledError);
    bool awaited_threw = false;
    try {
      (void)co_await t;
    } catch (const aio::CancelledError&) {
      awaited_threw = true;
    }
    CHECK(awaited_threw);
    CHECK(seconds_since(t0) < 5);
  };
  aio::run(main());
  CHECK(caught);
  CHECK_FALSE(after_sleep);
}

TEST_CASE("Task: cancelled before it starts, its body never runs", "[asyncio][task]") {
  bool ran = false;
  auto body = [&]() -> aio::Coro<> {
    ran = true;
    co_return;
  };
  auto main = [&]() -> aio::Coro<> {
    auto t = aio::create_task(body());
    CHECK(t.cancel());
    co_await run_briefly();
    CHECK(t.cancelled());
  };
  aio::run(main());
  CHECK_FALSE(ran);
}

TEST_CASE(
    "Task: a task may catch CancelledError and go on, a running task cancelling itself "
    "gets it at its next suspension",
    "[asyncio][task]") {
  auto stubborn = []() -> aio::Coro<int> {
    try {
      co_await aio::sleep(10);
    } catch (const aio::CancelledError&) {
    }
    co_await aio::sleep(0);  // not cancelled again
    co_return 7;
  };
  std::vector<std::string> steps;
  aio::Task<> self;
  auto self_cancel = [&]() -> aio::Coro<> {
    co_await aio::sleep(0);
    self.cancel();
    steps.push_back("cancel requested");  // no suspension yet: keeps running
    try {
      co_await aio::sleep(0);
    } catch (const aio::CancelledError&) {
      steps.push_back("cancelled at sleep");
      throw;
    }
    steps.push_back("not reached");
  };
  auto main = [&]() -> aio::Coro<> {
    auto t = aio::create_task(stubborn());
    co_await aio::sleep(0);
    t.cancel();
    int v = co_await t;
    CHECK(v == 7);
    CHECK_FALSE(t.cancelled());
    self = aio::create_task(self_cancel());
    co_await run_briefly();
    CHECK(self.cancelled());
  };
  aio::run(main());
  CHECK(steps == std::vector<std::string>{"cancel requested", "cancelled at sleep"});
}

TEST_CASE("Task: cancelling a task that awaits another task cancels the inner one",
          "[asyncio][task]") {
  bool inner_cancelled = false;
  auto inner = [&]() -> aio::Coro<int> {
    try {
      co_await aio::sleep(10);
    } catch (const aio::CancelledError&) {
      inner_cancelled = true;
      throw;
    }
    co_return 1;
  };
  aio::Task<int> in;
  auto outer = [&]() -> aio::Coro<int> {
    in = aio::create_task(inner());
    int v = co_await in;
    co_return v;
  };
  auto main = [&]() -> aio::Coro<> {
    auto out = aio::create_task(outer());
    co_await run_briefly();
    out.cancel();
    co_await run_briefly();
    CHECK(out.cancelled());
    CHECK(in.cancelled());
  };
  aio::run(main());
  CHECK(inner_cancelled);
}

TEST_CASE("gather: results in argument order, whatever the completion order", "[asyncio][gather]") {
  std::vector<int> finished;
  auto after = [&](double s, int v) -> aio::Coro<int> {
    co_await aio::sleep(s);
    finished.push_back(v);
    co_return v;
  };
  auto nothing = []() -> aio::Coro<> { co_await aio::sleep(0.01); };
  auto main = [&]() -> aio::Coro<> {
    auto t1 = aio::create_task(after(0.03, 1));
    auto [a, b, c, d] = co_await aio::gather(t1, after(0.01, 2), after(0.02, 3), nothing());
    CHECK(a == 1);
    CHECK(b == 2);
    CHECK(c == 3);
    CHECK(d == std::monostate{});
    CHECK(finished == std::vector<int>{2, 3, 1});
    std::vector<aio::Task<int>> ts;
    for (int i = 0; i < 4; ++i) ts.push_back(aio::create_task(after(0.01 * (4 - i), 10 + i)));
    auto all = co_await aio::gather(ts);
    CHECK(all == std::vector<int>{10, 11, 12, 13});
  };
  aio::run(main());
}

TEST_CASE("gather: the first exception (in time) propagates, the others keep running",
          "[asyncio][gather]") {
  auto ok = [](double s) -> aio::Coro<int> {
    co_await aio::sleep(s);
    co_return 1;
  };
  auto fail = [](double s, std::string what) -> aio::Coro<int> {
    co_await aio::sleep(s);
    throw std::runtime_error(what);
  };
  aio::Event ev;
  auto fail_on_set = [&](std::string what) -> aio::Coro<int> {
    (void)co_await ev.wait();
    throw std::runtime_error(what);
  };
  auto set_soon = [&]() -> aio::Coro<> {
    co_await aio::sleep(0.01);
    ev.set();
  };
  auto main = [&]() -> aio::Coro<> {
    auto slow = aio::create_task(ok(0.05));
    std::string caught;
    try {
      (void)co_await aio::gather(slow, fail(0.03, "late"), fail(0.01, "early"));
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
    CHECK(caught == "early");
    CHECK_FALSE(slow.done());
    CHECK_FALSE(slow.cancelled());
    int v = co_await slow;
    CHECK(v == 1);
    // Both fail in one loop iteration before gather resumes: the first to fail wins, not the
    // first argument.
    auto b = aio::create_task(fail_on_set("first"));
    auto a = aio::create_task(fail_on_set("second"));
    auto setter = aio::create_task(set_soon());
    caught.clear();
    try {
      (void)co_await aio::gather(a, b);
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
    CHECK(caught == "first");
    CHECK((a.done() && b.done()));
    co_await setter;
  };
  aio::run(main());
}

TEST_CASE("gather: cancelling the awaiting task cancels the children", "[asyncio][gather]") {
  auto forever = []() -> aio::Coro<int> {
    co_await aio::sleep(10);
    co_return 0;
  };
  aio::Task<int> a, b;
  auto waiter = [&]() -> aio::Coro<> {
    a = aio::create_task(forever());
    b = aio::create_task(forever());
    (void)co_await aio::gather(a, b);
  };
  auto main = [&]() -> aio::Coro<> {
    auto g = aio::create_task(waiter());
    co_await run_briefly();
    g.cancel();
    co_await run_briefly();
    CHECK(g.cancelled());
    CHECK(a.cancelled());
    CHECK(b.cancelled());
  };
  aio::run(main());
}

TEST_CASE(
    "wait_for: the value in time, on timeout cancels the inner task and throws "
    "TimeoutError",
    "[asyncio][wait_for]") {
  bool inner_cancelled = false;
  auto slow = [&](double s) -> aio::Coro<int> {
    try {
      co_await aio::sleep(s);
    } catch (const aio::CancelledError&) {
      inner_cancelled = true;
      throw;
    }
    co_return 5;
  };
  auto main = [&]() -> aio::Coro<> {
    int v = co_await aio::wait_for(slow(0.01), 5.0);
    CHECK(v == 5);
    int w = co_await aio::wait_for(slow(0.01), -1);  // no limit
    CHECK(w == 5);
    CHECK_FALSE(inner_cancelled);
    auto t = aio::create_task(slow(10));
    auto t0 = Clock::now();
    bool timed_out = false;
    try {
      (void)co_await aio::wait_for(t, 0.05);
    } catch (const aio::TimeoutError&) {
      timed_out = true;
    }
    CHECK(timed_out);
    CHECK_TIMEOUT(seconds_since(t0), 0.05);
    CHECK(t.cancelled());  // waited for: already wound down when TimeoutError arrives
    CHECK(inner_cancelled);
    timed_out = false;
    try {  // timeout 0: the coroutine is cancelled before it starts
      (void)co_await aio::wait_for(slow(0.01), 0);
    } catch (const aio::TimeoutError&) {
      timed_out = true;
    }
    CHECK(timed_out);
  };
  aio::run(main());
}

TEST_CASE("sleep: timers fire in deadline order, sleep(0) yields to the other tasks",
          "[asyncio][sleep]") {
  std::vector<int> order;
  auto after = [&](double s, int id) -> aio::Coro<> {
    co_await aio::sleep(s);
    order.push_back(id);
  };
  std::vector<int> steps;
  auto stepper = [&](int id) -> aio::Coro<> {
    for (int i = 0; i < 3; ++i) {
      steps.push_back(id);
      co_await aio::sleep(0);
    }
  };
  auto main = [&]() -> aio::Coro<> {
    auto t0 = Clock::now();
    (void)co_await aio::gather(after(0.06, 1), after(0.02, 2), after(0.04, 3), after(0.0, 4));
    CHECK(order == std::vector<int>{4, 2, 3, 1});
    CHECK(seconds_since(t0) >= 0.05);
    (void)co_await aio::gather(stepper(1), stepper(2));
    CHECK(steps == std::vector<int>{1, 2, 1, 2, 1, 2});
  };
  aio::run(main());
}

TEST_CASE("sleep and to_thread: the loop blocks instead of spinning", "[asyncio][sleep]") {
  auto main = []() -> aio::Coro<> {
    double cpu0 = thread_cpu_seconds();
    auto t0 = Clock::now();
    co_await aio::sleep(0.2);
    co_await aio::to_thread([] { sleep_s(0.2); });
    CHECK(seconds_since(t0) >= 0.35);
    CHECK(thread_cpu_seconds() - cpu0 < 0.1);
  };
  aio::run(main());
}

TEST_CASE(
    "to_thread: runs on another thread, resumes on the loop thread with the result or the "
    "exception",
    "[asyncio][to_thread]") {
  auto main = []() -> aio::Coro<> {
    auto loop_thread = std::this_thread::get_id();
    std::thread::id worker;
    int v = co_await aio::to_thread(
        [&worker](int a, int b) {
          worker = std::this_thread::get_id();
          sleep_s(0.02);
          return a * b;
        },
        6, 7);
    CHECK(v == 42);
    CHECK(worker != loop_thread);
    CHECK(std::this_thread::get_id() == loop_thread);
    bool caught = false;
    try {
      co_await aio::to_thread([] { throw std::out_of_range("in thread"); });
    } catch (const std::out_of_range& e) {
      caught = std::string(e.what()) == "in thread";
    }
    CHECK(caught);
    CHECK(std::this_thread::get_id() == loop_thread);
    // Several at once, and timers meanwhile.
    auto r = co_await aio::gather(aio::to_thread([] {
                                    sleep_s(0.05);
                                    return 1;
                                  }),
                                  aio::to_thread([] {
                                    sleep_s(0.01);
                                    return 2;
                                  }));
    CHECK(std::get<0>(r) + std::get<1>(r) == 3);
  };
  aio::run(main());
}

TEST_CASE("to_thread: a cancelled caller gets CancelledError, the call finishes anyway",
          "[asyncio][to_thread]") {
  std::atomic<bool> finished{false};
  auto caller = [&]() -> aio::Coro<int> {
    int v = co_await aio::to_thread([&finished] {
      sleep_s(0.1);
      finished = true;
      return 1;
    });
    co_return v;
  };
  auto main = [&]() -> aio::Coro<> {
    auto t = aio::create_task(caller());
    co_await aio::sleep(0.01);
    t.cancel();
    co_await run_briefly();
    CHECK(t.cancelled());
  };
  aio::run(main());
  CHECK(finished.load());  // run() waited for it
}

TEST_CASE("DeadlockError: tasks taking two locks in opposite orders", "[asyncio][deadlock]") {
  aio::Lock a{"a"}, b{"b"};
  auto worker = [](aio::Lock& first, aio::Lock& second) -> aio::Coro<> {
    auto g1 = co_await first.scoped();
    co_await aio::sleep(0.01);
    auto g2 = co_await second.scoped();
  };
  auto main = [&]() -> aio::Coro<> { (void)co_await aio::gather(worker(a, b), worker(b, a)); };
  auto t0 = Clock::now();
  std::string what;
  std::size_t stuck = 0;
  try {
    aio::run(main());
  } catch (const aio::DeadlockError& e) {
    what = e.what();
    stuck = e.stuck().size();
  }
  CHECK(seconds_since(t0) < 5);
  INFO(what);
  CHECK(stuck == 3);  // main in gather, two workers on the locks
  CHECK(what.find("3 tasks") != std::string::npos);
  CHECK(what.find("2 on Lock") != std::string::npos);
  CHECK(what.find("waits on Lock 'a'") != std::string::npos);
  CHECK(what.find("waits on Lock 'b'") != std::string::npos);
  // run() cancelled the stuck tasks: their guards released the locks.
  CHECK_FALSE(a.locked());
  CHECK_FALSE(b.locked());
}

TEST_CASE("DeadlockError: waiting for an Event nobody will set, a Queue with no producer",
          "[asyncio][deadlock]") {
  aio::Event ev{"ready"};
  auto main = [&]() -> aio::Coro<> { (void)co_await ev.wait(); };
  std::string what;
  try {
    aio::run(main());
  } catch (const aio::DeadlockError& e) {
    what = e.what();
    REQUIRE(e.stuck().size() == 1);
    CHECK(e.stuck()[0].task == "Task-1");
    CHECK(e.stuck()[0].waits_on == "Event");
    CHECK(e.stuck()[0].object == "ready");
  }
  CHECK(what.find("1 task is") != std::string::npos);
  CHECK(ev.waiters() == 0);

  aio::Queue<int> q(0, "jobs");
  auto consumer = [&]() -> aio::Coro<int> { co_return co_await q.get(); };
  CHECK_THROWS_AS(aio::run(consumer()), aio::DeadlockError);
  // A timer pending is not a deadlock.
  auto late = [&]() -> aio::Coro<> {
    co_await aio::sleep(0.05);
    q.put_nowait(3);
  };
  auto both = [&]() -> aio::Coro<int> {
    auto t = aio::create_task(late());
    int v = co_await q.get();
    co_await t;
    co_return v;
  };
  CHECK(aio::run(both()) == 3);
}

TEST_CASE(
    "run: at the end, tasks that ignore cancellation are destroyed, leaving no waiter "
    "behind",
    "[asyncio][task]") {
  struct Probe {
    int* n;
    ~Probe() { ++*n; }
  };
  aio::Lock lock{"held"};
  int destroyed = 0;
  auto inner = [&]() -> aio::Coro<> {
    Probe p{&destroyed};
    for (;;) {
      try {
        co_await lock.acquire();
      } catch (const aio::CancelledError&) {  // ignored: waits again
      }
    }
  };
  auto stubborn = [&]() -> aio::Coro<> {
    Probe p{&destroyed};
    co_await inner();
  };
  auto main = [&]() -> aio::Coro<int> {
    co_await lock.acquire();
    auto t = aio::create_task(stubborn());
    co_await run_briefly();
    CHECK(lock.waiters() == 1);
    co_return 5;  // still holding the lock
  };
  CHECK(aio::run(main()) == 5);
  CHECK(lock.waiters() == 0);
  CHECK(destroyed == 2);  // both frames, the inner one awaited inline
}

// ---------------------------------------------------------------- Lock (test_locks.py)

TEST_CASE("Lock: acquire, locked, release, releasing an unlocked Lock throws RuntimeError",
          "[asyncio][lock]") {
  aio::Lock lock;
  CHECK_FALSE(lock.locked());
  CHECK_THROWS_AS(lock.release(), weft::RuntimeError);
  auto main = [&]() -> aio::Coro<> {
    bool r = co_await lock.acquire();
    CHECK(r);
    CHECK(lock.locked());
    lock.release();
    CHECK_FALSE(lock.locked());
  };
  aio::run(main());
}

TEST_CASE("Lock: waiting tasks acquire in FIFO order, no acquire overtakes a waiter",
          "[asyncio][lock]") {
  aio::Lock lock;
  std::vector<int> result;
  auto c = [&](int id) -> aio::Coro<bool> {
    bool r = co_await lock.acquire();
    result.push_back(id);
    co_return r;
  };
  auto main = [&]() -> aio::Coro<> {
    co_await lock.acquire();
    auto t1 = aio::create_task(c(1));
    auto t2 = aio::create_task(c(2));
    co_await run_briefly();
    CHECK(result.empty());
    lock.release();
    co_await run_briefly();
    CHECK(result == std::vector<int>{1});
    auto t3 = aio::create_task(c(3));
    co_await run_briefly();
    lock.release();
    co_await run_briefly();
    CHECK(result == std::vector<int>{1, 2});
    lock.release();
    co_await run_briefly();
    CHECK(result == std::vector<int>{1, 2, 3});
    CHECK((t1.done() && t1.result() && t2.done() && t2.result() && t3.done() && t3.result()));
    // The releasing task asking again queues behind the waiter it just woke.
    auto c_release = [&](int id) -> aio::Coro<> {
      co_await lock.acquire();
      result.push_back(id);
      co_await aio::sleep(0);
      lock.release();
    };
    auto t4 = aio::create_task(c_release(4));
    co_await run_briefly();
    lock.release();  // hands it to t4, which has not run yet
    co_await lock.acquire();
    result.push_back(0);
    CHECK(result == std::vector<int>{1, 2, 3, 4, 0});
    lock.release();
  };
  aio::run(main());
}

TEST_CASE("Lock: a task cancelled while waiting leaves the waiters", "[asyncio][lock]") {
  aio::Lock lock;
  auto acquirer = [&]() -> aio::Coro<bool> { co_return co_await lock.acquire(); };
  auto main = [&]() -> aio::Coro<> {
    co_await lock.acquire();
    auto t = aio::create_task(acquirer());
    co_await run_briefly();
    CHECK(lock.waiters() == 1);
    t.cancel();
    CHECK(lock.waiters() == 0);
    co_await run_briefly();
    CHECK(t.cancelled());
    CHECK(lock.locked());  // still ours
    lock.release();
    CHECK_FALSE(lock.locked());
  };
  aio::run(main());
}

TEST_CASE("Lock: a waiter handed the lock and cancelled before it runs passes it on",
          "[asyncio][lock]") {
  // CPython's test_cancel_race / test_cancel_release_race: A holds, B and C wait; A releases
  // and B is cancelled: C must get the lock.
  aio::Lock lock;
  aio::Event release_a;
  auto lockit = [&](aio::Event* blocker) -> aio::Coro<> {
    auto g = co_await lock.scoped();
    if (blocker) (void)co_await blocker->wait();
  };
  auto main = [&]() -> aio::Coro<> {
    auto ta = aio::create_task(lockit(&release_a));
    co_await run_briefly();
    CHECK(lock.locked());
    auto tb = aio::create_task(lockit(nullptr));
    auto tc = aio::create_task(lockit(nullptr));
    co_await run_briefly();
    CHECK(lock.waiters() == 2);
    release_a.set();
    co_await aio::sleep(0);  // ta runs: releases, handing the lock to tb
    CHECK(ta.done());
    tb.cancel();  // before tb runs
    co_await run_briefly();
    CHECK(tb.cancelled());
    CHECK(tc.done());
    CHECK_FALSE(tc.cancelled());
    CHECK_FALSE(lock.locked());
  };
  aio::run(main());
}

TEST_CASE("Lock: scoped() is `async with lock:`, releasing at scope exit and on exceptions",
          "[asyncio][lock]") {
  aio::Lock lock;
  auto main = [&]() -> aio::Coro<> {
    {
      auto g = co_await lock.scoped();
      CHECK(g.owns());
      CHECK(lock.locked());
    }
    CHECK_FALSE(lock.locked());
    try {
      auto g = co_await lock.scoped();
      throw std::runtime_error("inside");
    } catch (const std::runtime_error&) {
    }
    CHECK_FALSE(lock.locked());
    auto g = co_await lock.scoped();
    g.release();
    CHECK_FALSE(lock.locked());
  };
  aio::run(main());
}

// ---------------------------------------------------------------- Event

TEST_CASE("Event: wait() on a set event returns at once, without suspending", "[asyncio][event]") {
  aio::Event ev;
  bool other_ran = false;
  auto other = [&]() -> aio::Coro<> {
    other_ran = true;
    co_return;
  };
  auto main = [&]() -> aio::Coro<> {
    ev.set();
    auto t = aio::create_task(other());
    bool r = co_await ev.wait();
    CHECK(r);
    CHECK_FALSE(other_ran);  // no suspension: the other task has not had its turn
    co_await t;
  };
  aio::run(main());
}

TEST_CASE("Event: set() wakes every waiter, clear(), set-clear with waiters still wakes them",
          "[asyncio][event]") {
  aio::Event ev;
  std::vector<int> result;
  auto c = [&](int id) -> aio::Coro<> {
    if (co_await ev.wait()) result.push_back(id);
  };
  auto main = [&]() -> aio::Coro<> {
    CHECK_FALSE(ev.is_set());
    auto t1 = aio::create_task(c(1));
    auto t2 = aio::create_task(c(2));
    co_await run_briefly();
    CHECK(result.empty());
    auto t3 = aio::create_task(c(3));
    ev.set();
    co_await run_briefly();
    CHECK(result == std::vector<int>{3, 1, 2});  // t3 never waited
    CHECK((t1.done() && t2.done() && t3.done()));
    ev.clear();
    CHECK_FALSE(ev.is_set());
    result.clear();
    auto t4 = aio::create_task(c(4));
    co_await run_briefly();
    ev.set();
    ev.clear();
    CHECK(ev.waiters() == 0);
    co_await run_briefly();
    CHECK(result == std::vector<int>{4});
  };
  aio::run(main());
}

TEST_CASE("Event: a waiter cancelled leaves the waiters", "[asyncio][event]") {
  aio::Event ev;
  auto w = [&]() -> aio::Coro<bool> { co_return co_await ev.wait(); };
  auto main = [&]() -> aio::Coro<> {
    auto t = aio::create_task(w());
    co_await run_briefly();
    CHECK(ev.waiters() == 1);
    t.cancel();
    CHECK(ev.waiters() == 0);  // at once
    co_await run_briefly();
    CHECK(t.cancelled());
    CHECK(ev.waiters() == 0);
  };
  aio::run(main());
}

// ---------------------------------------------------------------- Condition

TEST_CASE("Condition: wait() and notify() without the lock throw RuntimeError",
          "[asyncio][condition]") {
  aio::Condition cond;
  auto main = [&]() -> aio::Coro<> {
    bool threw = false;
    try {
      (void)co_await cond.wait();
    } catch (const weft::RuntimeError&) {
      threw = true;
    }
    CHECK(threw);
    CHECK_THROWS_AS(cond.notify(), weft::RuntimeError);
    CHECK_THROWS_AS(cond.notify_all(), weft::RuntimeError);
    // wait_for with a predicate already true needs no lock... but one that is false does.
    auto r = co_await cond.wait_for([] { return 3; });
    CHECK(r == 3);
    threw = false;
    try {
      (void)co_await cond.wait_for([] { return false; });
    } catch (const weft::RuntimeError&) {
      threw = true;
    }
    CHECK(threw);
  };
  aio::run(main());
}

TEST_CASE(
    "Condition: notify() and notify(n) wake that many waiters, in order, each re-acquiring "
    "the lock",
    "[asyncio][condition]") {
  aio::Condition cond;
  std::vector<int> result;
  auto c = [&](int id) -> aio::Coro<bool> {  // keeps the lock, as in CPython's test_wait
    co_await cond.acquire();
    if (co_await cond.wait()) result.push_back(id);
    co_return true;
  };
  auto main = [&]() -> aio::Coro<> {
    auto t1 = aio::create_task(c(1));
    auto t2 = aio::create_task(c(2));
    auto t3 = aio::create_task(c(3));
    co_await run_briefly();
    CHECK(result.empty());
    CHECK_FALSE(cond.locked());
    CHECK(cond.waiters() == 3);

    co_await cond.acquire();
    cond.notify();
    co_await run_briefly();
    CHECK(result.empty());  // woken, but the lock is ours
    CHECK(cond.locked());

    cond.release();
    co_await run_briefly();
    CHECK(result == std::vector<int>{1});
    CHECK(cond.locked());  // t1 keeps it

    cond.notify(2);
    co_await run_briefly();
    CHECK(result == std::vector<int>{1});
    cond.release();
    co_await run_briefly();
    CHECK(result == std::vector<int>{1, 2});
    cond.release();
    co_await run_briefly();
    CHECK(result == std::vector<int>{1, 2, 3});
    CHECK(cond.locked());
    cond.release();
    CHECK((t1.result() && t2.result() && t3.result()));
  };
  aio::run(main());
}

TEST_CASE("Condition: notify(n) counts, notify_all", "[asyncio][condition]") {
  aio::Condition cond;
  std::vector<int> result;
  auto c = [&](int id) -> aio::Coro<> {
    auto g = co_await cond.scoped();
    if (co_await cond.wait()) result.push_back(id);
  };
  auto main = [&]() -> aio::Coro<> {
    std::vector<aio::Task<>> ts;
    for (int i = 1; i <= 5; ++i) ts.push_back(aio::create_task(c(i)));
    co_await run_briefly();
    {
      auto g = co_await cond.scoped();
      cond.notify(2);
    }
    co_await run_briefly();
    CHECK(result == std::vector<int>{1, 2});
    {
      auto g = co_await cond.scoped();
      cond.notify(0);
    }
    co_await run_briefly();
    CHECK(result.size() == 2);
    {
      auto g = co_await cond.scoped();
      cond.notify_all();
    }
    co_await run_briefly(8);
    CHECK(result == std::vector<int>{1, 2, 3, 4, 5});
    CHECK(cond.waiters() == 0);
    CHECK_FALSE(cond.locked());
  };
  aio::run(main());
}

TEST_CASE("Condition: a cancelled wait re-acquires the lock before CancelledError propagates",
          "[asyncio][condition]") {
  aio::Condition cond;
  bool held_at_cancel = false;
  auto waiter = [&]() -> aio::Coro<> {
    co_await cond.acquire();
    try {
      (void)co_await cond.wait();
    } catch (const aio::CancelledError&) {
      held_at_cancel = cond.locked();
      cond.release();
      throw;
    }
  };
  auto main = [&]() -> aio::Coro<> {
    // Uncontested (CPython's test_wait_cancel).
    auto t = aio::create_task(waiter());
    co_await run_briefly();
    CHECK_FALSE(cond.locked());
    t.cancel();
    co_await run_briefly();
    CHECK(t.cancelled());
    CHECK(held_at_cancel);
    CHECK(cond.waiters() == 0);
    CHECK_FALSE(cond.locked());

    // Contested (test_wait_cancel_contested): notified, then cancelled while we hold the lock;
    // it must wait for the lock before it sees CancelledError.
    held_at_cancel = false;
    auto t2 = aio::create_task(waiter());
    co_await run_briefly();
    co_await cond.acquire();
    cond.notify();
    t2.cancel();
    co_await run_briefly();
    CHECK_FALSE(t2.done());  // waiting for the lock
    cond.release();
    co_await run_briefly();
    CHECK(t2.cancelled());
    CHECK(held_at_cancel);
    CHECK_FALSE(cond.locked());
  };
  aio::run(main());
}

TEST_CASE("Condition: a notified waiter cancelled before it runs passes the notification on",
          "[asyncio][condition]") {
  aio::Condition cond;
  std::vector<int> result;
  auto c = [&](int id) -> aio::Coro<> {
    auto g = co_await cond.scoped();
    (void)co_await cond.wait();
    result.push_back(id);
  };
  auto main = [&]() -> aio::Coro<> {
    auto t1 = aio::create_task(c(1));
    auto t2 = aio::create_task(c(2));
    co_await run_briefly();
    co_await cond.acquire();
    cond.notify(1);  // t1
    t1.cancel();
    cond.release();
    co_await run_briefly();
    CHECK(t1.cancelled());
    CHECK(t2.done());
    CHECK(result == std::vector<int>{2});
  };
  aio::run(main());
}

TEST_CASE("Condition: wait_for(predicate), with an explicit lock", "[asyncio][condition]") {
  aio::Lock lock{"shared"};
  aio::Condition cond{lock};
  bool presult = false;
  std::vector<int> result;
  int calls = 0;
  auto c1 = [&]() -> aio::Coro<bool> {
    co_await cond.acquire();
    if (co_await cond.wait_for([&] {
          ++calls;
          return presult;
        })) {
      result.push_back(1);
      cond.release();
    }
    co_return true;
  };
  auto main = [&]() -> aio::Coro<> {
    auto t = aio::create_task(c1());
    co_await run_briefly();
    CHECK(result.empty());
    CHECK_FALSE(lock.locked());  // the condition's lock is `lock`

    co_await lock.acquire();
    cond.notify();
    lock.release();
    co_await run_briefly();
    CHECK(result.empty());  // woken, predicate false: waits again
    CHECK(calls == 2);

    presult = true;
    co_await lock.acquire();
    cond.notify();
    lock.release();
    co_await run_briefly();
    CHECK(result == std::vector<int>{1});
    CHECK(t.done());
    CHECK(t.result());
  };
  aio::run(main());
}

// ---------------------------------------------------------------- Semaphore

TEST_CASE("Semaphore: value, locked, FIFO waiters, ValueError on a negative value",
          "[asyncio][semaphore]") {
  CHECK_THROWS_AS(aio::Semaphore(-1), weft::ValueError);
  aio::Semaphore sem(3);
  std::vector<int> result;
  auto c = [&](int id) -> aio::Coro<> {
    co_await sem.acquire();
    result.push_back(id);
  };
  auto main = [&]() -> aio::Coro<> {
    CHECK(sem.value() == 3);
    CHECK_FALSE(sem.locked());
    bool r = co_await sem.acquire();
    CHECK(r);
    co_await sem.acquire();
    CHECK(sem.value() == 1);
    CHECK_FALSE(sem.locked());
    std::vector<aio::Task<>> ts;
    for (int i = 1; i <= 4; ++i) ts.push_back(aio::create_task(c(i)));
    co_await run_briefly();
    CHECK(result == std::vector<int>{1});
    CHECK(sem.value() == 0);
    CHECK(sem.locked());
    sem.release();
    sem.release();
    co_await run_briefly();
    CHECK(result == std::vector<int>{1, 2, 3});
    CHECK(sem.value() == 0);
    sem.release();
    co_await run_briefly();
    CHECK(result == std::vector<int>{1, 2, 3, 4});
    for (int i = 0; i < 4; ++i) sem.release();
    CHECK(sem.value() == 4);  // a plain Semaphore may go above its initial value
  };
  aio::run(main());
}

TEST_CASE("Semaphore: a cancelled acquire leaves the waiters, or passes a unit it got on",
          "[asyncio][semaphore]") {
  aio::Semaphore sem(0);
  auto acq = [&]() -> aio::Coro<bool> { co_return co_await sem.acquire(); };
  auto main = [&]() -> aio::Coro<> {
    auto t1 = aio::create_task(acq());
    auto t2 = aio::create_task(acq());
    auto t3 = aio::create_task(acq());
    co_await run_briefly();
    t1.cancel();
    co_await run_briefly();
    CHECK(t1.cancelled());
    sem.release();  // to t2
    t2.cancel();    // before it runs: the unit goes to t3
    co_await run_briefly();
    CHECK(t2.cancelled());
    CHECK(t3.done());
    CHECK_FALSE(t3.cancelled());
    CHECK(sem.value() == 0);
    sem.release();
    CHECK(sem.value() == 1);
  };
  aio::run(main());
}

TEST_CASE("BoundedSemaphore: releasing above the initial value throws ValueError",
          "[asyncio][semaphore]") {
  aio::BoundedSemaphore sem(2);
  CHECK_THROWS_AS(sem.release(), weft::ValueError);
  auto main = [&]() -> aio::Coro<> {
    co_await sem.acquire();
    {
      auto g = co_await sem.scoped();
      CHECK(sem.value() == 0);
    }
    CHECK(sem.value() == 1);
    sem.release();
    CHECK(sem.value() == 2);
    CHECK_THROWS_AS(sem.release(), weft::ValueError);
    CHECK(sem.value() == 2);
  };
  aio::run(main());
}

// ---------------------------------------------------------------- Queue (test_queues.py)

TEST_CASE("Queue: FIFO order, maxsize, qsize/empty/full", "[asyncio][queue]") {
  aio::Queue<int> q(3);
  CHECK(q.maxsize() == 3);
  auto main = [&]() -> aio::Coro<> {
    CHECK(q.empty());
    for (int x : {1, 3, 2}) co_await q.put(x);
    CHECK(q.full());
    CHECK(q.qsize() == 3);
    std::vector<int> got;
    for (int i = 0; i < 3; ++i) got.push_back(co_await q.get());
    CHECK(got == std::vector<int>{1, 3, 2});
    CHECK(q.empty());
  };
  aio::run(main());
  aio::Queue<int> unbounded;
  for (int i = 0; i < 1000; ++i) unbounded.put_nowait(i);
  CHECK_FALSE(unbounded.full());
  CHECK(unbounded.qsize() == 1000);
}

TEST_CASE(
    "Queue: put_nowait on a full queue throws QueueFull, get_nowait on an empty one "
    "QueueEmpty",
    "[asyncio][queue]") {
  aio::Queue<int> q(1);
  CHECK_THROWS_AS(q.get_nowait(), aio::QueueEmpty);
  q.put_nowait(1);
  CHECK_THROWS_AS(q.put_nowait(2), aio::QueueFull);
  CHECK(q.qsize() == 1);
  CHECK(q.get_nowait() == 1);
}

TEST_CASE("Queue: get waits for a put, put waits for room", "[asyncio][queue]") {
  aio::Queue<int> q(2);
  std::vector<int> log;
  auto producer = [&]() -> aio::Coro<> {
    for (int i = 1; i <= 4; ++i) {
      co_await q.put(i);
      log.push_back(i);
    }
  };
  auto main = [&]() -> aio::Coro<> {
    auto getter = aio::create_task(q.get());
    co_await run_briefly();
    CHECK_FALSE(getter.done());
    q.put_nowait(7);
    int v = co_await getter;
    CHECK(v == 7);

    auto p = aio::create_task(producer());
    co_await run_briefly();
    CHECK(log == std::vector<int>{1, 2});  // full: put(3) waits
    CHECK(q.full());
    int a = co_await q.get();
    CHECK(a == 1);
    co_await run_briefly();
    CHECK(log == std::vector<int>{1, 2, 3});
    for (int want = 2; want <= 4; ++want) {
      int x = co_await q.get();
      CHECK(x == want);
    }
    co_await p;
  };
  aio::run(main());
}

TEST_CASE("Queue: a cancelled getter does not lose an item", "[asyncio][queue]") {
  aio::Queue<int> q;
  auto main = [&]() -> aio::Coro<> {
    // CPython's test_get_cancelled_race: woken by put, cancelled before it runs.
    auto g1 = aio::create_task(q.get());
    auto g2 = aio::create_task(q.get());
    co_await run_briefly();
    q.put_nowait(1);  // wakes g1
    g1.cancel();
    co_await run_briefly();
    CHECK(g1.cancelled());
    REQUIRE(g2.done());
    CHECK(g2.result() == 1);
    CHECK(q.empty());
    // Alone: the item stays in the queue.
    auto g3 = aio::create_task(q.get());
    co_await run_briefly();
    q.put_nowait(2);
    g3.cancel();
    co_await run_briefly();
    CHECK(g3.cancelled());
    CHECK(q.qsize() == 1);
    CHECK(q.get_nowait() == 2);
  };
  aio::run(main());
}

TEST_CASE("Queue: a cancelled putter leaves, the room goes to the next putter",
          "[asyncio][queue]") {
  aio::Queue<int> q(1);
  auto main = [&]() -> aio::Coro<> {
    q.put_nowait(0);
    auto p1 = aio::create_task(q.put(1));
    auto p2 = aio::create_task(q.put(2));
    co_await run_briefly();
    CHECK(q.get_nowait() == 0);  // wakes p1
    p1.cancel();
    co_await run_briefly();
    CHECK(p1.cancelled());
    CHECK(p2.done());
    CHECK(q.get_nowait() == 2);
    CHECK(q.empty());
  };
  aio::run(main());
}

TEST_CASE("Queue: task_done and join, task_done called too often throws ValueError",
          "[asyncio][queue]") {
  aio::Queue<int> q;
  CHECK_THROWS_AS(q.task_done(), weft::ValueError);
  int sum = 0;
  auto worker = [&]() -> aio::Coro<> {
    for (;;) {
      int x = co_await q.get();
      co_await aio::sleep(0);
      sum += x;
      q.task_done();
    }
  };
  auto main = [&]() -> aio::Coro<> {
    co_await q.join();  // nothing put: at once
    for (int i = 1; i <= 100; ++i) q.put_nowait(i);
    std::vector<aio::Task<>> workers;
    for (int i = 0; i < 3; ++i) workers.push_back(aio::create_task(worker()));
    co_await q.join();
    CHECK(sum == 5050);
    for (auto& w : workers) w.cancel();
    co_await run_briefly();
    for (auto& w : workers) CHECK(w.cancelled());
    CHECK_THROWS_AS(q.task_done(), weft::ValueError);
  };
  aio::run(main());
}

// ---------------------------------------------------------------- run_in_executor, Barrier

TEST_CASE("run_in_executor: runs on the given executor's threads", "[asyncio][to_thread]") {
  weft::ThreadPoolExecutor pool(2, "db");
  std::string name;
  auto main = [&]() -> aio::Coro<> {
    auto loop_thread = std::this_thread::get_id();
    int v = co_await aio::run_in_executor(
        pool,
        [&name](int a) {
          name = weft::current_thread().name();
          return a + 1;
        },
        41);
    CHECK(v == 42);
    CHECK(std::this_thread::get_id() == loop_thread);
  };
  aio::run(main());
  CHECK(name.rfind("db", 0) == 0);  // a thread of `pool`, not the loop's default executor
}

// After CPython's test_locks.BarrierTests.
TEST_CASE("Barrier: every party gets a distinct index once the last arrives", "[asyncio][barrier]") {
  constexpr int kParties = 4;
  aio::Barrier barrier(kParties, "meet");
  std::vector<int> indices;
  int passed = 0;
  auto party = [&]() -> aio::Coro<> {
    indices.push_back(co_await barrier.wait());
    ++passed;
  };
  auto main = [&]() -> aio::Coro<> {
    std::vector<aio::Task<void>> ts;
    for (int i = 0; i < kParties - 1; ++i) ts.push_back(aio::create_task(party()));
    co_await run_briefly();
    CHECK(barrier.n_waiting() == kParties - 1);
    CHECK(passed == 0);
    ts.push_back(aio::create_task(party()));
    co_await aio::gather(ts);
    CHECK(barrier.n_waiting() == 0);
    // Reusable: a second generation.
    std::vector<aio::Task<void>> again;
    for (int i = 0; i < kParties; ++i) again.push_back(aio::create_task(party()));
    co_await aio::gather(again);
  };
  aio::run(main());
  CHECK(passed == 2 * kParties);
  std::vector<int> sorted(indices.begin(), indices.begin() + kParties);
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<int>{0, 1, 2, 3});
  CHECK_THROWS_AS(aio::Barrier(0), weft::ValueError);
}

TEST_CASE("Barrier: abort() breaks it for the waiting tasks and later waits, reset() only for the "
          "waiting ones",
          "[asyncio][barrier]") {
  aio::Barrier barrier(3);
  int broken = 0;
  auto party = [&]() -> aio::Coro<> {
    try {
      co_await barrier.wait();
    } catch (const weft::BrokenBarrierError&) {
      ++broken;
    }
  };
  auto main = [&]() -> aio::Coro<> {
    auto a = aio::create_task(party());
    auto b = aio::create_task(party());
    co_await run_briefly();
    barrier.reset();
    co_await aio::gather(a, b);
    CHECK(broken == 2);
    CHECK_FALSE(barrier.broken());
    // Usable again after reset().
    std::vector<aio::Task<void>> ts;
    for (int i = 0; i < 3; ++i) ts.push_back(aio::create_task(party()));
    co_await aio::gather(ts);
    CHECK(broken == 2);
    auto c = aio::create_task(party());
    co_await run_briefly();
    barrier.abort();
    co_await c;
    CHECK(broken == 3);
    CHECK(barrier.broken());
    co_await party();  // broken for good
    CHECK(broken == 4);
  };
  aio::run(main());
}

TEST_CASE("Barrier: a cancelled waiter is not counted", "[asyncio][barrier]") {
  aio::Barrier barrier(2);
  int passed = 0;
  auto party = [&]() -> aio::Coro<> {
    co_await barrier.wait();
    ++passed;
  };
  auto main = [&]() -> aio::Coro<> {
    auto a = aio::create_task(party());
    co_await run_briefly();
    CHECK(barrier.n_waiting() == 1);
    a.cancel();
    co_await run_briefly();
    CHECK(a.cancelled());
    CHECK(barrier.n_waiting() == 0);
    auto b = aio::create_task(party());
    auto c = aio::create_task(party());
    co_await aio::gather(b, c);
  };
  aio::run(main());
  CHECK(passed == 2);
}
