// event-as-condition, std flavour: a sender signals two messages through a std::atomic<bool>
// used as an Event (wait(false) / store(true) + notify_one); a receiver handles each message.
// Bug: the receiver clears the flag after handling a message; the second signal arrives while
// it is busy, the flag is already true, and the clear erases it. The receiver then waits for a
// second message that was already sent: it blocks forever (exit 86 from the deadline).
// Shape: wait(); ...; clear(); on an event that carries a count, the tutorial's section 8.5(1).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

using namespace std::chrono_literals;

std::atomic<bool> message_ready{false};

void send() {
  message_ready.store(true);
  message_ready.notify_one();
}

int main() {
  corpus_deadline_ms(1000);
  std::thread receiver([] {
    for (int i = 0; i < 2; ++i) {
      message_ready.wait(false);
      std::this_thread::sleep_for(30ms);  // handle the message
      message_ready.store(false);
      std::printf("handled message %d\n", i);
    }
  });
  send();
  std::this_thread::sleep_for(10ms);
  send();
  receiver.join();
  return 0;
}
