// blocking-in-coroutine, weft::aio flavour: a sensor thread feeds readings into a threading
// queue (weft::Queue) and a task of the event loop takes them with `readings.get()`. That get()
// blocks the loop thread until the next reading arrives (every 120 ms), so the loop's other
// task, a 5 ms heartbeat, stalls for as long as the collector waits.
// Fix: take from the threading queue on the loop's thread pool,
// `co_await aio::to_thread([&] { return readings.get(); })`, which suspends the collector only.
#include <chrono>
#include <cstdio>
#include <thread>
#include <weft/asyncio.hpp>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

namespace aio = weft::aio;

constexpr int kReadings = 2;
weft::Queue<int> readings(0, "readings");
int ticks = 0;
bool done = false;

void sensor() {
  for (int i = 1; i <= kReadings; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
    readings.put(i * 10);
  }
}

aio::Coro<> heartbeat() {
  while (!done) {
    ++ticks;
    co_await aio::sleep(0.005);
  }
}

aio::Coro<int> collector() {
  int total = 0;
  for (int i = 0; i < kReadings; ++i) {
    co_await aio::sleep(0);  // let the heartbeat run
    total += readings.get();  // 阻塞事件循环，直到下一个读数到达
  }
  done = true;
  co_return total;
}

aio::Coro<> main_coro() {
  auto hb = aio::create_task(heartbeat());
  int total = co_await collector();
  co_await hb;
  std::printf("total %d; heartbeat ticked %d times in ~240 ms (48 expected)\n", total, ticks);
}

int main() {
  corpus_deadline_ms(2000);
  std::thread producer(sensor);
  aio::run(main_coro());
  producer.join();
  return 0;
}
