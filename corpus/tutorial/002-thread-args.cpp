// The tutorial's task 2: five threads each receive a different number (Python's args=(i,), a
// lambda capture here) and print it. No bug.
#include <cstdio>
#include <deque>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

void print_number(int number) { std::printf("我接收到的数字是: %d\n", number); }

int main() {
  corpus_deadline_ms(2000);
  std::deque<weft::Thread> threads;
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([i] { print_number(i); });
    threads.back().start();
  }
  for (auto& t : threads) t.join();
  std::puts("所有线程完成");
  return 0;
}
