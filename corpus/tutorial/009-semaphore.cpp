// The tutorial's Semaphore example: a Semaphore(2) lets at most two of four threads work at
// once; the program checks the bound itself. No bug.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Semaphore semaphore(2, "semaphore");  // 允许2个线程进入
std::atomic<int> inside{0}, most{0};

void worker() {
  std::lock_guard<weft::Semaphore> with(semaphore);  // 上锁
  int now = ++inside;
  int seen = most.load();
  while (now > seen && !most.compare_exchange_weak(seen, now)) {
  }
  std::printf("线程 %s 正在执行\n", weft::current_thread().name().c_str());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  --inside;
}

int main() {
  corpus_deadline_ms(2000);
  std::deque<weft::Thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back(worker);
    threads.back().start();
  }
  for (auto& t : threads) t.join();
  std::printf("at most %d threads inside\n", most.load());
  return most.load() <= 2 ? 0 : 1;
}
