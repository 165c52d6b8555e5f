// Lock and RLock, after CPython's Lib/test/lock_tests.py (BaseLockTests, LockTests, RLockTests).
#include <catch2/catch.hpp>

#include <mutex>
#include <thread>

#include "helpers.hpp"
#include "weft/threading.hpp"

using namespace weft_test;

TEMPLATE_TEST_CASE("lock: acquire, release, locked", "[lock]", weft::Lock, weft::RLock) {
  TestType l("l");
  CHECK_FALSE(l.locked());
  CHECK(l.acquire());
  CHECK(l.locked());
  l.release();
  CHECK_FALSE(l.locked());
}

TEMPLATE_TEST_CASE("lock: try acquire succeeds when free", "[lock]", weft::Lock, weft::RLock) {
  TestType l;
  CHECK(l.acquire(false));
  l.release();
  CHECK(l.try_lock());
  l.unlock();
}

TEMPLATE_TEST_CASE("lock: try acquire from another thread fails while held", "[lock]", weft::Lock,
                   weft::RLock) {
  TestType l;
  l.acquire();
  bool got = true;
  std::thread([&] { got = l.acquire(false); }).join();
  CHECK_FALSE(got);
  l.release();
  std::thread([&] {
    got = l.acquire(false);
    if (got) l.release();
  }).join();
  CHECK(got);
}

TEMPLATE_TEST_CASE("lock: contended acquire blocks until release", "[lock]", weft::Lock,
                   weft::RLock) {
  TestType l;
  l.acquire();
  std::atomic<int> phase{0};
  Bunch b(1, [&](int) {
    l.acquire();
    phase = 1;
    l.release();
  });
  let_threads_block();
  CHECK(phase.load() == 0);
  l.release();
  b.join();
  CHECK(phase.load() == 1);
}

TEMPLATE_TEST_CASE("lock: std guards work (Lockable)", "[lock]", weft::Lock, weft::RLock) {
  TestType l;
  {
    std::lock_guard g(l);
    CHECK(l.locked());
  }
  CHECK_FALSE(l.locked());
  {
    std::unique_lock g(l, std::try_to_lock);
    CHECK(g.owns_lock());
  }
  TestType m;
  {
    std::scoped_lock g(l, m);
    CHECK(l.locked());
    CHECK(m.locked());
  }
  CHECK_FALSE(l.locked());
  CHECK_FALSE(m.locked());
}

TEMPLATE_TEST_CASE("lock: timeout argument rules and timed acquire", "[lock]", weft::Lock,
                   weft::RLock) {
  TestType l;
  CHECK_THROWS_AS(l.acquire(false, 1), weft::ValueError);
  CHECK_THROWS_AS(l.acquire(true, -100), weft::ValueError);
  CHECK_THROWS_AS(l.acquire(true, -0.5), weft::ValueError);
  CHECK(l.acquire(true, 0));  // timeout 0 on a free lock succeeds
  l.release();
  l.acquire();
  double dt = -1;
  bool got = true, got0 = true;
  std::thread([&] {
    got0 = l.acquire(true, 0);
    auto t0 = Clock::now();
    got = l.acquire(true, 0.1);
    dt = seconds_since(t0);
  }).join();
  CHECK_FALSE(got0);
  CHECK_FALSE(got);
  CHECK_TIMEOUT(dt, 0.1);
  l.release();
  CHECK_FALSE(l.locked());  // a timed-out acquire leaves no trace
  CHECK(l.acquire(false));
  l.release();
}

TEMPLATE_TEST_CASE("lock: many threads increment under the lock", "[lock]", weft::Lock,
                   weft::RLock) {
  TestType l;
  long counter = 0;
  {
    Bunch b(4, [&](int) {
      for (int i = 0; i < 20000; ++i) {
        std::lock_guard g(l);
        ++counter;
      }
    });
  }
  CHECK(counter == 80000);
}

TEST_CASE("Lock: release of an unlocked lock raises RuntimeError", "[lock]") {
  weft::Lock l;
  CHECK_THROWS_AS(l.release(), weft::RuntimeError);
  l.acquire();
  l.release();
  CHECK_THROWS_AS(l.release(), weft::RuntimeError);
  CHECK_THROWS_AS(l.unlock(), weft::RuntimeError);
  CHECK_FALSE(l.locked());
}

TEST_CASE("Lock: not reentrant, and another thread may release it", "[lock]") {
  // LockTests.test_reacquire: the second acquire by the holder blocks until someone releases.
  weft::Lock l;
  std::atomic<int> phase{0};
  std::thread t([&] {
    l.acquire();
    phase = 1;
    l.acquire();  // blocks: Lock is not reentrant
    phase = 2;
  });
  while (phase.load() == 0) std::this_thread::yield();
  let_threads_block();
  CHECK(phase.load() == 1);
  l.release();  // LockTests.test_different_thread: any thread may release
  t.join();
  CHECK(phase.load() == 2);
  CHECK(l.locked());
  l.release();
  CHECK_FALSE(l.locked());
}

TEST_CASE("Lock: non-reentrant acquire with timeout fails", "[lock]") {
  weft::Lock l;
  l.acquire();
  CHECK_FALSE(l.acquire(false));
  auto t0 = Clock::now();
  CHECK_FALSE(l.acquire(true, 0.05));
  CHECK_TIMEOUT(seconds_since(t0), 0.05);
  l.release();
}

TEST_CASE("Lock: lock handed between threads", "[lock]") {
  weft::Lock l;
  l.acquire();
  std::thread([&] { l.release(); }).join();
  CHECK_FALSE(l.locked());
}

TEST_CASE("RLock: reentrant acquire and matching releases", "[rlock]") {
  weft::RLock l;
  CHECK_FALSE(l.is_owned());
  CHECK(l.acquire());
  CHECK(l.acquire());
  CHECK(l.acquire(false));
  CHECK(l.is_owned());
  l.release();
  l.release();
  CHECK(l.locked());
  CHECK(l.is_owned());
  l.release();
  CHECK_FALSE(l.locked());
  CHECK_FALSE(l.is_owned());
  CHECK_THROWS_AS(l.release(), weft::RuntimeError);
}

TEST_CASE("RLock: release by another thread raises RuntimeError", "[rlock]") {
  weft::RLock l;
  l.acquire();
  bool threw = false, owned = true;
  std::thread([&] {
    owned = l.is_owned();
    try {
      l.release();
    } catch (const weft::RuntimeError&) {
      threw = true;
    }
  }).join();
  CHECK(threw);
  CHECK_FALSE(owned);
  CHECK(l.is_owned());
  l.release();
}

TEST_CASE("RLock: release of an unacquired lock raises RuntimeError", "[rlock]") {
  weft::RLock l;
  CHECK_THROWS_AS(l.release(), weft::RuntimeError);
  CHECK_THROWS_AS(l.unlock(), weft::RuntimeError);
}

TEST_CASE("errors: every weft exception is a weft::Error and a std::runtime_error", "[errors]") {
  CHECK_THROWS_AS(throw weft::BrokenBarrierError("x"), weft::RuntimeError);
  CHECK_THROWS_AS(throw weft::Full(), weft::Error);
  CHECK_THROWS_AS(throw weft::Empty(), std::runtime_error);
  CHECK_THROWS_AS(throw weft::TimeoutError("t"), weft::Error);
  CHECK_THROWS_AS(throw weft::CancelledError("c"), weft::Error);
  CHECK_THROWS_AS(throw weft::ValueError("v"), weft::Error);
}
