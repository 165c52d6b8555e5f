// wait-not-in-loop, weft::aio flavour: the tutorial's section 7 puts `asyncio.Condition` beside
// `threading.Condition`: `async with condition:` / `while not resource_available: await
// condition.wait()`. Here a producer task makes a resource available three times and a consumer
// task takes it each time, both on one event loop.
// Bug: the consumer waits under `if not resource_available:` (the form section 7 calls wrong):
// `if (!resource_available) co_await condition.wait();`. Any wake-up without the resource
// (spurious, or another consumer first) makes it take a resource that is not there; weft run
// --chaos injects spurious wake-ups into aio Condition waits and reports the task that went on.
// Fix: `while (!resource_available) co_await condition.wait();`.
#include <cstdio>
#include <weft/asyncio.hpp>

#include "corpus_deadline.h"

namespace aio = weft::aio;

aio::Condition condition("condition");
bool resource_available = false;
int taken = 0, phantom = 0;

aio::Coro<> producer() {
  for (int i = 0; i < 3; ++i) {
    co_await aio::sleep(0.002);
    auto with = co_await condition.scoped();  // async with condition:
    resource_available = true;
    condition.notify();
  }
}

aio::Coro<> consumer() {
  for (int i = 0; i < 3; ++i) {
    auto with = co_await condition.scoped();  // async with condition:
    while (!resource_available) co_await condition.wait();  // 挂起协程，不阻塞事件循环
    if (!resource_available) ++phantom;  // the resource it takes is not there
    resource_available = false;
    ++taken;
  }
}

aio::Coro<> main_coro() {
  auto c = aio::create_task(consumer(), "consumer");
  auto p = aio::create_task(producer(), "producer");
  co_await aio::gather(c, p);
}

int main() {
  corpus_deadline_ms(2000);
  aio::run(main_coro());
  std::printf("consumer took %d resources, %d of them not there\n", taken, phantom);
  return 0;
}
