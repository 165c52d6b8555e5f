// notify-without-lock, weft flavour, through calls: publish() marks a table ready and calls
// wake_readers().
// Fix: publish() holds the Condition around the change and the call.
// Shape: a notify hidden in a helper.
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Condition cond("table");
bool published = false;

void wake_readers() { cond.notify_all(); }

void publish() {
  std::lock_guard<weft::Condition> with(cond);
  published = true;
  wake_readers();
}

int main() {
  corpus_deadline_ms(1000);
  weft::Thread reader(
      [] {
        std::lock_guard<weft::Condition> with(cond);
        bool ok = cond.wait_for([] { return published; }, 0.2);
        std::printf("reader: published=%d\n", ok);
      },
      "reader");
  reader.start();
  weft::Thread publisher(publish, "publisher");
  publisher.start();
  publisher.join();
  reader.join();
  return 0;
}
