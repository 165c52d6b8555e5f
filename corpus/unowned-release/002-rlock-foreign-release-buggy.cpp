// unowned-release, weft flavour: main holds an RLock while a request is in flight; the
// completion runs on another thread.
// Bug: the completion thread releases main's RLock: only the owner may release an RLock, so
// weft raises RuntimeError in the completion thread, and main still holds it.
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
        request.release();
      },
      "completion");
  completion.start();
  completed.wait();
  completion.join();
  return 0;
}
