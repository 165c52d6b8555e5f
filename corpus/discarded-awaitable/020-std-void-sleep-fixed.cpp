// discarded-awaitable, std flavour: an event loop runs a sender task that sends four messages,
// pausing 2 ms between them (a rate limit), and a receiver task that drains the outbox every ms.
// Bug: the pause is `(void)async_sleep(2ms);`: the cast silenced [[nodiscard]], but the sleep
// is made and thrown away, never awaited: the sender does not pause and bursts all four messages
// at once (the receiver sees them all in one batch).
// Fix: co_await async_sleep(2ms).
#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstdio>
#include <deque>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

#include "corpus_deadline.h"

#include "corpus_coro.h"  // the task, the loop and async_sleep

std::vector<int> outbox;
bool sender_done = false;

Task sender() {
  co_await async_sleep(1ms);  // connects
  for (int i = 0; i < 4; ++i) {
    outbox.push_back(i);
    co_await async_sleep(2ms);  // the rate limit
  }
  sender_done = true;
}

Task receiver() {
  int batches = 0;
  while ((!sender_done || !outbox.empty()) && batches < 50) {
    if (!outbox.empty()) {
      std::printf("batch %d: %zu messages\n", batches, outbox.size());
      outbox.clear();
    }
    ++batches;
    co_await async_sleep(1ms);
  }
}

int main() {
  corpus_deadline_ms(2000);
  loop.spawn(sender());
  loop.spawn(receiver());
  loop.run();
  return 0;
}
