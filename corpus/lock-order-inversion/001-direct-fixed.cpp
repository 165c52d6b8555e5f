// lock-order-inversion, weft flavour: two threads update two tables under two Locks; the
// second starts after the first has finished.
// Fix: both take users before orders.
// Shape: the classic ABBA pair of paths.
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

weft::Lock users("users"), orders("orders");
int n_users = 0, n_orders = 0;

int main() {
  corpus_deadline_ms(1000);
  weft::Thread signup(
      [] {
        std::lock_guard<weft::Lock> a(users);
        std::lock_guard<weft::Lock> b(orders);
        ++n_users;
        ++n_orders;
      },
      "signup");
  signup.start();
  signup.join();
  weft::Thread checkout(
      [] {
        std::lock_guard<weft::Lock> a(users);
        std::lock_guard<weft::Lock> b(orders);
        ++n_orders;
        --n_users;
      },
      "checkout");
  checkout.start();
  checkout.join();
  std::printf("users %d orders %d\n", n_users, n_orders);
  return 0;
}
