// Linked with weft::primitives only (no direct use of the runtime): under WEFT_TRACE it must
// record itself, which proves the recorder's start-up code is linked in through the primitives.
#include <weft/threading.hpp>

#include <memory>
#include <string>
#include <vector>

int main() {
  weft::Lock balance("balance");
  long total = 0;
  std::vector<std::unique_ptr<weft::Thread>> threads;
  for (int i = 0; i < 3; ++i)
    threads.push_back(std::make_unique<weft::Thread>([&] {
      for (int k = 0; k < 100; ++k) {
        balance.acquire();
        ++total;
        balance.release();
      }
    }, "子线程-" + std::to_string(i)));
  for (auto& t : threads) t->start();
  for (auto& t : threads) t->join();
  return total == 300 ? 0 : 1;
}
