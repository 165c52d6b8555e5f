// The tutorial's task 5: a thread waits for an Event that main sets after a delay (2 s in the
// tutorial, 20 ms here). No bug: a one-shot start signal is what an Event is for.
#include <chrono>
#include <cstdio>
#include <thread>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Event event("event");

void wait_for_event() {
  std::puts("线程等待事件...");
  event.wait();  // 等待事件
  std::puts("事件已发生，线程继续执行");
}

int main() {
  corpus_deadline_ms(2000);
  weft::Thread thread(wait_for_event);
  thread.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // 主线程延迟
  event.set();  // 设置事件，通知等待的线程
  thread.join();
  return 0;
}
