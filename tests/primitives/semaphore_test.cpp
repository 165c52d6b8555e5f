// Semaphore, BoundedSemaphore and Event, after CPython's lock_tests.py.
#include <catch2/catch.hpp>

#include <mutex>
#include <thread>

#include "helpers.hpp"
#include "weft/threading.hpp"

using namespace weft_test;

TEST_CASE("Semaphore: negative initial value raises ValueError", "[semaphore]") {
  CHECK_THROWS_AS(weft::Semaphore(-1), weft::ValueError);
  CHECK_THROWS_AS(weft::BoundedSemaphore(-1), weft::ValueError);
  CHECK_NOTHROW(weft::Semaphore(0));
}

TEST_CASE("Semaphore: acquire counts down, blocks at zero", "[semaphore]") {
  weft::Semaphore s(2);
  CHECK(s.acquire());
  CHECK(s.acquire(false));
  CHECK_FALSE(s.acquire(false));
  CHECK(s.value() == 0);
  s.release();
  CHECK(s.acquire(false));
  s.release(2);
  CHECK(s.value() == 2);
}

TEST_CASE("Semaphore: release(n) wakes n blocked acquirers", "[semaphore]") {
  // SemaphoreTests.test_acquire_contended / test_multirelease.
  weft::Semaphore s(0);
  std::atomic<int> got{0};
  Bunch b(4, [&](int) {
    s.acquire();
    got.fetch_add(1);
  });
  let_threads_block();
  CHECK(got.load() == 0);
  s.release(3);
  while (got.load() < 3) std::this_thread::yield();
  let_threads_block();
  CHECK(got.load() == 3);
  s.release();
  b.join();
  CHECK(got.load() == 4);
  CHECK(s.value() == 0);
}

TEST_CASE("Semaphore: argument errors", "[semaphore]") {
  weft::Semaphore s(1);
  CHECK_THROWS_AS(s.release(0), weft::ValueError);
  CHECK_THROWS_AS(s.release(-2), weft::ValueError);
  CHECK_THROWS_AS(s.acquire(false, 1), weft::ValueError);
  CHECK_THROWS_AS(s.acquire(true, -3), weft::ValueError);
  CHECK(s.value() == 1);
}

TEST_CASE("Semaphore: timed acquire gives up", "[semaphore]") {
  weft::Semaphore s(0);
  auto t0 = Clock::now();
  CHECK_FALSE(s.acquire(true, 0.1));
  CHECK_TIMEOUT(seconds_since(t0), 0.1);
  CHECK_FALSE(s.acquire(true, 0));
  std::thread t([&] {
    sleep_s(0.02);
    s.release();
  });
  CHECK(s.acquire(true, 5));
  t.join();
}

TEST_CASE("Semaphore: unbounded release above the initial value is fine", "[semaphore]") {
  weft::Semaphore s(1);
  s.release();
  s.release(5);
  CHECK(s.value() == 7);
}

TEST_CASE("BoundedSemaphore: release above the initial value raises ValueError", "[semaphore]") {
  weft::BoundedSemaphore s(2);
  CHECK_THROWS_AS(s.release(), weft::ValueError);
  s.acquire();
  s.acquire();
  CHECK_THROWS_AS(s.release(3), weft::ValueError);
  CHECK(s.value() == 0);  // nothing was released by the failed call
  s.release(2);
  CHECK_THROWS_AS(s.release(), weft::ValueError);
  CHECK(s.value() == 2);
}

TEST_CASE("Semaphore: std::lock_guard limits concurrency", "[semaphore]") {
  weft::BoundedSemaphore s(2);
  std::atomic<int> inside{0}, max_inside{0};
  {
    Bunch b(5, [&](int) {
      for (int i = 0; i < 50; ++i) {
        std::lock_guard g(s);
        int now = inside.fetch_add(1) + 1;
        int m = max_inside.load();
        while (now > m && !max_inside.compare_exchange_weak(m, now)) {
        }
        std::this_thread::yield();
        inside.fetch_sub(1);
      }
    });
  }
  CHECK(max_inside.load() <= 2);
  CHECK(max_inside.load() >= 1);
  CHECK(s.value() == 2);
}

TEST_CASE("Event: set, clear, is_set", "[event]") {
  weft::Event e;
  CHECK_FALSE(e.is_set());
  e.set();
  CHECK(e.is_set());
  e.set();
  CHECK(e.is_set());
  e.clear();
  CHECK_FALSE(e.is_set());
  e.clear();
  CHECK_FALSE(e.is_set());
}

TEST_CASE("Event: set wakes every waiter, which returns true", "[event]") {
  weft::Event e;
  std::atomic<int> woke{0};
  Bunch b(5, [&](int) {
    if (e.wait()) woke.fetch_add(1);
  });
  let_threads_block();
  CHECK(woke.load() == 0);
  e.set();
  b.join();
  CHECK(woke.load() == 5);
  CHECK(e.wait());  // already set: returns at once
  CHECK(e.wait(0));
}

TEST_CASE("Event: wait times out with false", "[event]") {
  weft::Event e;
  CHECK_FALSE(e.wait(0));
  auto t0 = Clock::now();
  CHECK_FALSE(e.wait(0.1));
  CHECK_TIMEOUT(seconds_since(t0), 0.1);
  std::atomic<int> results{0};
  Bunch b(3, [&](int) {
    if (!e.wait(0.05)) results.fetch_add(1);
  });
  b.join();
  CHECK(results.load() == 3);
}

TEST_CASE("Event: set then clear still releases the waiters", "[event]") {
  // EventTests.test_set_and_clear: waiters woken by set() return true even if clear() follows.
  weft::Event e;
  std::atomic<int> trues{0};
  Bunch b(5, [&](int) {
    if (e.wait(2.0)) trues.fetch_add(1);
  });
  let_threads_block();
  e.set();
  e.clear();
  b.join();
  CHECK(trues.load() == 5);
}
