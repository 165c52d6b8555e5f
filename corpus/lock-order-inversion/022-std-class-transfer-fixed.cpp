// lock-order-inversion, std flavour, in a class: transfer(from, to) locks both accounts' mutexes;
// one thread moves money a->b, a later one b->a.
// Fix: std::scoped_lock locks both mutexes with a deadlock-avoiding algorithm.
// Shape: the bank-transfer example of many textbooks and bug reports.
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

struct Account {
  std::mutex mu;
  int balance = 100;
};

void transfer(Account& from, Account& to, int amount) {
  std::scoped_lock both(from.mu, to.mu);
  from.balance -= amount;
  to.balance += amount;
}

int main() {
  corpus_deadline_ms(1000);
  Account a, b;
  std::thread t1([&] { transfer(a, b, 10); });
  t1.join();
  std::thread t2([&] { transfer(b, a, 5); });
  t2.join();
  std::printf("a %d b %d\n", a.balance, b.balance);
  return 0;
}
