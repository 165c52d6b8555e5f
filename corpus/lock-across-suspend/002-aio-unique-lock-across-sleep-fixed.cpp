// lock-across-suspend, weft::aio flavour, fixed: a metrics flusher takes a snapshot of the counters
// under a std::unique_lock, then paces itself with `co_await aio::sleep(...)` while the lock is
// still held. The loop runs the request task meanwhile; it only counts with a try_lock here
// (a lock() would block the loop thread for good), so its updates are lost while the flusher
// sleeps. A lock held across a suspension is held for as long as the task is suspended.
// Fix: release the guard before suspending (`lk.unlock()` once the snapshot is taken).
#include <cstdio>
#include <mutex>
#include <weft/asyncio.hpp>

#include "corpus_deadline.h"

namespace aio = weft::aio;

std::mutex stats_mutex;
int requests = 0;
int lost = 0;
bool stopping = false;

aio::Coro<> serve() {
  for (int i = 0; i < 10; ++i) {
    co_await aio::sleep(0.002);
    std::unique_lock<std::mutex> lk(stats_mutex, std::try_to_lock);
    if (lk.owns_lock())
      ++requests;
    else
      ++lost;
  }
  stopping = true;
}

aio::Coro<> flusher() {
  int flushed = 0;
  while (!stopping) {
    std::unique_lock<std::mutex> lk(stats_mutex);
    flushed = requests;
    lk.unlock();  // 挂起之前释放线程锁
    co_await aio::sleep(0.005);
  }
  std::printf("last flush saw %d requests\n", flushed);
}

aio::Coro<> main_coro() {
  auto f = aio::create_task(flusher());
  co_await serve();
  co_await f;
  std::printf("%d requests counted, %d lost to the held lock\n", requests, lost);
}

int main() {
  corpus_deadline_ms(2000);
  aio::run(main_coro());
  return 0;
}
