// An unmodified std::mutex program for the code-site test (sites_tests.cmake): a lock-order
// inversion between two threads, one after the other (no deadlock). Built with -g; `weft run`
// must name lines 10, 11, 14 and 15 in its finding.
#include <mutex>
#include <thread>

int main() {
  std::mutex a, b;
  std::thread([&] {
    std::lock_guard<std::mutex> ga(a);
    std::lock_guard<std::mutex> gb(b);
  }).join();
  std::thread([&] {
    std::lock_guard<std::mutex> gb(b);
    std::lock_guard<std::mutex> ga(a);  // NOLINT(lock-order-inversion): the bug under test
  }).join();
  return 0;
}
