// lock-across-suspend, weft::aio flavour, fixed: a cache refresh that holds a lock across a
// co_await, with a lock made for tasks: a weft::aio::Lock suspends the tasks that wait for it
// instead of blocking the loop thread, and belongs to no thread.
#include <cstdio>
#include <weft/asyncio.hpp>

#include "corpus_deadline.h"

namespace aio = weft::aio;

aio::Lock cache_lock("cache");
int cache = 0;

aio::Coro<int> fetch() {
  co_await aio::sleep(0.005);
  co_return 42;
}

aio::Coro<> refresh() {
  auto g = co_await cache_lock.scoped();
  cache = co_await fetch();
}

int main() {
  corpus_deadline_ms(2000);
  aio::run(refresh());
  std::printf("cache = %d\n", cache);
  return 0;
}
