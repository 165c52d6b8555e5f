// Condition, after CPython's lock_tests.py ConditionTests.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "helpers.hpp"
#include "weft/threading.hpp"

using namespace weft_test;

TEST_CASE("Condition: acquire/release act on the underlying lock", "[condition]") {
  weft::Condition c;  // owns an RLock: reentrant
  c.acquire();
  c.acquire();
  c.release();
  c.release();
  weft::Lock l;
  weft::Condition c2(l);
  c2.acquire();
  CHECK(l.locked());
  CHECK_FALSE(c2.acquire(false));
  c2.release();
  CHECK_FALSE(l.locked());
}

TEST_CASE("Condition: wait and notify without the lock raise RuntimeError", "[condition]") {
  weft::Condition c;
  CHECK_THROWS_AS(c.wait(), weft::RuntimeError);  // NOLINT(wait-not-in-loop): tests that wait() without the lock throws
  CHECK_THROWS_AS(c.wait(0.01), weft::RuntimeError);  // NOLINT(wait-not-in-loop): tests that wait() without the lock throws
  CHECK_THROWS_AS(c.notify(), weft::RuntimeError);
  CHECK_THROWS_AS(c.notify_all(), weft::RuntimeError);
  // An RLock held by another thread is not "held" by us.
  weft::RLock r;
  weft::Condition cr(r);
  r.acquire();
  bool threw = false;
  std::thread([&] {
    try {
      cr.notify();  // NOLINT(notify-without-lock): tests that notify() from a non-owner throws
    } catch (const weft::RuntimeError&) {
      threw = true;
    }
  }).join();
  CHECK(threw);
  r.release();
  weft::Lock l;
  weft::Condition cl(l);
  CHECK_THROWS_AS(cl.wait(0), weft::RuntimeError);  // NOLINT(wait-not-in-loop): tests that wait() without the lock throws
  CHECK_THROWS_AS(cl.notify(), weft::RuntimeError);
}

TEST_CASE("Condition: wait times out and returns false with the lock re-held", "[condition]") {
  weft::Condition c;
  std::lock_guard g(c);
  auto t0 = Clock::now();
  CHECK_FALSE(c.wait(0.1));
  CHECK_TIMEOUT(seconds_since(t0), 0.1);
  CHECK_FALSE(c.wait(0));
  c.notify();  // still held: no RuntimeError
}

TEST_CASE("Condition: wait releases every RLock level and restores them", "[condition]") {
  weft::RLock r;
  weft::Condition c(r);
  r.acquire();
  r.acquire();
  r.acquire();
  bool ready = false;
  std::thread t([&] {
    // Can only get the lock if wait() released all three levels.
    std::lock_guard g(c);
    ready = true;
    c.notify();
  });
  while (!ready) c.wait();
  CHECK(r.is_owned());
  r.release();
  r.release();
  CHECK(r.is_owned());
  r.release();
  CHECK_FALSE(r.locked());
  t.join();
}

// ConditionTests.test_notify: notify(1), notify(3) and notify_all wake exactly that many.
template <class MakeCond>
void check_notify_counts(MakeCond make) {
  auto holder = make();
  weft::Condition& c = *holder.second;
  std::atomic<int> woken{0};
  std::atomic<int> waiting{0};
  Bunch b(5, [&](int) {
    std::lock_guard g(c);
    waiting.fetch_add(1);
    c.wait();  // NOLINT(wait-not-in-loop): counts the wakeups notify_all() causes
    woken.fetch_add(1);
  });
  while (waiting.load() < 5) std::this_thread::yield();
  let_threads_block();
  CHECK(woken.load() == 0);
  {
    std::lock_guard g(c);
    c.notify();
  }
  while (woken.load() < 1) std::this_thread::yield();
  let_threads_block();
  CHECK(woken.load() == 1);
  {
    std::lock_guard g(c);
    c.notify(3);
  }
  while (woken.load() < 4) std::this_thread::yield();
  let_threads_block();
  CHECK(woken.load() == 4);
  {
    std::lock_guard g(c);
    c.notify_all();
  }
  b.join();
  CHECK(woken.load() == 5);
}

TEST_CASE("Condition: notify wakes the requested number of waiters (RLock)", "[condition]") {
  check_notify_counts([] {
    return std::make_pair(std::unique_ptr<weft::Lock>(), std::make_unique<weft::Condition>());
  });
}

TEST_CASE("Condition: notify wakes the requested number of waiters (Lock)", "[condition]") {
  auto lock = std::make_shared<weft::Lock>();
  check_notify_counts([lock] {
    return std::make_pair(lock, std::make_unique<weft::Condition>(*lock));
  });
}

TEST_CASE("Condition: notify with no waiters and notify(0) are no-ops", "[condition]") {
  weft::Condition c;
  std::lock_guard g(c);
  c.notify(0);
  c.notify(5);
  c.notify_all();
  CHECK_FALSE(c.wait(0.01));
}

TEST_CASE("Condition: wait_for returns the predicate once it holds", "[condition]") {
  weft::Condition c;
  int state = 0;
  std::thread t([&] {
    for (int i = 0; i < 4; ++i) {
      sleep_s(0.01);
      std::lock_guard g(c);
      ++state;
      c.notify();
    }
  });
  {
    std::lock_guard g(c);
    CHECK(c.wait_for([&] { return state == 4; }));
    CHECK(state == 4);
  }
  t.join();
}

TEST_CASE("Condition: wait_for times out with the last predicate value", "[condition]") {
  weft::Condition c;
  std::lock_guard g(c);
  int calls = 0;
  auto t0 = Clock::now();
  CHECK_FALSE(c.wait_for(
      [&] {
        ++calls;
        return false;
      },
      0.1));
  CHECK_TIMEOUT(seconds_since(t0), 0.1);
  CHECK(calls >= 2);
  CHECK(c.wait_for([] { return true; }, 0));
}

TEST_CASE("Condition: producer/consumer keeps every item", "[condition]") {
  weft::Lock l;
  weft::Condition c(l, "items");
  std::deque<int> items;
  long sum = 0;
  std::thread consumer([&] {
    for (int got = 0; got < 1000; ++got) {
      std::unique_lock g(c);
      c.wait_for([&] { return !items.empty(); });
      sum += items.front();
      items.pop_front();
    }
  });
  for (int i = 1; i <= 1000; ++i) {
    std::lock_guard g(c);
    items.push_back(i);
    c.notify();
  }
  consumer.join();
  CHECK(sum == 500500);
}

TEST_CASE("Lock and RLock work with std::condition_variable_any", "[condition]") {
  weft::Lock l;
  std::condition_variable_any cv;
  bool ready = false;
  std::thread t([&] {
    std::lock_guard g(l);
    ready = true;
    cv.notify_one();
  });
  {
    std::unique_lock g(l);
    cv.wait(g, [&] { return ready; });
  }
  t.join();
  CHECK(ready);
}
