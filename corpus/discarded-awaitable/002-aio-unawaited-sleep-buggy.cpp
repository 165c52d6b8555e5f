// discarded-awaitable, weft::aio flavour: a rate-limited sender should pause 10 ms between
// messages, but the pause is written `(void)aio::sleep(0.01);`: the sleep is made and
// dropped, not awaited. The cast to void silences [[nodiscard]], not the bug: the sender
// never suspends, fires all five messages at once, and the heartbeat task sharing the loop
// ticks only once, before the sending starts.
// Fix: `co_await aio::sleep(0.01);`.
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

aio::Coro<> send_all() {
  co_await aio::sleep(0);  // let the heartbeat start
  for (int i = 1; i <= 5; ++i) {
    std::printf("send message %d\n", i);
    (void)aio::sleep(0.01);  // 错误：没有 co_await，不会等待
  }
  done = true;
}

aio::Coro<> main_coro() {
  auto hb = aio::create_task(heartbeat());
  co_await send_all();
  co_await hb;
  std::printf("heartbeat ticked %d times while sending (6 expected)\n", ticks);
}

int main() {
  corpus_deadline_ms(2000);
  aio::run(main_coro());
  return 0;
}
