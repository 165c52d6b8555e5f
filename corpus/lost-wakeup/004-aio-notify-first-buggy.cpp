// lost-wakeup, weft::aio flavour: the tutorial's Condition example moved to asyncio as section 7
// pairs them (`async with condition:` / `await condition.wait()` / `condition.notify()`). A
// loader task fills a cache and notifies; a request task waits for that notification. Here the
// loader is created first, so it runs its step first.
// Bug: notify() with no task waiting wakes nobody and leaves no trace; the request task's bare
// `co_await condition.wait()` then waits for a notification that was already sent. Nothing else
// can wake it: weft::aio's run() throws DeadlockError (CPython's asyncio hangs; exit 86).
// Fix: wait for the state, not for the notification:
// `while (!cache_ready) co_await condition.wait();`.
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
  co_await condition.wait();  // 等待通知
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
