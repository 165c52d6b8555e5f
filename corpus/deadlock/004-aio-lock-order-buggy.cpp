// deadlock, weft::aio flavour: two tasks of one event loop move stock between two warehouses,
// each under both warehouses' asyncio locks. `transfer(a, b)` takes a's lock, then (after
// awaiting the stock check) b's; `transfer(b, a)` takes them the other way round. Each task ends
// up holding one lock and suspended on the other: nothing is ready, no timer or to_thread() call
// is pending, and the loop can never run either again. CPython's asyncio hangs there; weft::aio's
// run() throws DeadlockError naming both tasks, and weft run records it as a deadlock finding.
// Fix: take the two locks in one global order (by warehouse id) in every transfer.
#include <cstdio>
#include <weft/asyncio.hpp>

#include "corpus_aio.h"

namespace aio = weft::aio;

struct Warehouse {
  int id;
  int stock;
  aio::Lock lock;
};

Warehouse north{1, 10, aio::Lock("north")};
Warehouse south{2, 10, aio::Lock("south")};

aio::Coro<> transfer(Warehouse& from, Warehouse& to, int n) {
  auto g1 = co_await from.lock.scoped();
  co_await aio::sleep(0.001);  // the stock check: another task runs meanwhile
  auto g2 = co_await to.lock.scoped();
  from.stock -= n;
  to.stock += n;
}

aio::Coro<> main_coro() {
  auto a = aio::create_task(transfer(north, south, 3), "north->south");
  auto b = aio::create_task(transfer(south, north, 2), "south->north");
  co_await aio::gather(a, b);
}

int main() {
  int status = corpus_aio_run(main_coro());
  std::printf("north %d, south %d\n", north.stock, south.stock);
  return status;
}
