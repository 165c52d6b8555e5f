// The tutorial's task 1: three threads named 子线程-0..2 print their own names; main joins them.
// No bug. Thread names are UTF-8, as weft records them.
#include <cstdio>
#include <deque>
#include <string>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

void print_thread_name() { std::printf("线程名称: %s\n", weft::current_thread().name().c_str()); }

int main() {
  corpus_deadline_ms(2000);
  std::deque<weft::Thread> threads;  // 创建并启动3个线程
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back(print_thread_name, "子线程-" + std::to_string(i));
    threads.back().start();
  }
  for (auto& t : threads) t.join();  // 等待所有线程完成
  return 0;
}
