// wait-not-in-loop, std flavour, through calls: main waits for a loader thread to publish a
// configuration value; the waiting is done by a helper function.
// Fix: the helper owns the loop: `while (!loaded) cv.wait(lk);`.
// Shape: the wait sits in a helper, the predicate test in the caller, as in reviews of
// hand-written "wait until ready" helpers.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

std::mutex mu;
std::condition_variable cv;
bool loaded = false;
int config_value = 0;

void await_config(std::unique_lock<std::mutex>& lk) {
  while (!loaded) cv.wait(lk);
}

int main() {
  corpus_deadline_ms(1000);
  std::thread loader([] {
    std::this_thread::sleep_for(30ms);
    std::lock_guard<std::mutex> lk(mu);
    config_value = 42;
    loaded = true;
    cv.notify_all();
  });
  {
    std::unique_lock<std::mutex> lk(mu);
    await_config(lk);
    std::printf("config value %d\n", config_value);
  }
  loader.join();
  return 0;
}
