// lock-order-inversion, weft flavour, in a loop: five philosophers each take two forks (Locks)
// and eat three times, all at once.
// Fix: the ordered philosophers: each takes the lower-numbered fork first, so no cycle can
// form and they all eat concurrently (a false-positive stress for the detectors).
// Shape: Dijkstra's dining philosophers.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

constexpr int N = 5;
std::deque<weft::Lock> forks;
std::atomic<int> meals{0};

void philosopher(int i) {
  int left = i, right = (i + 1) % N;
  int first = std::min(left, right), second = std::max(left, right);
  for (int k = 0; k < 3; ++k) {
    std::lock_guard<weft::Lock> a(forks[first]);
    std::lock_guard<weft::Lock> b(forks[second]);
    ++meals;
  }
}

int main() {
  corpus_deadline_ms(2000);
  for (int i = 0; i < N; ++i) forks.emplace_back("fork-" + std::to_string(i));
  std::deque<weft::Thread> ps;
  for (int i = 0; i < N; ++i) {
    ps.emplace_back([i] { philosopher(i); }, "philosopher-" + std::to_string(i));
    ps.back().start();
  }
  for (auto& p : ps) p.join();
  std::printf("meals %d\n", meals.load());
  return 0;
}
