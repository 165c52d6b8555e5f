// Future, ThreadPoolExecutor and as_completed, after CPython's test_concurrent_futures.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <thread>

#include "helpers.hpp"
#include "weft/threading.hpp"

using namespace weft_test;

TEST_CASE("Future: result of a submitted call, with arguments", "[executor]") {
  weft::ThreadPoolExecutor pool(2);
  auto f = pool.submit([](int a, int b) { return a * b; }, 6, 7);
  CHECK(f.result() == 42);
  CHECK(f.result() == 42);  // may be read again
  CHECK(f.done());
  CHECK_FALSE(f.running());
  CHECK_FALSE(f.cancelled());
  CHECK(f.exception() == nullptr);
  auto s = pool.submit([](std::string x) { return x + "!"; }, std::string("hi"));
  CHECK(s.result() == "hi!");
}

TEST_CASE("Future<void> and exceptions from the task", "[executor]") {
  weft::ThreadPoolExecutor pool(1);
  int ran = 0;
  weft::Future<void> v = pool.submit([&] { ++ran; });
  v.result();
  CHECK(ran == 1);
  auto bad = pool.submit([]() -> int { throw std::out_of_range("nope"); });
  CHECK_THROWS_AS(bad.result(), std::out_of_range);
  auto e = bad.exception();
  REQUIRE(e != nullptr);
  CHECK_THROWS_WITH(std::rethrow_exception(e), "nope");
}

TEST_CASE("Future: result and exception time out", "[executor]") {
  weft::ThreadPoolExecutor pool(1);
  weft::Event go;
  auto f = pool.submit([&] {
    go.wait();
    return 1;
  });
  auto t0 = Clock::now();
  CHECK_THROWS_AS(f.result(0.1), weft::TimeoutError);
  CHECK_TIMEOUT(seconds_since(t0), 0.1);
  CHECK_THROWS_AS(f.exception(0), weft::TimeoutError);
  CHECK(f.running());
  CHECK_FALSE(f.cancel());  // running: cannot cancel
  go.set();
  CHECK(f.result(5) == 1);
}

TEST_CASE("Future: cancel a pending task", "[executor]") {
  weft::ThreadPoolExecutor pool(1);
  weft::Event go;
  auto blocker = pool.submit([&] { go.wait(); });
  auto pending = pool.submit([] { return 5; });
  CHECK(pending.cancel());
  CHECK(pending.cancel());  // again: still true
  CHECK(pending.cancelled());
  CHECK(pending.done());
  CHECK_THROWS_AS(pending.result(), weft::CancelledError);
  CHECK_THROWS_AS(pending.exception(), weft::CancelledError);
  go.set();
  blocker.result();
  CHECK_FALSE(blocker.cancel());  // finished: cannot cancel
}

TEST_CASE("Future: done callbacks run once, also when added after completion", "[executor]") {
  weft::Future<int> f;
  std::vector<int> seen;
  f.add_done_callback([&](weft::Future<int> g) { seen.push_back(g.result()); });
  f.add_done_callback([](weft::Future<int>) { throw std::runtime_error("callback failed"); });
  f.add_done_callback([&](weft::Future<int> g) { seen.push_back(g.result() + 1); });
  CHECK(seen.empty());
  CHECK(f.set_running_or_notify_cancel());
  CHECK(f.running());
  f.set_result(10);
  CHECK(seen == std::vector<int>{10, 11});  // the throwing one did not stop the third
  f.add_done_callback([&](weft::Future<int> g) { seen.push_back(g.result() + 2); });
  CHECK(seen == std::vector<int>{10, 11, 12});
  CHECK_THROWS_AS(f.set_result(3), weft::RuntimeError);
  weft::Future<int> c;
  bool cb = false;
  c.add_done_callback([&](weft::Future<int> g) { cb = g.cancelled(); });
  CHECK(c.cancel());
  CHECK(cb);
  CHECK_FALSE(c.set_running_or_notify_cancel());
}

TEST_CASE("ThreadPoolExecutor: argument errors and submit after shutdown", "[executor]") {
  CHECK_THROWS_AS(weft::ThreadPoolExecutor(-1), weft::ValueError);
  weft::ThreadPoolExecutor pool(2);
  pool.shutdown();
  CHECK_THROWS_AS(pool.submit([] { return 1; }), weft::RuntimeError);
  pool.shutdown();  // harmless twice
}

TEST_CASE("ThreadPoolExecutor: worker names and max_workers", "[executor]") {
  std::set<std::string> names;
  std::mutex mu;
  {
    weft::ThreadPoolExecutor pool(3, "fetch");
    weft::Barrier all(3);
    std::vector<weft::Future<void>> fs;
    for (int i = 0; i < 3; ++i)
      fs.push_back(pool.submit([&] {
        all.wait(5.0);  // three workers exist at the same time
        std::lock_guard g(mu);
        names.insert(weft::current_thread().name());
      }));
    for (auto& f : fs) f.result();
    for (int i = 0; i < 20; ++i)
      pool.submit([&] {
        std::lock_guard g(mu);
        names.insert(weft::current_thread().name());
      });
  }
  CHECK(names == std::set<std::string>{"fetch_0", "fetch_1", "fetch_2"});  // never a 4th
  std::string worker_name;
  {
    weft::ThreadPoolExecutor pool;
    pool.submit([&] { worker_name = weft::current_thread().name(); }).result();
  }
  INFO(worker_name);
  CHECK(worker_name.rfind("ThreadPoolExecutor-", 0) == 0);
  CHECK(worker_name.substr(worker_name.size() - 2) == "_0");
}

TEST_CASE("ThreadPoolExecutor: shutdown waits for queued tasks", "[executor]") {
  std::atomic<int> done{0};
  weft::ThreadPoolExecutor pool(2);
  for (int i = 0; i < 10; ++i)
    pool.submit([&] {
      sleep_s(0.005);
      done.fetch_add(1);
    });
  pool.shutdown(true);
  CHECK(done.load() == 10);
}

TEST_CASE("ThreadPoolExecutor: shutdown(cancel_futures) cancels pending tasks", "[executor]") {
  weft::ThreadPoolExecutor pool(1);
  weft::Event go;
  auto running = pool.submit([&] { go.wait(); });
  std::vector<weft::Future<int>> pending;
  for (int i = 0; i < 5; ++i) pending.push_back(pool.submit([i] { return i; }));
  while (!running.running()) std::this_thread::yield();
  pool.shutdown(false, true);
  for (auto& f : pending) CHECK(f.cancelled());
  go.set();
  running.result();
  pool.shutdown(true);
}

TEST_CASE("ThreadPoolExecutor: a throwing initializer breaks the pool", "[executor]") {
  weft::ThreadPoolExecutor pool(1, "", [] { throw std::runtime_error("init failed"); });
  auto f = pool.submit([] { return 1; });
  CHECK_THROWS_AS(f.result(5), weft::RuntimeError);
  // Later submits fail once the pool knows it is broken.
  bool threw = false;
  try {
    pool.submit([] { return 2; }).result(5);
  } catch (const weft::RuntimeError&) {
    threw = true;
  }
  CHECK(threw);
}

TEST_CASE("ThreadPoolExecutor: initializer runs in each worker", "[executor]") {
  std::atomic<int> inits{0};
  thread_local int initialized = 0;
  weft::ThreadPoolExecutor pool(2, "init", [&] {
    inits.fetch_add(1);
    initialized = 1;
  });
  CHECK(pool.submit([] { return initialized; }).result() == 1);
  pool.shutdown();
  CHECK(inits.load() >= 1);
}

TEST_CASE("ThreadPoolExecutor: map keeps input order", "[executor]") {
  weft::ThreadPoolExecutor pool(3);
  std::vector<int> in{5, 1, 4, 2, 3};
  auto out = pool.map(
      [](int x) {
        sleep_s(0.002 * x);
        return x * 10;
      },
      in);
  CHECK(out == std::vector<int>{50, 10, 40, 20, 30});
}

TEST_CASE("ThreadPoolExecutor: map rethrows the first failure in input order", "[executor]") {
  weft::ThreadPoolExecutor pool(1);
  std::atomic<int> ran{0};
  std::vector<int> in{0, 1, 2, 3, 4, 5, 6, 7};
  try {
    pool.map(
        [&](int x) {
          ran.fetch_add(1);
          if (x == 1) throw std::invalid_argument("item 1");
          if (x == 2) throw std::invalid_argument("item 2");
          sleep_s(0.01);
          return x;
        },
        in);
    FAIL("map did not throw");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) == "item 1");
  }
  pool.shutdown();
  CHECK(ran.load() < 8);  // the rest were cancelled before they started
}

TEST_CASE("as_completed: completion order, duplicates once, done ones first", "[executor]") {
  weft::ThreadPoolExecutor pool(3);
  weft::Event go_a, go_b;
  auto done_first = pool.submit([] { return 0; });
  done_first.result();
  auto a = pool.submit([&] {
    go_a.wait();
    return 1;
  });
  auto b = pool.submit([&] {
    go_b.wait();
    return 2;
  });
  std::thread t([&] {
    sleep_s(0.02);
    go_b.set();
    b.result();
    sleep_s(0.02);
    go_a.set();
  });
  auto order = weft::as_completed(std::vector{a, b, done_first, a});
  t.join();
  REQUIRE(order.size() == 3);
  CHECK(order[0] == done_first);
  CHECK(order[1] == b);
  CHECK(order[2] == a);
}

TEST_CASE("as_completed: timeout raises TimeoutError", "[executor]") {
  weft::ThreadPoolExecutor pool(1);
  weft::Event go;
  auto f = pool.submit([&] { go.wait(); });
  auto t0 = Clock::now();
  CHECK_THROWS_AS(weft::as_completed(std::vector{f}, 0.1), weft::TimeoutError);
  CHECK_TIMEOUT(seconds_since(t0), 0.1);
  go.set();
  CHECK(weft::as_completed(std::vector{f}, 5).size() == 1);
}
