// lock-reentry, weft flavour, through calls: the tutorial's func1(), which holds the lock and
// calls func2(), which takes it too.
// Bug: with a weft::Lock, func2() blocks on the lock its caller holds (exit 86 from the
// deadline). The tutorial says "不会死锁" only because it uses an RLock.
// Shape: the tutorial's program (section 10, 嵌套函数调用).
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Lock rlock("rlock");

void func2() {
  std::lock_guard<weft::Lock> with(rlock);
  std::puts("执行嵌套函数");
}

void func1() {
  std::lock_guard<weft::Lock> with(rlock);
  func2();
}

int main() {
  corpus_deadline_ms(1000);
  func1();  // 不会死锁 (with an RLock)
  return 0;
}
