// discarded-awaitable, weft::aio flavour, fixed: the tutorial's "forgetting await" (section 7): the
// consumer's `condition.wait()` without `await` makes a coroutine object and drops it, so
// nothing waits. The cast to void silences [[nodiscard]], not the bug: the consumer spins
// without suspending and the producer task never runs (this one gives up after 1,000 turns).
// Fix: `co_await condition.wait();`.
#include <cstdio>
#include <weft/asyncio.hpp>

#include "corpus_deadline.h"

namespace aio = weft::aio;

aio::Condition condition("condition");
bool resource_available = false;
int spins = 0;

aio::Coro<> consumer() {
  auto with = co_await condition.scoped();  // async with condition:
  while (!resource_available && spins < 1000) {
    ++spins;
    co_await condition.wait();  // 正确：挂起协程，不阻塞事件循环
  }
  std::printf(resource_available ? "consumer got the resource\n" : "consumer gave up after %d turns\n",
              spins);
}

aio::Coro<> producer() {
  co_await aio::sleep(0.01);
  auto with = co_await condition.scoped();
  resource_available = true;
  condition.notify();
}

aio::Coro<> main_coro() {
  auto c = aio::create_task(consumer());
  auto p = aio::create_task(producer());
  co_await c;
  co_await p;
}

int main() {
  corpus_deadline_ms(2000);
  aio::run(main_coro());
  return 0;
}
