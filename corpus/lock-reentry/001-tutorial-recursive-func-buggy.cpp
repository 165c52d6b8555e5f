// lock-reentry, weft flavour: the tutorial's recursive_func(5), which takes the lock on every
// level of its recursion.
// Bug: with a weft::Lock (Python's threading.Lock) instead of the tutorial's RLock, the second
// level blocks on the lock the first level holds: a self-deadlock (exit 86 from the deadline).
// Shape: the tutorial's program (section 10, 递归函数).
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Lock rlock("rlock");  // a plain Lock where the tutorial has RLock

void recursive_func(int n) {
  std::lock_guard<weft::Lock> with(rlock);
  if (n > 0) {
    std::printf("层数：%d\n", n);
    recursive_func(n - 1);
  }
}

int main() {
  corpus_deadline_ms(1000);
  recursive_func(5);
  return 0;
}
