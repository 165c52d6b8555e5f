// lock-reentry, weft flavour: the tutorial's recursive_func(5), which takes the lock on every
// level of its recursion.
// Fix: the tutorial's weft::RLock: the owner may take it again; each level releases once.
// Shape: the tutorial's program (section 10, 递归函数).
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::RLock rlock("rlock");

void recursive_func(int n) {
  std::lock_guard<weft::RLock> with(rlock);
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
