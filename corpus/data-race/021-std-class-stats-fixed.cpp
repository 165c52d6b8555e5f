// data-race, std flavour, in a class: request handlers record hits and bytes in a shared
// Stats object.
// Fix: Stats guards its fields with a member mutex.
// Shape: unguarded metrics counters, common in race reports from sanitizer runs.
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "corpus_deadline.h"

class Stats {
 public:
  void record(long bytes) {
    std::lock_guard<std::mutex> lk(mu_);
    ++hits_;
    bytes_ += bytes;
  }
  void print() {
    std::lock_guard<std::mutex> lk(mu_);
    std::printf("hits %ld bytes %ld\n", hits_, bytes_);
  }

 private:
  std::mutex mu_;
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
