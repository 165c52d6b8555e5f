// event-as-condition, weft flavour: a sender signals two messages with an Event; the receiver
// handles each (30 ms) and then clears the Event.
// Bug: the second set() arrives while the receiver is busy; the Event is already set, and the
// clear() erases it. The receiver waits for the second message forever (exit 86).
// Shape: wait(); work; clear(); on an Event that should count.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Event message("message");

void send() { message.set(); }

int main() {
  corpus_deadline_ms(1000);
  weft::Thread receiver(
      [] {
        for (int i = 0; i < 2; ++i) {
          message.wait();
          std::this_thread::sleep_for(std::chrono::milliseconds(30));  // handle it
          message.clear();
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
