// data-race, std flavour: two threads, released together by a std::latch, read a lazily built
// Config through config(), which checks the global pointer, takes the mutex only when it is
// null, checks again and builds it.
// Fix: the pointer is a std::atomic<Config*>: the first check loads it with acquire, the
// builder stores it with release, so a thread that sees it set sees the whole Config.
// Shape: the classic double-checked locking with a plain pointer.
#include <atomic>
#include <cstdio>
#include <latch>
#include <mutex>
#include <string>
#include <thread>

#include "corpus_deadline.h"

struct Config {
  std::string name = "weft";
  int workers = 2;
};

std::mutex g_config_mu;
std::atomic<Config*> g_config{nullptr};  // built once, kept for the program's lifetime

const Config& config() {
  Config* c = g_config.load(std::memory_order_acquire);
  if (c == nullptr) {  // first check, without the lock
    std::lock_guard<std::mutex> lk(g_config_mu);
    c = g_config.load(std::memory_order_relaxed);
    if (c == nullptr) {
      c = new Config();
      g_config.store(c, std::memory_order_release);
    }
  }
  return *c;
}

int main() {
  corpus_deadline_ms(1000);
  std::latch start(2);
  auto use = [&start] {
    start.arrive_and_wait();
    const Config& c = config();
    std::printf("%s with %d workers\n", c.name.c_str(), c.workers);
  };
  std::thread a(use), b(use);
  a.join();
  b.join();
  return 0;
}
