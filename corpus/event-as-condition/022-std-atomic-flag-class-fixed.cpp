// event-as-condition, std flavour, in a class: Doorbell wraps a std::atomic_flag (C++20
// wait/notify) rung by a courier for each of three parcels; the receiver handles one parcel
// per ring.
// Fix: Doorbell counts rings under a mutex and waits with a condition variable.
// Shape: an Event wrapped in a class and used as a counting signal, a common misuse.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

class Doorbell {
 public:
  void ring() {
    std::lock_guard<std::mutex> lk(mu_);
    ++rings_;
    cv_.notify_one();
  }
  void wait_and_reset() {
    std::unique_lock<std::mutex> lk(mu_);
    while (rings_ == 0) cv_.wait(lk);
    --rings_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int rings_ = 0;
};

int main() {
  corpus_deadline_ms(1000);
  Doorbell bell;
  std::thread receiver([&bell] {
    for (int parcel = 0; parcel < 3; ++parcel) {
      bell.wait_and_reset();
      std::this_thread::sleep_for(30ms);  // carry the parcel in
      std::printf("parcel %d in\n", parcel);
    }
  });
  for (int parcel = 0; parcel < 3; ++parcel) {
    bell.ring();
    std::this_thread::sleep_for(5ms);
  }
  receiver.join();
  return 0;
}
