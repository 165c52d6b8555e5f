// Programs written with the weft primitives for the detectors' end-to-end tests through
// `weft run` (they record natively). `detect_weft_prog SCENARIO`; see detect_tests.cmake.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include <weft/threading.hpp>

using namespace std::chrono_literals;

namespace {

int self_relock() {
  weft::Lock lock("account");
  lock.acquire();
  lock.acquire();  // lock-reentry: stopped here, before blocking; NOLINT(lock-reentry): the bug weft run must stop
  return 0;
}

int abba() {
  weft::Lock a("a"), b("b");
  weft::Thread t1([&] {
    std::lock_guard ga(a);
    std::this_thread::sleep_for(100ms);
    std::lock_guard gb(b);
  }, "t1");
  weft::Thread t2([&] {
    std::lock_guard gb(b);
    std::this_thread::sleep_for(100ms);
    std::lock_guard ga(a);  // NOLINT(lock-order-inversion): the bug weft run must report
  }, "t2");
  t1.start();
  t2.start();
  t1.join();
  t2.join();
  return 0;
}

int philosophers() {
  constexpr int n = 5;
  std::vector<std::unique_ptr<weft::Lock>> forks;
  for (int i = 0; i < n; ++i) forks.push_back(std::make_unique<weft::Lock>("fork"));
  std::vector<std::unique_ptr<weft::Thread>> ts;
  for (int i = 0; i < n; ++i) {
    ts.push_back(std::make_unique<weft::Thread>([&, i] {
      std::lock_guard left(*forks[i]);
      std::this_thread::sleep_for(100ms);
      std::lock_guard right(*forks[(i + 1) % n]);
    }));
    ts.back()->start();
  }
  for (auto& t : ts) t->join();
  return 0;
}

// The tutorial's consumer: waits under `if` (wait_if) or `while`. Under chaos a spurious
// wake-up makes the `if` version take from an empty queue: it reports that and fails.
int consumer(bool wait_if) {
  weft::Condition cond("items");
  std::deque<int> items;
  constexpr int kItems = 40;
  weft::Thread producer([&] {
    for (int i = 0; i < kItems; ++i) {
      std::this_thread::sleep_for(1ms);
      std::lock_guard g(cond);
      items.push_back(i);
      cond.notify();
    }
  }, "producer");
  producer.start();
  int bad = 0;
  for (int i = 0; i < kItems; ++i) {
    std::lock_guard g(cond);
    if (wait_if) {
      if (items.empty()) cond.wait();
    } else {
      while (items.empty()) cond.wait();
    }
    if (items.empty()) {
      ++bad;  // would be undefined behaviour: items.front() on an empty deque
      continue;
    }
    items.pop_front();
  }
  producer.join();
  if (bad) {
    std::fprintf(stderr, "consumer: woke up %d times with nothing to take\n", bad);
    return 3;
  }
  return 0;
}

// The if-wait consumer that dies at its first empty read (an uncaught std::out_of_range ends in
// abort() while the Condition is held): weft must still name the wait.
int consumer_throw() {
  weft::Condition cond("items");
  std::deque<int> items;
  weft::Thread producer([&] {
    std::this_thread::sleep_for(20ms);
    std::lock_guard g(cond);
    items.push_back(1);
    cond.notify();
  }, "producer");
  producer.start();
  std::lock_guard g(cond);
  if (items.empty()) cond.wait();  // NOLINT(wait-not-in-loop): the bug weft run must report
  int item = items.at(0);  // throws when the wake-up was spurious
  items.pop_front();
  producer.join();
  return item == 1 ? 0 : 4;
}

int unowned() {
  weft::Lock lock("l");
  try {
    lock.release();
  } catch (const weft::RuntimeError&) {
  }
  return 0;
}

int notify_without_lock() {
  weft::Condition cond("c");
  try {
    cond.notify();  // NOLINT(notify-without-lock): the bug weft run must report
  } catch (const weft::RuntimeError&) {
  }
  return 0;
}

int wait_without_lock() {
  weft::Condition cond("c");
  try {
    cond.wait(0.01);  // NOLINT(wait-not-in-loop,wait-without-lock): the bug weft run must report
  } catch (const weft::RuntimeError&) {
  }
  return 0;
}

int event_clear() {  // a set() that lands while the flag is still up, then cleared by the waiter
  weft::Event work("work"), ack("ack"), go("go");
  weft::Thread producer([&] {
    work.set();
    ack.wait();
    work.set();  // still set: lost when the consumer clears
    go.set();
  }, "producer");
  producer.start();
  work.wait();  // NOLINT(event-as-condition): the bug weft run must report
  ack.set();
  go.wait();
  work.clear();
  producer.join();
  return 0;
}

int correct() {  // condition-heavy and semaphore-heavy, RLock re-entry, Condition on an RLock
  weft::Condition cond("queue");
  weft::BoundedSemaphore slots(2, "slots");
  weft::RLock rlock("r");
  std::deque<int> q;
  bool done = false;
  long sum = 0;
  std::vector<std::unique_ptr<weft::Thread>> ts;
  for (int p = 0; p < 2; ++p) {
    ts.push_back(std::make_unique<weft::Thread>([&] {
      for (int i = 1; i <= 300; ++i) {
        slots.acquire();
        {
          std::lock_guard g(cond);
          q.push_back(i);
          cond.notify();
        }
        slots.release();
      }
    }));
  }
  weft::Thread c([&] {
    for (;;) {
      std::lock_guard g(cond);
      while (q.empty() && !done) cond.wait();
      if (q.empty()) return;
      std::lock_guard r1(rlock);
      std::lock_guard r2(rlock);
      sum += q.front();
      q.pop_front();
    }
  }, "consumer");
  for (auto& t : ts) t->start();
  c.start();
  for (auto& t : ts) t->join();
  {
    std::lock_guard g(cond);
    done = true;
    cond.notify_all();
  }
  c.join();
  return sum == 2L * 300 * 301 / 2 ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "";
  if (!std::strcmp(s, "self")) return self_relock();
  if (!std::strcmp(s, "abba")) return abba();
  if (!std::strcmp(s, "philosophers")) return philosophers();
  if (!std::strcmp(s, "consumer-if")) return consumer(true);
  if (!std::strcmp(s, "consumer-while")) return consumer(false);
  if (!std::strcmp(s, "consumer-throw")) return consumer_throw();
  if (!std::strcmp(s, "unowned")) return unowned();
  if (!std::strcmp(s, "notify-without-lock")) return notify_without_lock();
  if (!std::strcmp(s, "wait-without-lock")) return wait_without_lock();
  if (!std::strcmp(s, "event-clear")) return event_clear();
  if (!std::strcmp(s, "correct")) return correct();
  std::fprintf(stderr, "usage: detect_weft_prog SCENARIO\n");
  return 2;
}
