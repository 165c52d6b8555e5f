// wait-without-lock, weft flavour, through calls: a reader checks for data inside `with`, and
// calls wait_data() after the block to wait.
// Fix: call wait_data() inside the with block.
// Shape: a helper that assumes its caller holds the lock.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Condition cond("data");
bool have_data = false;

void wait_data() {
  while (!have_data) cond.wait();
}

int main() {
  corpus_deadline_ms(1000);
  weft::Thread reader(
      [] {
        std::lock_guard<weft::Condition> with(cond);
        if (!have_data) wait_data();
        std::puts("reader: data");
      },
      "reader");
  reader.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  {
    std::lock_guard<weft::Condition> with(cond);
    have_data = true;
    cond.notify_all();
  }
  reader.join();
  return 0;
}
