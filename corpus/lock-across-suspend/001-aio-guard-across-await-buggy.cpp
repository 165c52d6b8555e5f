// lock-across-suspend, weft::aio flavour: a cache refresh that holds a thread lock
// (std::lock_guard on a std::mutex) across a co_await. While the task is suspended its loop runs
// other tasks with the mutex held; one that takes it would block the loop thread for good, and a
// task resumed on another thread would unlock a mutex it does not own. (Here no other task
// touches the mutex, so the program ends: the bug is latent, as it usually is.)
// Fix: a lock made for tasks, `auto g = co_await cache_lock.scoped();` on a weft::aio::Lock.
#include <cstdio>
#include <mutex>
#include <weft/asyncio.hpp>

#include "corpus_deadline.h"

namespace aio = weft::aio;

std::mutex cache_mutex;
int cache = 0;

aio::Coro<int> fetch() {
  co_await aio::sleep(0.005);
  co_return 42;
}

aio::Coro<> refresh() {
  std::lock_guard<std::mutex> g(cache_mutex);
  cache = co_await fetch();  // 持有线程锁时挂起
}

int main() {
  corpus_deadline_ms(2000);
  aio::run(refresh());
  std::printf("cache = %d\n", cache);
  return 0;
}
