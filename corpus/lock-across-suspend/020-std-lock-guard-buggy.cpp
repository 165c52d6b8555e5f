// lock-across-suspend, std flavour: an event loop runs a request handler that counts hits per
// page in a cache guarded by a std::mutex (a stats thread reads the cache under the same mutex)
// and writes each hit back after a short asynchronous delay; a second task ticks meanwhile.
// Bug: the handler's std::lock_guard is alive across the co_await: the mutex stays held while
// the task is suspended, so the stats thread waits for the whole delay, and any other task of the
// loop that took the mutex would deadlock the loop's thread.
// Fix: end the guard's block before the co_await and take the lock again after it.
#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstdio>
#include <deque>
#include <exception>
#include <thread>
#include <utility>
#include <vector>
#include <map>
#include <mutex>
#include <string>

#include "corpus_deadline.h"

#include "corpus_coro.h"  // the task, the loop and async_sleep

std::mutex cache_mu;
std::map<std::string, int> hits;
int write_backs = 0;

Task handle_requests() {
  const char* pages[] = {"/", "/about", "/", "/news"};
  for (const char* page : pages) {
    std::lock_guard<std::mutex> g(cache_mu);
    ++hits[page];
    co_await async_sleep(1ms);  // suspends with cache_mu held
    ++write_backs;
  }
}

Task ticker() {
  for (int i = 0; i < 4; ++i) co_await async_sleep(1ms);
}

void stats() {  // a plain thread: reads the cache now and then
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(1ms);
    std::lock_guard<std::mutex> g(cache_mu);
    std::printf("stats: %zu pages, %d write-backs\n", hits.size(), write_backs);
  }
}

int main() {
  corpus_deadline_ms(2000);
  std::thread reporter(stats);
  loop.spawn(handle_requests());
  loop.spawn(ticker());
  loop.run();
  reporter.join();
  std::printf("'/' was hit %d times\n", hits["/"]);
  return 0;
}
