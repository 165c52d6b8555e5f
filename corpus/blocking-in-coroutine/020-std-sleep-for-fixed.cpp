// blocking-in-coroutine, std flavour: an event loop runs two tasks, a heartbeat that ticks every
// 2 ms and a sensor poller that reads a sensor every 3 ms.
// Bug: the poller waits with std::this_thread::sleep_for, which stops the loop's only thread:
// the heartbeat misses its ticks while the poller sleeps (asyncio's time.sleep in a coroutine).
// Fix: co_await async_sleep(3ms), a timer of the loop that suspends only the poller.
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

int sensor_reads = 0;

Task heartbeat() {
  Clock::time_point last = Clock::now();
  for (int i = 0; i < 5; ++i) {
    co_await async_sleep(2ms);
    auto gap = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - last);
    last = Clock::now();
    std::printf("heartbeat %d (%lld us since the last)\n", i, static_cast<long long>(gap.count()));
  }
}

Task poll_sensor() {
  co_await async_sleep(1ms);  // the sensor powers up
  for (int i = 0; i < 3; ++i) {
    co_await async_sleep(3ms);  // suspends only this task
    ++sensor_reads;
    std::printf("sensor read %d\n", i);
  }
}

int main() {
  corpus_deadline_ms(2000);
  loop.spawn(heartbeat());
  loop.spawn(poll_sensor());
  loop.run();
  std::printf("%d sensor reads\n", sensor_reads);
  return 0;
}
