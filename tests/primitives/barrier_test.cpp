// Barrier, after CPython's lock_tests.py BarrierTests.
#include <catch2/catch.hpp>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

#include "helpers.hpp"
#include "weft/threading.hpp"

using namespace weft_test;

TEST_CASE("Barrier: parties < 1 raises ValueError", "[barrier]") {
  CHECK_THROWS_AS(weft::Barrier(0), weft::ValueError);
  CHECK_THROWS_AS(weft::Barrier(-3), weft::ValueError);
  weft::Barrier b(1);
  CHECK(b.wait() == 0);  // a one-party barrier passes at once
  CHECK(b.parties() == 1);
}

TEST_CASE("Barrier: rounds pass with distinct arrival indexes", "[barrier]") {
  const int n = 4;
  weft::Barrier b(n);
  std::mutex mu;
  std::vector<std::multiset<int>> indexes(3);
  std::atomic<int> phase_count[3] = {0, 0, 0};
  bool ok = true;
  {
    Bunch bunch(n, [&](int) {
      for (int round = 0; round < 3; ++round) {
        phase_count[round].fetch_add(1);
        int i = b.wait();
        // Nobody passes before all arrived (BarrierTests.test_barrier).
        if (phase_count[round].load() != n) ok = false;
        std::lock_guard g(mu);
        indexes[round].insert(i);
      }
    });
  }
  CHECK(ok);
  for (auto& s : indexes) CHECK(s == std::multiset<int>{0, 1, 2, 3});
  CHECK(b.n_waiting() == 0);
  CHECK_FALSE(b.broken());
}

TEST_CASE("Barrier: the action runs once per round before anyone is released", "[barrier]") {
  std::atomic<int> actions{0};
  std::atomic<bool> early{false};
  weft::Barrier b(3, [&] { actions.fetch_add(1); });
  {
    Bunch bunch(3, [&](int) {
      for (int round = 1; round <= 2; ++round) {
        b.wait();
        if (actions.load() < round) early = true;
      }
    });
  }
  CHECK(actions.load() == 2);
  CHECK_FALSE(early.load());
}

TEST_CASE("Barrier: n_waiting counts blocked parties", "[barrier]") {
  weft::Barrier b(3);
  Bunch bunch(2, [&](int) { b.wait(); });
  while (b.n_waiting() < 2) std::this_thread::yield();
  CHECK(b.n_waiting() == 2);
  b.wait();
  bunch.join();
  CHECK(b.n_waiting() == 0);
}

TEST_CASE("Barrier: abort breaks waiting and later waits", "[barrier]") {
  weft::Barrier b(3);
  std::atomic<int> broken{0};
  Bunch bunch(2, [&](int) {
    try {
      b.wait();
    } catch (const weft::BrokenBarrierError&) {
      broken.fetch_add(1);
    }
  });
  while (b.n_waiting() < 2) std::this_thread::yield();
  b.abort();
  bunch.join();
  CHECK(broken.load() == 2);
  CHECK(b.broken());
  CHECK_THROWS_AS(b.wait(), weft::BrokenBarrierError);
  b.reset();
  CHECK_FALSE(b.broken());
  // Usable again after reset (BarrierTests.test_abort_and_reset).
  Bunch again(2, [&](int) { b.wait(); });
  b.wait();
  again.join();
}

TEST_CASE("Barrier: reset while waiting raises BrokenBarrierError in the waiters", "[barrier]") {
  weft::Barrier b(3);
  std::atomic<int> broken{0};
  Bunch bunch(2, [&](int) {
    try {
      b.wait();
    } catch (const weft::BrokenBarrierError&) {
      broken.fetch_add(1);
    }
  });
  while (b.n_waiting() < 2) std::this_thread::yield();
  b.reset();
  bunch.join();
  CHECK(broken.load() == 2);
  CHECK_FALSE(b.broken());
  Bunch again(2, [&](int) { b.wait(); });
  b.wait();
  again.join();
}

TEST_CASE("Barrier: a timed-out wait breaks the barrier for everyone", "[barrier]") {
  weft::Barrier b(3);
  std::atomic<int> broken{0};
  auto t0 = Clock::now();
  Bunch bunch(2, [&](int i) {
    try {
      if (i == 0)
        b.wait(0.1);
      else
        b.wait();
    } catch (const weft::BrokenBarrierError&) {
      broken.fetch_add(1);
    }
  });
  bunch.join();
  CHECK_TIMEOUT(seconds_since(t0), 0.1);
  CHECK(broken.load() == 2);
  CHECK(b.broken());
}

TEST_CASE("Barrier: the default timeout applies to wait() and is overridden", "[barrier]") {
  weft::Barrier b(2, {}, 0.05);
  auto t0 = Clock::now();
  CHECK_THROWS_AS(b.wait(), weft::BrokenBarrierError);
  CHECK_TIMEOUT(seconds_since(t0), 0.05);
  b.reset();
  // An explicit timeout overrides the default: the partner arrives after 0.2 s.
  std::thread t([&] {
    sleep_s(0.2);
    b.wait(5.0);
  });
  CHECK_NOTHROW(b.wait(5.0));
  t.join();
}

TEST_CASE("Barrier: a throwing action breaks the barrier", "[barrier]") {
  weft::Barrier b(2, [] { throw std::runtime_error("action failed"); });
  std::atomic<int> broken{0}, action_errors{0};
  Bunch bunch(2, [&](int) {
    try {
      b.wait();
    } catch (const weft::BrokenBarrierError&) {
      broken.fetch_add(1);
    } catch (const std::runtime_error&) {
      action_errors.fetch_add(1);
    }
  });
  bunch.join();
  CHECK(action_errors.load() == 1);
  CHECK(broken.load() == 1);
  CHECK(b.broken());
}
