// data-race, weft flavour, in a pool: the tutorial's SimpleThreadPool, its `self.active` kept as
// a plain bool: workers read it in their loop while shutdown() writes it.
// Bug: a plain bool written by one thread and read by others without synchronisation is a
// data race in C++ (Python's GIL hides it).
// Shape: the tutorial's program (section 5.6).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <thread>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Queue<std::function<void()>> tasks;
bool active = true;

void worker() {
  while (active) {
    try {
      auto func = tasks.get(true, 0.02);
      func();
      tasks.task_done();
    } catch (const weft::Empty&) {
    }
  }
}

int main() {
  corpus_deadline_ms(2000);
  std::deque<weft::Thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back(worker);
    threads.back().start();
  }
  for (int i = 0; i < 5; ++i) tasks.put([i] { std::printf("Task %d completed\n", i); });
  tasks.join();
  active = false;
  for (auto& t : threads) t.join();
  return 0;
}
