// notify-without-lock, std flavour, direct: main waits for a worker's `ready` flag.
// Fix: set the flag and notify while holding the mutex.
// Shape: "the flag is atomic, so no lock is needed", a common misunderstanding.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

std::mutex mu;
std::condition_variable cv;
std::atomic<bool> ready{false};

int main() {
  corpus_deadline_ms(1000);
  std::thread worker([] {
    std::this_thread::sleep_for(20ms);
    std::lock_guard<std::mutex> lk(mu);
    ready = true;
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lk(mu);
  while (!ready) cv.wait(lk);
  std::puts("worker ready");
  lk.unlock();
  worker.join();
  return 0;
}
