// data-race, std flavour, in a class: request handlers record hits and bytes in a shared
// Stats object.
// Bug: Stats has no lock; concurrent record() calls race on hits_ and bytes_.
// Shape: unguarded metrics counters, common in race reports from sanitizer runs.
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "corpus_deadline.h"

class Stats {
 public:
  void record(long bytes) {
    ++hits_;
    bytes_ += bytes;
  }
  void print() { std::printf("hits %ld bytes %ld\n", hits_, bytes_); }

 private:
  long hits_ = 0;
  long bytes_ = 0;
};

int main() {
  corpus_deadline_ms(1000);
  Stats stats;
  std::vector<std::thread> handlers;
  for (int t = 0; t < 3; ++t)
    handlers.emplace_back([&stats] {
      for (int i = 0; i < 2000; ++i) stats.record(100);
    });
  for (auto& h : handlers) h.join();
  stats.print();
  return 0;
}
