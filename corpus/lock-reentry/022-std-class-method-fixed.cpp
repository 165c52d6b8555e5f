// lock-reentry, std flavour, in a class: Inventory keeps item counts under a member std::mutex;
// add() refuses items beyond a capacity.
// Fix: both public methods use a private total_locked() that assumes mu_ is held.
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
    if (total_locked() + n > 100) return false;
    counts_[item] += n;
    return true;
  }
  int total() {
    std::lock_guard<std::mutex> lk(mu_);
    return total_locked();
  }

 private:
  int total_locked() const {
    int sum = 0;
    for (const auto& [name, n] : counts_) sum += n;
    return sum;
  }
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
