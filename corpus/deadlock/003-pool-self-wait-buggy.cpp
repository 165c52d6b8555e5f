// deadlock, weft flavour, in a pool: a ThreadPoolExecutor with one worker runs a task that
// submits a subtask to the same pool and waits for its result.
// Bug: the subtask waits in the queue for the only worker, which waits for the subtask: the
// pool starves itself (exit 86).
// Shape: nested submit() + result() on a bounded pool, reported against many executors.
#include <cstdio>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

int half() { return 21; }

int main() {
  corpus_deadline_ms(1000);
  weft::ThreadPoolExecutor pool(1, "pool");
  auto total = pool.submit([&pool] { return pool.submit(half).result() * 2; });
  std::printf("total %d\n", total.result());
  return 0;
}
