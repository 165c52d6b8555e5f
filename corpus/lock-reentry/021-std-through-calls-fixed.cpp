// lock-reentry, std flavour, through calls: deposit() updates a balance under a std::mutex and
// logs it with log_balance().
// Fix: deposit() calls log_balance_locked(), which expects the caller to hold the mutex.
// Shape: the tutorial's func1 -> func2 example (section 10) with a non-reentrant mutex.
#include <cstdio>
#include <mutex>
#include <thread>

#include "corpus_deadline.h"

std::mutex mu;
int balance = 0;

void log_balance_locked() {  // caller holds mu
  std::printf("balance %d\n", balance);
}

void deposit(int amount) {
  std::lock_guard<std::mutex> lk(mu);
  balance += amount;
  log_balance_locked();
}

int main() {
  corpus_deadline_ms(1000);
  std::thread t([] { deposit(5); });
  t.join();
  return 0;
}
