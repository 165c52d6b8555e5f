// lock-order-inversion, std flavour, direct: two threads each update two shared tables under
// two mutexes; the second thread starts after the first has finished.
// Fix: every path locks `users` before `orders`.
// Shape: the classic ABBA pair of paths.
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

std::mutex users;
std::mutex orders;
int n_users = 0, n_orders = 0;

int main() {
  corpus_deadline_ms(1000);
  std::thread signup([] {
    std::lock_guard<std::mutex> a(users);
    std::lock_guard<std::mutex> b(orders);
    ++n_users;
    ++n_orders;
  });
  signup.join();
  std::thread checkout([] {
    std::lock_guard<std::mutex> a(users);
    std::lock_guard<std::mutex> b(orders);
    ++n_orders;
    --n_users;
  });
  checkout.join();
  std::printf("users %d orders %d\n", n_users, n_orders);
  return 0;
}
