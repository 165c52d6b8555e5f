// wait-not-in-loop, weft flavour: the tutorial's task 4 producer/consumer. The producer puts
// five numbers in `buffer`, each under the Condition, sleeping outside it; the consumer takes
// them. (The tutorial's consumer loops forever; this one stops after five items, and the
// tutorial's 1 s sleeps are 10 ms.)
// Fix: `while (buffer.empty()) condition.wait();` re-checks after every wake-up.
// Shape: the tutorial's program, as written (section 6, task 4).
#include <chrono>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Condition condition("condition");
std::deque<int> buffer;

void producer() {
  for (int i = 0; i < 5; ++i) {
    {
      std::lock_guard<weft::Condition> with(condition);  // 每次生产单独获取/释放锁
      std::printf("生产者生产数据:%d\n", i);
      buffer.push_back(i);
      condition.notify();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // 在锁外等待，避免阻塞消费者
  }
}

void consumer() {
  std::lock_guard<weft::Condition> with(condition);
  for (int n = 0; n < 5; ++n) {
    while (buffer.empty()) condition.wait();  // 等待数据
    int data = buffer.at(0);
    buffer.pop_front();
    std::printf("消费者消费数据: %d\n", data);
  }
}

int main() {
  corpus_deadline_ms(2000);
  weft::Thread prod(producer);
  weft::Thread cons(consumer);
  cons.start();
  prod.start();
  cons.join();
  prod.join();
  return 0;
}
