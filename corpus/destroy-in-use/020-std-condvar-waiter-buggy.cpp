// destroy-in-use, std flavour: a status board whose std::condition_variable (re-created in place
// on reset) is waited on, with a timeout, by a watcher thread.
// Bug: reset destroys the condition variable while the watcher still waits on it
// (std::condition_variable's destructor calls pthread_cond_destroy).
// Shape: in-place re-construction of a condition variable that is still in use.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <new>
#include <thread>

#include "corpus_deadline.h"

alignas(std::condition_variable) static unsigned char storage[sizeof(std::condition_variable)];
static std::mutex board_mu;
static bool changed = false;

int main() {
  corpus_deadline_ms(2000);
  auto* cv = new (storage) std::condition_variable;
  std::thread watcher([cv] {
    std::unique_lock lk(board_mu);
    bool seen = cv->wait_for(lk, std::chrono::milliseconds(150), [] { return changed; });
    std::printf("watcher: %s\n", seen ? "saw a change" : "timed out");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  cv->~condition_variable();
  cv = new (storage) std::condition_variable;
  watcher.join();
  cv->~condition_variable();
  return 0;
}
