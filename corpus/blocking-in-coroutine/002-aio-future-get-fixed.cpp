// blocking-in-coroutine, weft::aio flavour, fixed: a request handler hands a checksum to a worker
// thread with std::async, then waits for it with `future.get()` inside the coroutine. get()
// blocks the loop thread until the worker is done, so the other task (a 10 ms heartbeat)
// misses its ticks for the whole 150 ms computation, as with `time.sleep()` in asyncio.
// Fix: wait for the future on the loop's thread pool, `co_await aio::to_thread(...)`, which
// suspends the handler only.
#include <chrono>
#include <cstdio>
#include <future>
#include <thread>
#include <weft/asyncio.hpp>

#include "corpus_deadline.h"

namespace aio = weft::aio;

int ticks = 0;
bool done = false;

int checksum(int n) {
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // a slow computation
  int sum = 0;
  for (int i = 1; i <= n; ++i) sum += i;
  return sum;
}

aio::Coro<> heartbeat() {
  while (!done) {
    ++ticks;
    co_await aio::sleep(0.01);
  }
}

aio::Coro<int> handle_request(int n) {
  co_await aio::sleep(0.01);
  std::future<int> result = std::async(std::launch::async, checksum, n);
  int sum = co_await aio::to_thread([&result] { return result.get(); });  // 只挂起本协程
  done = true;
  co_return sum;
}

aio::Coro<> main_coro() {
  auto hb = aio::create_task(heartbeat());
  int sum = co_await handle_request(100);
  co_await hb;
  std::printf("checksum %d; heartbeat ticked %d times in ~160 ms (16 expected)\n", sum, ticks);
}

int main() {
  corpus_deadline_ms(2000);
  aio::run(main_coro());
  return 0;
}
