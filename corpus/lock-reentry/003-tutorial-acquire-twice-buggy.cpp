// lock-reentry, weft flavour: the tutorial's example(), run in a thread, acquires the lock twice
// and releases it twice.
// Bug: with a weft::Lock the second acquire() blocks on the thread's own lock (exit 86 from
// the deadline).
// Shape: the tutorial's program (section 10, acquire/release 计数器).
#include <cstdio>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Lock rlock("rlock");

void example() {
  rlock.acquire();  // 第一次获取锁
  std::puts("第一次获取锁");
  rlock.acquire();  // 同一线程再次获取锁
  std::puts("第二次获取锁");
  rlock.release();  // 释放一次，计数器减1
  rlock.release();  // 再次释放，计数器归零，锁真正释放
}

int main() {
  corpus_deadline_ms(1000);
  weft::Thread thread(example);
  thread.start();
  thread.join();
  return 0;
}
