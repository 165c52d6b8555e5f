// wait-not-in-loop, std flavour, in a pool: two worker threads take tasks from a shared queue;
// main submits four tasks 10 ms apart, then asks the workers to stop.
// Fix: `while (tasks.empty() && !stop) cv.wait(lk);` then re-decide under the lock.
// Shape: an if-wait in a work queue's worker loop, as in bug reports against hand-rolled thread
// pools.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

class Pool {
 public:
  explicit Pool(int n) {
    for (int i = 0; i < n; ++i) workers_.emplace_back([this] { work(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  void submit(std::function<void()> task) {
    std::lock_guard<std::mutex> lk(mu_);
    tasks_.push_back(std::move(task));
    cv_.notify_one();
  }

 private:
  void work() {
    for (;;) {
      std::unique_lock<std::mutex> lk(mu_);
      while (tasks_.empty() && !stop_) cv_.wait(lk);
      if (tasks_.empty()) return;  // stop requested and nothing left
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lk.unlock();
      task();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

int main() {
  corpus_deadline_ms(1000);
  Pool pool(2);
  for (int i = 0; i < 4; ++i) {
    pool.submit([i] { std::printf("task %d done\n", i); });
    std::this_thread::sleep_for(10ms);
  }
  return 0;
}
