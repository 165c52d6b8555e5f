// host_prog: a program linked with weft, run by `weft run`, which also loads the LD_PRELOAD
// interposer into it (runtime/README.md, "One runtime per process"). Scenarios (argv[1]):
//
//   aio-sleep    a weft::aio task sleeps with std::this_thread::sleep_for: blocking-in-coroutine
//                names the sleep and its line (the interposer records it into the program's
//                recording)
//   aio-mutex    a task blocks on a std::mutex that a std::thread holds: the finding names the
//                std::mutex and the task's line
//   mixed-order  a weft::Lock and a std::mutex taken in both orders by two threads (never at
//                once): one lock-order-inversion over both kinds, found only in one recording
//   quiet        weft's primitives only (Semaphore, Event, Queue, Barrier, Condition, Thread,
//                ThreadPoolExecutor, aio): their own std::mutex, condition variables and threads
//                are not recorded, so the trace has no mutex, condvar or extra thread objects
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <weft/asyncio.hpp>
#include <weft/threading.hpp>

namespace aio = weft::aio;

namespace {

aio::Coro<> ticker(bool& stop) {
  while (!stop) co_await aio::sleep(0.01);
}

aio::Coro<> sleeper(bool& stop) {
  co_await aio::sleep(0.01);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // blocks the loop: the finding names this line
  stop = true;
}

int aio_sleep() {
  aio::run([]() -> aio::Coro<> {
    bool stop = false;
    auto t = aio::create_task(ticker(stop));
    co_await sleeper(stop);
    co_await t;
  }());
  return 0;
}

std::mutex g_mu;

aio::Coro<> locker(bool& stop) {
  co_await aio::sleep(0.02);
  {
    std::lock_guard g(g_mu);  // the holder keeps it ~150 ms more: the finding names this line
  }
  stop = true;
}

int aio_mutex() {
  std::thread holder([] {
    std::lock_guard g(g_mu);
    std::this_thread::sleep_for(std::chrono::milliseconds(180));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  aio::run([]() -> aio::Coro<> {
    bool stop = false;
    auto t = aio::create_task(ticker(stop));
    co_await locker(stop);
    co_await t;
  }());
  holder.join();
  return 0;
}

int mixed_order() {
  weft::Lock lock("accounts");
  std::mutex mu;
  weft::Thread a([&] {
    std::lock_guard g1(lock);
    std::lock_guard g2(mu);
  }, "a");
  a.start();
  a.join();
  std::thread b([&] {
    std::lock_guard g1(mu);
    std::lock_guard g2(lock);
  });
  b.join();
  return 0;
}

int quiet() {
  weft::Semaphore sem(1, "sem");
  weft::Event ev("ev");
  weft::Queue<int> q(4, "q");
  weft::Barrier bar(2, {}, -1, "bar");
  weft::Lock lock("lock");
  weft::Condition cond(lock, "cond");
  int ready = 0;
  weft::Thread t([&] {
    sem.acquire();
    sem.release();
    q.put(1);
    ev.set();
    bar.wait();
    std::lock_guard g(cond);
    ready = 1;
    cond.notify();
  }, "worker");
  t.start();
  ev.wait();
  (void)q.get();
  bar.wait();
  {
    std::lock_guard g(cond);
    while (!ready) cond.wait();
  }
  t.join();
  weft::ThreadPoolExecutor pool(2);
  auto f = pool.submit([] { return 6 * 7; });
  int v = f.result();
  pool.shutdown();
  aio::run([]() -> aio::Coro<> {
    co_await aio::to_thread([] { return 1; });
  }());
  return v == 42 ? 0 : 1;
}

// fork-exit (not in the list above, which line numbers of the tests follow): a fork child takes a
// weft::Lock and ends with _exit(3); the program's own recording notes the status the
// interposer's _exit() hands it (weft/runtime/host.hpp, process_exiting).
int fork_exit() {
  weft::Lock lock("before-fork");
  lock.acquire();
  lock.release();
  pid_t pid = ::fork();
  if (pid == 0) {
    lock.acquire();
    lock.release();
    ::_exit(3);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  return WIFEXITED(st) && WEXITSTATUS(st) == 3 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "";
  if (std::strcmp(s, "aio-sleep") == 0) return aio_sleep();
  if (std::strcmp(s, "aio-mutex") == 0) return aio_mutex();
  if (std::strcmp(s, "mixed-order") == 0) return mixed_order();
  if (std::strcmp(s, "quiet") == 0) return quiet();
  if (std::strcmp(s, "fork-exit") == 0) return fork_exit();
  std::fprintf(stderr, "usage: host_prog aio-sleep|aio-mutex|mixed-order|quiet\n");
  return 2;
}
