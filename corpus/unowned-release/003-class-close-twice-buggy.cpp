// unowned-release, weft flavour, in a class: Session holds a Lock from open() to close(); the
// worker closes it in its error handling and again at the end.
// Bug: close() releases without checking whether the session is still open: the second call
// releases an unlocked Lock (RuntimeError, reported for the thread).
// Shape: double close, as in many resource-wrapper bugs.
#include <cstdio>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

class Session {
 public:
  void open() {
    lock_.acquire();
    open_ = true;
  }
  void close() {
    open_ = false;
    lock_.release();
  }

 private:
  weft::Lock lock_{"session"};
  bool open_ = false;
};

int main() {
  corpus_deadline_ms(1000);
  Session s;
  weft::Thread worker(
      [&s] {
        s.open();
        std::puts("write failed, closing");
        s.close();
        s.close();  // the normal end of the function
      },
      "worker");
  worker.start();
  worker.join();
  return 0;
}
