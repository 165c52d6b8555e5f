// lost-wakeup, weft flavour: main "pulses" an Event (set() then clear()) to wake a worker that
// has not started waiting yet.
// Bug: the pulse leaves no trace: the worker arrives after the clear() and waits for a set()
// that already happened (exit 86).
// Shape: the pulse pattern (as in Win32 PulseEvent, long documented as unreliable).
#include <cstdio>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Event go("go");

int main() {
  corpus_deadline_ms(1000);
  weft::Thread worker(
      [] {
        go.wait();
        std::puts("worker: go");
      },
      "worker");
  go.set();
  go.clear();
  worker.start();  // the worker starts after the pulse
  worker.join();
  return 0;
}
