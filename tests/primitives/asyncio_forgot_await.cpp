// Not compiled into a program: the test primitives_asyncio:forgotten-co_await-warns compiles it
// and counts one "ignoring return value" warning per line marked WARN (the tutorial's "forgot
// await" mistake). Every awaitable and coroutine-returning function of weft::aio is [[nodiscard]].
#include "weft/asyncio.hpp"

namespace aio = weft::aio;

aio::Coro<int> f() { co_return 1; }

aio::Coro<> forgot(aio::Lock& lock, aio::Event& ev, aio::Condition& cond, aio::Semaphore& sem,
                   aio::BoundedSemaphore& bsem, aio::Queue<int>& q) {
  lock.acquire();                      // WARN
  lock.scoped();                       // WARN
  ev.wait();                           // WARN
  cond.acquire();                      // WARN
  cond.wait();                         // WARN
  cond.wait_for([] { return true; });  // WARN
  sem.acquire();                       // WARN
  bsem.scoped();                       // WARN
  q.put(1);                            // WARN
  q.get();                             // WARN
  q.join();                            // WARN
  aio::sleep(1);                       // WARN
  aio::to_thread([] { return 1; });    // WARN
  f();                                 // WARN
  aio::create_task(f());               // WARN
  aio::gather(f(), f());               // WARN
  aio::wait_for(f(), 1);               // WARN
  // Awaited: no warning.
  co_await lock.acquire();
  lock.release();
  (void)co_await aio::gather(f());
  int x = co_await f();
  (void)x;
}
