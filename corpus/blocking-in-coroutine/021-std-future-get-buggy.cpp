// blocking-in-coroutine, std flavour: an event loop runs two tasks: one hands a checksum to a
// worker thread (std::async) and reports it, the other ticks every millisecond.
// Bug: the task waits for the result with std::future::get, which blocks the loop's thread until
// the worker is done: the ticker stops for the whole computation.
// Fix: poll the future with wait_for(0s) (returns at once) and co_await a short timer between
// polls; the value is taken only once the future is ready.
#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstdio>
#include <deque>
#include <exception>
#include <thread>
#include <utility>
#include <vector>
#include <future>

#include "corpus_deadline.h"

#include "corpus_coro.h"  // the task, the loop and async_sleep

int checksum(int n) {  // runs on a worker thread
  std::this_thread::sleep_for(10ms);
  int sum = 0;
  for (int i = 1; i <= n; ++i) sum = (sum * 31 + i) % 65521;
  return sum;
}
int ticks = 0;
bool finished = false;

Task compute() {
  std::future<int> f = std::async(std::launch::async, checksum, 1000);
  int v = f.get();  // blocks the loop's thread until the worker is done
  std::printf("checksum %d after %d ticks\n", v, ticks);
  co_await async_sleep(1ms);  // sends the reply
  finished = true;
}

Task ticker() {
  while (!finished && ticks < 100) {
    ++ticks;
    co_await async_sleep(1ms);
  }
}

int main() {
  corpus_deadline_ms(2000);
  loop.spawn(compute());
  loop.spawn(ticker());
  loop.run();
  return 0;
}
