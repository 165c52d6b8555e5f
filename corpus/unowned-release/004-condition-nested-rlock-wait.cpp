// Correct program (false-positive stress), weft flavour: a weft::Condition owning its default
// RLock, taken twice by nested std::lock_guards, then wait_for(pred, timeout) in a loop; other
// threads take an unrelated RLock re-entrantly through nested calls. The wait releases every
// level of the RLock and restores them: no finding is expected.
#include <weft/threading.hpp>

#include <cstdio>
#include <mutex>

#include "corpus_deadline.h"

static weft::Condition low_stock("low-stock");
static weft::RLock ledger("ledger");
static int stock = 0, entries = 0;

static void record_entry(int depth) {
  std::lock_guard g(ledger);
  ++entries;
  if (depth > 0) record_entry(depth - 1);
}

static void restock() {
  for (int i = 0; i < 3; ++i) {
    record_entry(2);
    std::lock_guard g(low_stock);
    ++stock;
    low_stock.notify();
  }
}

static void wait_for_stock() {
  std::lock_guard outer(low_stock);
  std::lock_guard inner(low_stock);  // nested: the RLock is held twice
  while (!low_stock.wait_for([] { return stock >= 3; }, 0.05)) {
    record_entry(1);
  }
}

int main() {
  corpus_deadline_ms(3000);
  weft::Thread waiter(wait_for_stock, "waiter");
  weft::Thread supplier(restock, "supplier");
  waiter.start();
  supplier.start();
  waiter.join();
  supplier.join();
  std::printf("stock %d, ledger entries %d\n", stock, entries);
  return 0;
}
