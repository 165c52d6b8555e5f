// unowned-release, weft flavour: main holds an RLock while a request is in flight; the
// completion runs on another thread.
// Fix: the completion sets an Event; main releases its own RLock.
// Shape: unlock in a callback on another thread.
#include <cstdio>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::RLock request("request");
weft::Event completed("completed");

int main() {
  corpus_deadline_ms(1000);
  request.acquire();
  weft::Thread completion(
      [] {
        std::puts("completion: request finished");
        completed.set();
      },
      "completion");
  completion.start();
  completed.wait();
  completion.join();
  request.release();
  return 0;
}
