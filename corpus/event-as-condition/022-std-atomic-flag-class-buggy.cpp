// event-as-condition, std flavour, in a class: Doorbell wraps a std::atomic_flag (C++20
// wait/notify) rung by a courier for each of three parcels; the receiver handles one parcel
// per ring.
// Bug: ring() sets a flag, it does not count: rings that arrive while the receiver handles a
// parcel collapse into one, and wait_and_reset() then waits for parcels already delivered:
// the receiver blocks forever (exit 86 from the deadline).
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
    rung_.test_and_set();
    rung_.notify_one();
  }
  void wait_and_reset() {
    rung_.wait(false);
    rung_.clear();
  }

 private:
  std::atomic_flag rung_;
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
