// event-as-condition, weft flavour, in a class: Doorbell wraps an Event that a courier rings for
// each of three parcels; the receiver takes one parcel per ring.
// Bug: rings during a delivery collapse into one set(); wait_and_reset() then waits for
// parcels already rung for: the receiver blocks forever (exit 86).
// Shape: an Event hidden in a class and used as a counter.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

class Doorbell {
 public:
  void ring() { rung_.set(); }
  void wait_and_reset() {
    rung_.wait();
    rung_.clear();
  }

 private:
  weft::Event rung_{"doorbell"};
};

int main() {
  corpus_deadline_ms(1000);
  Doorbell bell;
  weft::Thread receiver(
      [&bell] {
        for (int parcel = 0; parcel < 3; ++parcel) {
          bell.wait_and_reset();
          std::this_thread::sleep_for(std::chrono::milliseconds(30));
          std::printf("parcel %d in\n", parcel);
        }
      },
      "receiver");
  receiver.start();
  for (int parcel = 0; parcel < 3; ++parcel) {
    bell.ring();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  receiver.join();
  return 0;
}
