// Unmodified std:: programs for the detectors' end-to-end tests through `weft run` and the
// LD_PRELOAD interposer. `detect_std_prog SCENARIO`; see detect_tests.cmake for what each must
// produce.
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <semaphore>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

int self_relock() {
  std::mutex m;
  m.lock();
  m.lock();  // lock-reentry: stopped here; NOLINT(lock-reentry): the bug weft run must stop
  return 0;
}

int abba() {
  std::mutex a, b;
  std::thread t1([&] {
    std::lock_guard ga(a);
    std::this_thread::sleep_for(100ms);
    std::lock_guard gb(b);
  });
  std::thread t2([&] {
    std::lock_guard gb(b);
    std::this_thread::sleep_for(100ms);
    std::lock_guard ga(a);  // NOLINT(lock-order-inversion): the bug weft run must report
  });
  t1.join();
  t2.join();
  return 0;
}

int philosophers(int n) {  // n = 3: the three-thread cycle; n = 5: dining philosophers
  std::vector<std::mutex> forks(static_cast<std::size_t>(n));
  std::vector<std::thread> ts;
  for (int i = 0; i < n; ++i) {
    ts.emplace_back([&, i] {
      std::lock_guard left(forks[static_cast<std::size_t>(i)]);
      std::this_thread::sleep_for(100ms);
      std::lock_guard right(forks[static_cast<std::size_t>((i + 1) % n)]);
    });
  }
  for (auto& t : ts) t.join();
  return 0;
}

int join_cycle() {  // main holds m and joins a thread that needs m
  std::mutex m;
  std::lock_guard g(m);
  std::thread t([&] { std::lock_guard g2(m); });
  t.join();
  return 0;
}

int inversion() {  // ABBA that does not deadlock in this run: one after the other
  std::mutex a, b;
  std::thread([&] {
    std::lock_guard ga(a);
    std::lock_guard gb(b);
  }).join();
  std::thread([&] {
    std::lock_guard gb(b);
    std::lock_guard ga(a);  // NOLINT(lock-order-inversion): the bug weft run must report
  }).join();
  return 0;
}

int unowned() {
  std::mutex m;
  m.lock();
  std::thread([&] { m.unlock(); }).join();  // not the owner
  return 0;
}

int exit_holding() {
  std::mutex m;
  std::thread([&] { m.lock(); }).join();  // ends holding m
  return 0;
}

int lost_wakeup(bool forever) {
  std::mutex m;
  std::condition_variable cv;
  std::thread producer([&] {
    std::lock_guard g(m);
    cv.notify_one();  // nobody waits yet
  });
  producer.join();
  std::thread consumer([&] {
    std::unique_lock lk(m);
    if (forever)
      cv.wait(lk);  // waits for the notification, not for a predicate; NOLINT(wait-not-in-loop): the lost wakeup weft run must report
    else
      cv.wait_for(lk, 300ms);  // NOLINT(wait-not-in-loop): the lost wakeup weft run must report
  });
  consumer.join();
  return 0;
}

int correct_cv() {  // bounded queue, 2 producers, 2 consumers, predicates in loops
  std::mutex m;
  std::condition_variable not_empty, not_full;
  std::deque<int> q;
  constexpr int kItems = 2000;
  long sum = 0;
  int done = 0;
  auto producer = [&] {
    for (int i = 1; i <= kItems; ++i) {
      std::unique_lock lk(m);
      not_full.wait(lk, [&] { return q.size() < 8; });
      q.push_back(i);
      not_empty.notify_one();
    }
  };
  auto consumer = [&] {
    for (;;) {
      std::unique_lock lk(m);
      not_empty.wait(lk, [&] { return !q.empty() || done == 2; });
      if (q.empty()) return;
      sum += q.front();
      q.pop_front();
      not_full.notify_one();
    }
  };
  std::thread p1(producer), p2(producer), c1(consumer), c2(consumer);
  p1.join();
  p2.join();
  {
    std::lock_guard g(m);
    done = 2;
  }
  not_empty.notify_all();
  c1.join();
  c2.join();
  return sum == 2L * kItems * (kItems + 1) / 2 ? 0 : 3;
}

int correct_sem() {  // a pool of 3 slots shared by 6 workers, nested locks in one order
  std::counting_semaphore<3> slots(3);
  std::mutex a, b;
  int in_use = 0, max_in_use = 0, total = 0;
  std::vector<std::thread> ts;
  for (int w = 0; w < 6; ++w) {
    ts.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        slots.acquire();
        {
          std::lock_guard ga(a);
          std::lock_guard gb(b);
          ++in_use;
          max_in_use = std::max(max_in_use, in_use);
          ++total;
        }
        {
          std::lock_guard ga(a);
          --in_use;
        }
        slots.release();
      }
    });
  }
  for (auto& t : ts) t.join();
  return total == 1200 && max_in_use <= 3 ? 0 : 3;
}

// The tutorial's consumer with std::condition_variable: `if` (wait_if) or `while` around the
// wait. Under chaos a spurious wake-up makes the `if` version find the queue empty and fail.
int consumer(bool wait_if) {
  std::mutex m;
  std::condition_variable cv;
  std::deque<int> items;
  constexpr int kItems = 40;
  std::thread producer([&] {
    for (int i = 0; i < kItems; ++i) {
      std::this_thread::sleep_for(1ms);
      std::lock_guard g(m);
      items.push_back(i);
      cv.notify_one();
    }
  });
  int bad = 0;
  for (int i = 0; i < kItems; ++i) {
    std::unique_lock lk(m);
    if (wait_if) {
      if (items.empty()) cv.wait(lk);
    } else {
      while (items.empty()) cv.wait(lk);
    }
    if (items.empty()) {
      ++bad;
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

// notify-without-lock: a flag set and notified without the mutex the waiter checks it under
// (unlocked), or changed under the mutex and notified right after unlocking it (after-unlock,
// correct: POSIX allows it).
int notify(bool unlocked) {
  std::mutex m;
  std::condition_variable cv;
  std::atomic<bool> ready{false};
  std::atomic<bool> waiting{false}, in_wait{false};
  // Another thread finds out that the waiter is inside its wait (the mutex is free once it is),
  // so that the notifier itself never touches the mutex in the buggy version.
  std::thread prober([&] {
    while (!waiting) std::this_thread::sleep_for(1ms);
    { std::lock_guard g(m); }
    in_wait = true;
  });
  std::thread notifier([&] {
    while (!in_wait) std::this_thread::sleep_for(1ms);
    if (unlocked) {
      ready = true;
      cv.notify_one();  // the bug weft run must report
    } else {
      {
        std::lock_guard g(m);
        ready = true;
      }
      cv.notify_one();
    }
  });
  {
    std::unique_lock lk(m);
    waiting = true;
    while (!ready) cv.wait(lk);
  }
  prober.join();
  notifier.join();
  return 0;
}

// exit-holding-lock through pthread_cancel: the cancelled thread holds a mutex while it sleeps
// (a cancellation point), with no cleanup handler (holding) or with one that unlocks (cleanup).
// cond-cleanup: cancelled inside a condition wait, whose cleanup handler unlocks the mutex the
// wait re-took (correct).
pthread_mutex_t g_cancel_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t g_cancel_cv = PTHREAD_COND_INITIALIZER;
std::atomic<bool> g_cancel_ready{false};
void unlock_cancel_mu(void*) { pthread_mutex_unlock(&g_cancel_mu); }

void* cancel_worker_holding(void*) {
  pthread_mutex_lock(&g_cancel_mu);
  g_cancel_ready = true;
  for (;;) ::sleep(5);  // cancelled here, still holding the mutex
}
void* cancel_worker_cleanup(void*) {
  pthread_mutex_lock(&g_cancel_mu);
  pthread_cleanup_push(unlock_cancel_mu, nullptr);
  g_cancel_ready = true;
  for (;;) ::sleep(5);  // cancelled here; the handler unlocks
  pthread_cleanup_pop(1);
}
void* cancel_worker_cond(void*) {
  pthread_mutex_lock(&g_cancel_mu);
  pthread_cleanup_push(unlock_cancel_mu, nullptr);
  g_cancel_ready = true;
  for (;;) pthread_cond_wait(&g_cancel_cv, &g_cancel_mu);  // cancelled here
  pthread_cleanup_pop(1);
}

int cancel(void* (*worker)(void*)) {
  pthread_t t;
  if (pthread_create(&t, nullptr, worker, nullptr) != 0) return 3;
  while (!g_cancel_ready) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(20ms);  // let it reach its cancellation point
  pthread_cancel(t);
  void* result = nullptr;
  pthread_join(t, &result);
  return result == PTHREAD_CANCELED ? 0 : 3;
}

// lost-wakeup: a start gate built from a bare broadcast; the late worker begins to wait after
// the broadcast went out and waits forever.
int late_broadcast() {
  std::mutex m;
  std::condition_variable start;
  bool first_waiting = false;
  std::condition_variable first_in;
  std::thread first([&] {
    std::unique_lock lk(m);
    first_waiting = true;
    first_in.notify_one();
    start.wait(lk);  // NOLINT(wait-not-in-loop): woken by the broadcast
  });
  {
    std::unique_lock lk(m);
    first_in.wait(lk, [&] { return first_waiting; });  // `first` waits once m is free again
    start.notify_all();
  }
  first.join();
  std::thread late([&] {
    std::unique_lock lk(m);
    start.wait(lk);  // NOLINT(wait-not-in-loop): the lost wake-up weft run must report
  });
  late.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "";
  if (!std::strcmp(s, "self")) return self_relock();
  if (!std::strcmp(s, "abba")) return abba();
  if (!std::strcmp(s, "three")) return philosophers(3);
  if (!std::strcmp(s, "philosophers")) return philosophers(5);
  if (!std::strcmp(s, "join-cycle")) return join_cycle();
  if (!std::strcmp(s, "inversion")) return inversion();
  if (!std::strcmp(s, "unowned")) return unowned();
  if (!std::strcmp(s, "exit-holding")) return exit_holding();
  if (!std::strcmp(s, "lost-wakeup")) return lost_wakeup(false);
  if (!std::strcmp(s, "lost-forever")) return lost_wakeup(true);
  if (!std::strcmp(s, "correct-cv")) return correct_cv();
  if (!std::strcmp(s, "consumer-if")) return consumer(true);
  if (!std::strcmp(s, "consumer-while")) return consumer(false);
  if (!std::strcmp(s, "correct-sem")) return correct_sem();
  if (!std::strcmp(s, "late-broadcast")) return late_broadcast();
  if (!std::strcmp(s, "notify-unlocked")) return notify(true);
  if (!std::strcmp(s, "notify-after-unlock")) return notify(false);
  if (!std::strcmp(s, "cancel-holding")) return cancel(cancel_worker_holding);
  if (!std::strcmp(s, "cancel-cleanup")) return cancel(cancel_worker_cleanup);
  if (!std::strcmp(s, "cancel-cond-cleanup")) return cancel(cancel_worker_cond);
  std::fprintf(stderr, "usage: detect_std_prog SCENARIO\n");
  return 2;
}
