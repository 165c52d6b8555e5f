// unowned-release, std flavour, in a class: Journal::append() takes a std::unique_lock and
// releases the lock early before slow output.
// Bug: it calls mu_.unlock() on the mutex itself; the unique_lock still believes it owns the
// mutex and unlocks it again in its destructor: a release of an unlocked mutex.
// Shape: guard and manual unlock mixed, found in reviews of RAII conversions.
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "corpus_deadline.h"

class Journal {
 public:
  void append(const std::string& line) {
    std::unique_lock<std::mutex> lk(mu_);
    lines_.push_back(line);
    std::size_t n = lines_.size();
    mu_.unlock();
    std::printf("journal has %zu lines\n", n);  // slow output outside the lock
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

int main() {
  corpus_deadline_ms(1000);
  Journal j;
  std::thread t([&j] { j.append("started"); });
  t.join();
  return 0;
}
