// event-as-condition, weft::aio flavour, fixed: the downloader and the writer of the buggy twin
// share the chunks through the tutorial's section 7 Condition instead of an Event. The writer
// re-checks the state it waits for under the condition's lock (`async with condition: while not
// chunks: await condition.wait()`), so two chunks that finish in one loop step are two chunks,
// not one announcement.
#include <cstdio>
#include <deque>
#include <weft/asyncio.hpp>

#include "corpus_aio.h"

namespace aio = weft::aio;

aio::Condition chunk_ready("chunk_ready");
std::deque<int> chunks;
int written = 0;

aio::Coro<> downloader() {
  int next = 0;
  for (int finished_together : {1, 2}) {
    co_await aio::sleep(0.002);  // the network
    auto with = co_await chunk_ready.scoped();  // async with condition:
    for (int i = 0; i < finished_together; ++i) {
      chunks.push_back(next++);
      chunk_ready.notify();
    }
  }
}

aio::Coro<> writer() {
  while (written < 3) {
    auto with = co_await chunk_ready.scoped();  // async with condition:
    while (chunks.empty()) co_await chunk_ready.wait();  // 挂起协程，不阻塞事件循环
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
