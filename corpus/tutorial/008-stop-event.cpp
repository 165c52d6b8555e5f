// The tutorial's global stop signal: three workers loop `while not stop_event.is_set()`; main
// sets the Event after 30 ms and joins them. No bug: a one-shot stop Event.
#include <chrono>
#include <cstdio>
#include <deque>
#include <string>
#include <thread>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Event stop_event("stop_event");

void worker() {
  int rounds = 0;
  while (!stop_event.is_set()) {
    ++rounds;  // 执行任务
    stop_event.wait(0.005);
  }
  std::printf("%s stopped\n", weft::current_thread().name().c_str());
}

int main() {
  corpus_deadline_ms(2000);
  std::deque<weft::Thread> workers;
  for (int i = 0; i < 3; ++i) {
    workers.emplace_back(worker, "worker-" + std::to_string(i));
    workers.back().start();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  stop_event.set();  // 所有 worker 线程退出循环
  for (auto& w : workers) w.join();
  return 0;
}
