// Queue, after CPython's Lib/test/test_queue.py.
#include <catch2/catch.hpp>

#include <memory>
#include <thread>

#include "helpers.hpp"
#include "weft/threading.hpp"

using namespace weft_test;

TEST_CASE("Queue: FIFO order, sizes, empty and full", "[queue]") {
  weft::Queue<int> q(3);
  CHECK(q.empty());
  CHECK_FALSE(q.full());
  q.put(111);
  q.put(333);
  q.put(222);
  CHECK(q.full());
  CHECK(q.qsize() == 3);
  CHECK(q.get() == 111);
  CHECK(q.get() == 333);
  CHECK(q.get() == 222);
  CHECK(q.empty());
}

TEST_CASE("Queue: Full and Empty for non-blocking and timed calls", "[queue]") {
  weft::Queue<int> q(1);
  CHECK_THROWS_AS(q.get(false), weft::Empty);
  CHECK_THROWS_AS(q.get_nowait(), weft::Empty);
  auto t0 = Clock::now();
  CHECK_THROWS_AS(q.get(true, 0.1), weft::Empty);
  CHECK_TIMEOUT(seconds_since(t0), 0.1);
  q.put(1);
  CHECK_THROWS_AS(q.put(2, false), weft::Full);
  CHECK_THROWS_AS(q.put_nowait(2), weft::Full);
  t0 = Clock::now();
  CHECK_THROWS_AS(q.put(2, true, 0.1), weft::Full);
  CHECK_TIMEOUT(seconds_since(t0), 0.1);
  CHECK(q.qsize() == 1);
}

TEST_CASE("Queue: unbounded queue never blocks put", "[queue]") {
  weft::Queue<int> q;
  for (int i = 0; i < 1000; ++i) q.put_nowait(i);
  CHECK_FALSE(q.full());
  CHECK(q.qsize() == 1000);
}

TEST_CASE("Queue: blocking put waits for room, blocking get for an item", "[queue]") {
  weft::Queue<int> q(1);
  q.put(1);
  std::atomic<bool> put_done{false};
  std::thread t([&] {
    q.put(2);  // blocks until the main thread gets
    put_done = true;
  });
  let_threads_block();
  CHECK_FALSE(put_done.load());
  CHECK(q.get() == 1);
  t.join();
  CHECK(q.get() == 2);
  std::thread p([&] {
    sleep_s(0.02);
    q.put(3);
  });
  CHECK(q.get(true, 5) == 3);
  p.join();
}

TEST_CASE("Queue: task_done and join", "[queue]") {
  weft::Queue<int> q;
  CHECK_THROWS_AS(q.task_done(), weft::ValueError);
  std::atomic<long> sum{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w)
    workers.emplace_back([&] {
      for (;;) {
        int x = q.get();
        if (x < 0) {
          q.task_done();
          return;
        }
        sum.fetch_add(x);
        q.task_done();
      }
    });
  for (int i = 1; i <= 100; ++i) q.put(i);
  q.join();
  CHECK(sum.load() == 5050);
  q.put(-1);
  q.put(-1);
  for (auto& t : workers) t.join();
  q.join();
  CHECK_THROWS_AS(q.task_done(), weft::ValueError);
}

TEST_CASE("Queue: move-only items", "[queue]") {
  weft::Queue<std::unique_ptr<int>> q;
  q.put(std::make_unique<int>(7));
  auto p = q.get();
  CHECK(*p == 7);
}
