// unowned-release, std flavour: a worker parses records under a mutex locked and unlocked by
// hand; a bad record takes an error path.
// Bug: the error path unlocks the mutex and then falls through to the normal unlock, so the
// mutex is unlocked twice: the second unlock releases a mutex nobody holds (undefined
// behaviour for std::mutex; glibc lets it pass silently).
// Shape: double unlock on an error path, a recurring pattern in kernel and driver bug reports.
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

std::mutex mu;
int parsed = 0, rejected = 0;

void parse(int record) {
  mu.lock();
  if (record < 0) {
    ++rejected;
    mu.unlock();
  } else {
    ++parsed;
  }
  mu.unlock();
}

int main() {
  corpus_deadline_ms(1000);
  std::thread t([] {
    for (int r : {1, -1, 2}) parse(r);
  });
  t.join();
  std::printf("parsed %d rejected %d\n", parsed, rejected);
  return 0;
}
