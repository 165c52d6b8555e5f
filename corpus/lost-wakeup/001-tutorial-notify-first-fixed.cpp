// lost-wakeup, weft flavour: the tutorial's Condition example: the consumer waits for a
// notification, the producer sends one. Here the producer runs first (the tutorial starts the
// consumer first and hopes it is already waiting).
// Fix: a `produced` flag under the Condition records the notification; the consumer waits
// with wait_for(predicate).
// Shape: the tutorial's program (section 4, 3.4), with the thread order that loses.
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Condition condition("condition");
bool produced = false;

void producer() {
  std::lock_guard<weft::Condition> with(condition);
  std::puts("生产者正在生产");
  produced = true;
  condition.notify();  // 通知消费者
}

void consumer() {
  std::lock_guard<weft::Condition> with(condition);
  std::puts("消费者正在等待");
  condition.wait_for([] { return produced; });  // 等待通知
  std::puts("消费者收到通知");
}

int main() {
  corpus_deadline_ms(1000);
  weft::Thread t1(producer), t2(consumer);
  t1.start();
  t1.join();
  t2.start();
  t2.join();
  return 0;
}
