// Under -fsanitize=thread: the same counter without the lock must be reported as a data race
// (the test expects "WARNING: ThreadSanitizer: data race"), proving the build really is
// instrumented and that the silence of protected_counter means something.
#include <cstdio>

#include "weft/threading.hpp"

int main() {
  weft::Lock lock("counter");  // created but not used around the counter
  long counter = 0;
  // Both threads pass the barrier, then increment concurrently: nothing orders the increments
  // (without the barrier, one thread could end before the other starts, and the runtime's own
  // bookkeeping would then order them).
  weft::Barrier both(2, {}, -1, "both");
  weft::Thread a([&] {
    both.wait();
    for (int i = 0; i < 1000; ++i) ++counter;
  });
  weft::Thread b([&] {
    both.wait();
    for (int i = 0; i < 1000; ++i) ++counter;
  });
  a.start();
  b.start();
  a.join();
  b.join();
  std::printf("counter=%ld\n", counter);
  return 0;
}
