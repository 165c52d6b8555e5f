// event-as-condition, weft::aio flavour: the tutorial's section 7 puts `asyncio.Event` beside
// `threading.Event` (`await event.wait()`, `event.set()`, `event.clear()`). Here a downloader
// task announces each finished chunk to a writer task on the same event loop, and the writer
// takes one chunk per announcement: `co_await chunk_ready.wait(); chunk_ready.clear();`.
// Bug: an Event is a flag, not a count. Two chunks finish in one loop step (the downloader does
// not suspend between them): the second set() finds the event still set, and the writer's
// clear() erases it. The writer writes one of the two and waits for an announcement that never
// comes; every task waits and nothing can wake one (weft::aio's run() throws DeadlockError where
// CPython's asyncio would hang: exit 86).
// Fix: keep the chunks and the signal together, the tutorial's Condition:
// `while (chunks.empty()) co_await chunk_ready.wait();` under `chunk_ready.scoped()`.
#include <cstdio>
#include <deque>
#include <weft/asyncio.hpp>

#include "corpus_aio.h"

namespace aio = weft::aio;

aio::Event chunk_ready("chunk_ready");
std::deque<int> chunks;
int written = 0;

aio::Coro<> downloader() {
  int next = 0;
  for (int finished_together : {1, 2}) {
    co_await aio::sleep(0.002);  // the network
    for (int i = 0; i < finished_together; ++i) {
      chunks.push_back(next++);
      chunk_ready.set();  // 设置事件
    }
  }
}

aio::Coro<> writer() {
  while (written < 3) {
    co_await chunk_ready.wait();  // 等待事件触发
    chunk_ready.clear();          // 清除事件
    std::printf("chunk %d written\n", chunks.front());
    chunks.pop_front();
    ++written;
  }
}

aio::Coro<> main_coro() {
  auto w = aio::create_task(writer(), "writer");
  auto d = aio::create_task(downloader(), "downloader");
  co_await aio::gather(w, d);
}

int main() {
  int status = corpus_aio_run(main_coro());
  std::printf("wrote %d of 3 chunks\n", written);
  return status;
}
