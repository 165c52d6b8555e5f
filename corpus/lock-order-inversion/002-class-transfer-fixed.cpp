// lock-order-inversion, weft flavour, in a class: transfer(from, to) takes both accounts' Locks;
// one thread moves a->b, a later one b->a.
// Fix: lock the two accounts in a global order (by account id).
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
  Account& first = from.id < to.id ? from : to;
  Account& second = from.id < to.id ? to : from;
  std::lock_guard<weft::Lock> a(first.lock);
  std::lock_guard<weft::Lock> b(second.lock);
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
