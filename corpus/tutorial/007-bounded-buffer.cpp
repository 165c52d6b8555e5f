// The tutorial's bounded buffer: MAX_SIZE = 5; a producer adds 20 items, waiting while the
// buffer is full; a consumer removes them, waiting while it is empty; both notify_all(). No bug:
// every wait is in a while loop under the Condition.
#include <cstdio>
#include <deque>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

constexpr std::size_t MAX_SIZE = 5;
std::deque<int> buffer;
weft::Condition condition("condition");

void producer() {
  for (int i = 0; i < 20; ++i) {
    std::lock_guard<weft::Condition> with(condition);
    while (buffer.size() >= MAX_SIZE) condition.wait();  // 等待缓冲区非满
    buffer.push_back(i);
    condition.notify_all();  // 通知消费者
  }
}

void consumer() {
  long sum = 0;
  for (int i = 0; i < 20; ++i) {
    std::lock_guard<weft::Condition> with(condition);
    while (buffer.empty()) condition.wait();  // 等待缓冲区非空
    sum += buffer.front();
    buffer.pop_front();
    condition.notify_all();  // 通知生产者
  }
  std::printf("consumed 20 items, sum %ld\n", sum);
}

int main() {
  corpus_deadline_ms(2000);
  weft::Thread p(producer, "producer"), c(consumer, "consumer");
  p.start();
  c.start();
  p.join();
  c.join();
  return 0;
}
