// notify-without-lock, std flavour, through calls: a config thread marks the settings loaded
// and wakes readers through wake_readers().
// Bug: mark_loaded() changes the state and calls wake_readers() without the mutex: a reader
// between its check and its wait misses the notification.
// Shape: a notify hidden in a helper, called on a path that skipped the lock.
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
std::atomic<bool> loaded{false};

void wake_readers() {
  cv.notify_all();
}

void mark_loaded() {
  loaded = true;
  wake_readers();
}

int main() {
  corpus_deadline_ms(1000);
  std::thread reader([] {
    std::unique_lock<std::mutex> lk(mu);
    while (!loaded) cv.wait(lk);
    std::puts("reader: settings loaded");
  });
  std::this_thread::sleep_for(20ms);
  std::thread config(mark_loaded);
  config.join();
  reader.join();
  return 0;
}
