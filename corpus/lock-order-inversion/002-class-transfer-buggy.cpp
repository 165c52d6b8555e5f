// lock-order-inversion, weft flavour, in a class: transfer(from, to) takes both accounts' Locks;
// one thread moves a->b, a later one b->a.
// Bug: the lock order follows the argument order: a->b and b->a invert it (this run keeps the
// two transfers apart).
// Shape: the bank-transfer example.
#include <cstdio>
#include <mutex>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

struct Account {
  int id;
  weft::Lock lock;
  int balance = 100;
};

void transfer(Account& from, Account& to, int amount) {
  std::lock_guard<weft::Lock> a(from.lock);
  std::lock_guard<weft::Lock> b(to.lock);
  from.balance -= amount;
  to.balance += amount;
}

int main() {
  corpus_deadline_ms(1000);
  Account a{1, weft::Lock("a")}, b{2, weft::Lock("b")};
  weft::Thread t1([&] { transfer(a, b, 10); });
  t1.start();
  t1.join();
  weft::Thread t2([&] { transfer(b, a, 5); });
  t2.start();
  t2.join();
  std::printf("a %d b %d\n", a.balance, b.balance);
  return 0;
}
