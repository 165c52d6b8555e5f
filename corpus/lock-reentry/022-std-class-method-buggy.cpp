// lock-reentry, std flavour, in a class: Inventory keeps item counts under a member std::mutex;
// add() refuses items beyond a capacity.
// Bug: add() holds mu_ and calls the public total(), which locks mu_ again: the thread
// deadlocks on itself (exit 86 from the deadline).
// Shape: a monitor class whose public methods call each other, as in many self-deadlock bug
// reports.
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "corpus_deadline.h"

class Inventory {
 public:
  bool add(const std::string& item, int n) {
    std::lock_guard<std::mutex> lk(mu_);
    if (total() + n > 100) return false;
    counts_[item] += n;
    return true;
  }
  int total() {
    std::lock_guard<std::mutex> lk(mu_);
    int sum = 0;
    for (const auto& [name, n] : counts_) sum += n;
    return sum;
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> counts_;
};

int main() {
  corpus_deadline_ms(1000);
  Inventory inv;
  std::thread t([&inv] { std::printf("added: %d\n", inv.add("bolts", 10)); });
  t.join();
  std::printf("total %d\n", inv.total());
  return 0;
}
