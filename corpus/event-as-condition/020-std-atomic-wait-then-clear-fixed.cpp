// event-as-condition, std flavour: a sender signals two messages through a std::atomic<bool>
// used as an Event (wait(false) / store(true) + notify_one); a receiver handles each message.
// Fix: the number of pending messages lives under a mutex and a condition variable waits for it
// to be non-zero, as the tutorial advises (section 8: Event is not a Condition).
// Shape: wait(); ...; clear(); on an event that carries a count, the tutorial's section 8.5(1).
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
int pending = 0;

void send() {
  std::lock_guard<std::mutex> lk(mu);
  ++pending;
  cv.notify_one();
}

int main() {
  corpus_deadline_ms(1000);
  std::thread receiver([] {
    for (int i = 0; i < 2; ++i) {
      {
        std::unique_lock<std::mutex> lk(mu);
        while (pending == 0) cv.wait(lk);
        --pending;
      }
      std::this_thread::sleep_for(30ms);  // handle the message
      std::printf("handled message %d\n", i);
    }
  });
  send();
  std::this_thread::sleep_for(10ms);
  send();
  receiver.join();
  return 0;
}
