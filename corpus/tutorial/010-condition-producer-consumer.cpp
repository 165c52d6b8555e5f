// The tutorial's section 2.4 producer/consumer: the consumer waits `while not data`, the
// producer appends and notifies. No bug (compare wait-not-in-loop/001, the task 4 version).
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Condition condition("condition");
std::vector<std::string> data;

void producer() {
  std::lock_guard<weft::Condition> with(condition);
  data.push_back("数据");
  std::puts("生产者生产数据");
  condition.notify();  // 通知消费者
}

void consumer() {
  std::lock_guard<weft::Condition> with(condition);
  while (data.empty()) condition.wait();  // 等待数据
  std::printf("消费者消费数据: %s\n", data.back().c_str());
  data.pop_back();
}

int main() {
  corpus_deadline_ms(2000);
  weft::Thread p(producer), c(consumer);
  c.start();
  p.start();
  c.join();
  p.join();
  return 0;
}
