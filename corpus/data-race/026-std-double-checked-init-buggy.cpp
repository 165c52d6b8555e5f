// data-race, std flavour: two threads, released together by a std::latch, read a lazily built
// Config through config(), which checks the global pointer, takes the mutex only when it is
// null, checks again and builds it.
// Bug: the first check reads the plain `Config* g_config` outside the mutex while another
// thread may be writing it under the mutex; a thread that sees the pointer set may also see
// the Config's fields not yet written. It looks benign and is not.
// Shape: the classic double-checked locking with a plain pointer.
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
Config* g_config = nullptr;  // built once, kept for the program's lifetime

const Config& config() {
  if (g_config == nullptr) {  // first check, without the lock
    std::lock_guard<std::mutex> lk(g_config_mu);
    if (g_config == nullptr) g_config = new Config();
  }
  return *g_config;
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
