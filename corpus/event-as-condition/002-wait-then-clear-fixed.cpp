// event-as-condition, weft flavour: a sender signals two messages with an Event; the receiver
// handles each (30 ms) and then clears the Event.
// Fix: a Condition and a counter of pending messages (the tutorial: Condition for state).
// Shape: wait(); work; clear(); on an Event that should count.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Condition cond("messages");
int pending = 0;

void send() {
  std::lock_guard<weft::Condition> with(cond);
  ++pending;
  cond.notify();
}

int main() {
  corpus_deadline_ms(1000);
  weft::Thread receiver(
      [] {
        for (int i = 0; i < 2; ++i) {
          {
            std::lock_guard<weft::Condition> with(cond);
            while (pending == 0) cond.wait();
            --pending;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(30));  // handle it
          std::printf("handled message %d\n", i);
        }
      },
      "receiver");
  receiver.start();
  send();
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  send();
  receiver.join();
  return 0;
}
