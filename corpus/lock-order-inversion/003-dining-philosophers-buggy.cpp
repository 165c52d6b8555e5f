// lock-order-inversion, weft flavour, in a loop: five philosophers each take two forks (Locks)
// and eat three times, all at once.
// Bug: each takes the left fork, then the right: fork i before i+1, and the last one fork 4
// before fork 0, closing a cycle. To keep this run from deadlocking, the philosophers eat one
// after another (each is joined before the next sits down); run together, they can deadlock.
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
  for (int k = 0; k < 3; ++k) {
    std::lock_guard<weft::Lock> a(forks[left]);
    std::lock_guard<weft::Lock> b(forks[right]);
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
    ps.back().join();  // one at a time, so this run ends
  }
  std::printf("meals %d\n", meals.load());
  return 0;
}
