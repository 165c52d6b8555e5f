// lost-wakeup, weft::aio flavour, fixed: the request task of the buggy twin waits for the state
// the loader sets under the condition's lock, not for its notification. When the loader ran
// first, `cache_ready` is already true and the request never waits.
#include <cstdio>
#include <weft/asyncio.hpp>

#include "corpus_aio.h"

namespace aio = weft::aio;

aio::Condition condition("cache");
bool cache_ready = false;

aio::Coro<> loader() {
  auto with = co_await condition.scoped();  // async with condition:
  cache_ready = true;
  condition.notify();  // 通知消费者
}

aio::Coro<> request() {
  auto with = co_await condition.scoped();  // async with condition:
  while (!cache_ready) co_await condition.wait();  // 等待状态，而不是等待通知
  std::puts("request served from the cache");
}

aio::Coro<> main_coro() {
  auto l = aio::create_task(loader(), "loader");
  auto r = aio::create_task(request(), "request");
  co_await aio::gather(l, r);
}

int main() {
  int status = corpus_aio_run(main_coro());
  return status;
}
