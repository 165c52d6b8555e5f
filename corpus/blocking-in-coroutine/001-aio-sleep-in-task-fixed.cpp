// blocking-in-coroutine, weft::aio flavour, fixed: the tutorial's "blocking the event loop" (section 7):
// `time.sleep(1)` in a coroutine instead of `await asyncio.sleep(1)`. Two tasks share one loop:
// the heartbeat should tick every 10 ms, but the worker's sleep stops the whole loop, so the
// heartbeat misses its ticks while the worker "waits" (the tutorial's 1 s is 150 ms here).
// Fix: `co_await weft::aio::sleep(0.15)` suspends the worker only.
#include <cstdio>
#include <weft/asyncio.hpp>

#include "corpus_deadline.h"

namespace aio = weft::aio;

int ticks = 0;
bool done = false;

aio::Coro<> heartbeat() {
  while (!done) {
    ++ticks;
    co_await aio::sleep(0.01);
  }
}

aio::Coro<> worker() {
  co_await aio::sleep(0.01);
  co_await aio::sleep(0.15);  // 挂起本协程，不阻塞事件循环
  done = true;
}

aio::Coro<> main_coro() {
  auto hb = aio::create_task(heartbeat());
  co_await worker();
  co_await hb;
}

int main() {
  corpus_deadline_ms(2000);
  aio::run(main_coro());
  std::printf("heartbeat ticked %d times in ~160 ms (16 expected)\n", ticks);
  return 0;
}
