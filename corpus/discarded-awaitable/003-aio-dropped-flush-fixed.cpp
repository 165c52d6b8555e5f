// discarded-awaitable, weft::aio flavour, fixed: a log writer buffers lines and calls its flush
// coroutine when the buffer is full, but writes `(void)flush();`. aio::Coro is lazy (asyncio's
// coroutine object): calling it only makes the coroutine, dropping it destroys it unstarted,
// so nothing is ever written and the buffered lines are lost (Python would at least warn
// "coroutine 'flush' was never awaited").
// Fix: `co_await flush();`.
#include <cstdio>
#include <string>
#include <vector>
#include <weft/asyncio.hpp>

#include "corpus_deadline.h"

namespace aio = weft::aio;

std::vector<std::string> buffer;
std::vector<std::string> written;  // the "file"

aio::Coro<> flush() {
  co_await aio::sleep(0.001);  // the write
  written.insert(written.end(), buffer.begin(), buffer.end());
  buffer.clear();
}

aio::Coro<> log_line(std::string line) {
  buffer.push_back(std::move(line));
  if (buffer.size() >= 4) co_await flush();  // 正确：等待写完
  co_return;
}

aio::Coro<> main_coro() {
  for (int i = 1; i <= 8; ++i) co_await log_line("line " + std::to_string(i));
  std::printf("%zu lines written, %zu still buffered (8 written expected)\n", written.size(),
              buffer.size());
}

int main() {
  corpus_deadline_ms(2000);
  aio::run(main_coro());
  return 0;
}
