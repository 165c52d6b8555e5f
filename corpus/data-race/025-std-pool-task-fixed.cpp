// data-race, std flavour, in a pool: a two-worker thread pool (a std::queue of std::function
// tasks under a mutex and a condition variable) runs eight tasks that each add their share to
// a `long total` captured by reference. The first two tasks meet at a std::latch, so both
// workers are busy at once, as they are under load.
// Fix: the tasks add to `total` under a mutex of its own (the pool's lock guards only the
// pool).
// Shape: a correct work queue whose tasks share an unguarded accumulator, common in parallel
// reductions handed to a thread pool.
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <latch>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "corpus_deadline.h"

class Pool {
 public:
  explicit Pool(int n) {
    for (int i = 0; i < n; ++i) workers_.emplace_back([this] { work(); });
  }
  ~Pool() {  // runs what is queued, then stops the workers
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  void submit(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      tasks_.push(std::move(task));
    }
    cv_.notify_one();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lk(mu_);
        while (tasks_.empty() && !stop_) cv_.wait(lk);
        if (tasks_.empty()) return;  // stop requested and nothing left
        task = std::move(tasks_.front());
        tasks_.pop();
      }
      task();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::queue<std::function<void()>> tasks_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

int main() {
  corpus_deadline_ms(1000);
  long total = 0;
  std::mutex total_mu;  // guards total
  std::latch both_busy(2);
  {
    Pool pool(2);
    for (int part = 0; part < 8; ++part)
      pool.submit([&total, &total_mu, &both_busy, part] {
        if (part < 2) both_busy.arrive_and_wait();
        std::lock_guard<std::mutex> lk(total_mu);
        for (int i = 0; i < 1000; ++i) total += part;
      });
  }  // the pool has run every task and joined its workers
  std::printf("total %ld\n", total);
  return 0;
}
