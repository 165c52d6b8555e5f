// data-race, weft flavour, in a class: three threads record hits in a shared Stats object.
// Bug: Stats has a Lock but record() does not take it: hits_ races.
// Shape: a lock declared but not used on one path.
#include <cstdio>
#include <deque>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

class Stats {
 public:
  void record() { ++hits_; }
  long total() {
    std::lock_guard<weft::Lock> with(lock_);
    return hits_;
  }

 private:
  weft::Lock lock_{"stats"};
  long hits_ = 0;
};

int main() {
  corpus_deadline_ms(2000);
  Stats stats;
  std::deque<weft::Thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&stats] {
      for (int k = 0; k < 2000; ++k) stats.record();
    });
    threads.back().start();
  }
  for (auto& t : threads) t.join();
  std::printf("hits %ld\n", stats.total());
  return 0;
}
