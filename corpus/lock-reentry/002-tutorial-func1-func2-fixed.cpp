// lock-reentry, weft flavour, through calls: the tutorial's func1(), which holds the lock and
// calls func2(), which takes it too.
// Fix: the tutorial's weft::RLock.
// Shape: the tutorial's program (section 10, 嵌套函数调用).
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::RLock rlock("rlock");

void func2() {
  std::lock_guard<weft::RLock> with(rlock);
  std::puts("执行嵌套函数");
}

void func1() {
  std::lock_guard<weft::RLock> with(rlock);
  func2();
}

int main() {
  corpus_deadline_ms(1000);
  func1();  // 不会死锁 (with an RLock)
  return 0;
}
