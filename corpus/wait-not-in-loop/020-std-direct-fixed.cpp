// wait-not-in-loop, std flavour, direct: main consumes three numbers that a producer thread
// pushes every 20 ms through a std::deque guarded by a std::mutex and a condition variable.
// Fix: `while (queue.empty()) cv.wait(lk);` re-checks the predicate after every wake-up.
// Shape: the textbook if-wait, as in the tutorial's section 7 (虚假唤醒).
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

std::mutex mu;
std::condition_variable cv;
std::deque<int> queue;

int main() {
  corpus_deadline_ms(1000);
  std::thread producer([] {
    for (int i = 0; i < 3; ++i) {
      std::this_thread::sleep_for(20ms);
      std::lock_guard<std::mutex> lk(mu);
      queue.push_back(i);
      cv.notify_one();
    }
  });
  for (int i = 0; i < 3; ++i) {
    std::unique_lock<std::mutex> lk(mu);
    while (queue.empty()) cv.wait(lk);
    std::printf("consumed %d\n", queue.front());
    queue.pop_front();
  }
  producer.join();
  return 0;
}
