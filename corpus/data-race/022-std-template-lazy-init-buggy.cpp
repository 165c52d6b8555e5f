// data-race, std flavour, in a template: Lazy<T> builds its value on first use; two threads
// released together by a std::latch both use it.
// Bug: the "is it built yet?" pointer is read and written without synchronisation: both
// threads may build the value, and one may see a half-built object.
// Shape: lazy initialisation without a lock, as in many double-checked-locking reports.
#include <cstdio>
#include <latch>
#include <mutex>
#include <string>
#include <thread>

#include "corpus_deadline.h"

template <class T>
class Lazy {
 public:
  const T& get() {
    if (!value_) value_ = new T("built");
    return *value_;
  }

 private:
  T* value_ = nullptr;  // built once, kept for the program's lifetime
};

int main() {
  corpus_deadline_ms(1000);
  Lazy<std::string> lazy;
  std::latch start(2);
  auto use = [&] {
    start.arrive_and_wait();
    std::printf("%zu\n", lazy.get().size());
  };
  std::thread a(use), b(use);
  a.join();
  b.join();
  return 0;
}
