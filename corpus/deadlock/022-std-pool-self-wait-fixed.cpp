// deadlock, std flavour, in a pool: a one-worker pool runs a task that splits its work into a
// subtask and waits for the subtask's result.
// Fix: a task never blocks on work queued in its own pool; the parent runs the subtask inline.
// Shape: thread-pool starvation, reported against many executors (nested submit + get).
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

class Pool {
 public:
  Pool() : worker_([this] { run(); }) {}
  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  void submit(std::function<void()> f) {
    std::lock_guard<std::mutex> lk(mu_);
    tasks_.push_back(std::move(f));
    cv_.notify_one();
  }

 private:
  void run() {
    for (;;) {
      std::unique_lock<std::mutex> lk(mu_);
      while (tasks_.empty() && !stop_) cv_.wait(lk);
      if (tasks_.empty()) return;
      auto f = std::move(tasks_.front());
      tasks_.pop_front();
      lk.unlock();
      f();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::thread worker_;
};

struct Result {
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;
  int value = 0;
  void set(int v) {
    std::lock_guard<std::mutex> lk(mu);
    value = v;
    ready = true;
    cv.notify_all();
  }
  int get() {
    std::unique_lock<std::mutex> lk(mu);
    while (!ready) cv.wait(lk);
    return value;
  }
};

int main() {
  corpus_deadline_ms(1000);
  Result total;
  {
    Pool pool;
    pool.submit([&] {
      Result half;
      half.set(21);  // run the subtask inline
      total.set(half.get() * 2);
    });
    std::printf("total %d\n", total.get());
  }
  return 0;
}
