// The tutorial's SimpleThreadPool: three workers take (function, argument) tasks from a
// weft::Queue with a 1 s get() timeout (50 ms here) and mark each done; main waits with
// tasks.join() and shuts the pool down. `active` is a std::atomic<bool>: the tutorial's plain
// attribute would be a data race in C++. No bug.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <thread>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

class SimpleThreadPool {
 public:
  explicit SimpleThreadPool(int max_workers) {
    for (int i = 0; i < max_workers; ++i) {
      threads_.emplace_back([this] { worker(); });
      threads_.back().start();
    }
  }
  void submit(std::function<void()> func) { tasks.put(std::move(func)); }  // 添加任务到队列
  void shutdown(bool wait = true) {
    active_ = false;
    if (wait)
      for (auto& thread : threads_) thread.join();  // 等待线程结束
  }
  weft::Queue<std::function<void()>> tasks;

 private:
  void worker() {
    while (active_) {
      try {
        auto func = tasks.get(true, 0.05);  // 获取任务
        func();                             // 执行任务
        tasks.task_done();                  // 标记任务完成
      } catch (const weft::Empty&) {
        continue;
      }
    }
  }
  std::atomic<bool> active_{true};
  std::deque<weft::Thread> threads_;
};

void example_task(int n) {
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::printf("Task %d completed\n", n);
}

int main() {
  corpus_deadline_ms(3000);
  SimpleThreadPool pool(3);
  for (int i = 0; i < 5; ++i) pool.submit([i] { example_task(i); });  // 提交任务
  pool.tasks.join();                                                  // 等待所有任务完成
  pool.shutdown(true);
  return 0;
}
