// The tutorial's daemon thread: a worker prints "Working..." forever; main sleeps (5 s in the
// tutorial, 50 ms here) and exits, and the daemon worker ends with the process. No bug.
#include <chrono>
#include <cstdio>
#include <thread>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

void worker() {
  while (true) {
    std::puts("Working...");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int main() {
  corpus_deadline_ms(2000);
  static weft::Thread t(worker, "worker", /*daemon=*/true);  // 将线程设置为守护线程
  t.start();
  std::puts("Main thread is running. Sleeping for 50 ms.");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::puts("Main thread is exiting.");
  std::fflush(stdout);
  std::_Exit(0);  // like the interpreter's exit: daemon threads are not waited for
}
