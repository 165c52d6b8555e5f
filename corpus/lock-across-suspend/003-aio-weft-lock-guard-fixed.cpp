// lock-across-suspend, weft::aio flavour, fixed: a session registry shared with a housekeeping
// thread (not shown) is guarded by a weft::Lock (a thread lock). The login task takes it with a
// std::lock_guard<weft::Lock> and then awaits the credential check while still holding it:
// the housekeeping thread is locked out for the whole check, and had another task of the loop
// taken the lock, the loop thread would have blocked for good.
// Fix: a lock made for tasks, `auto g = co_await registry_lock.scoped();` on a
// weft::aio::Lock (the housekeeping then runs as a task of the loop too).
#include <cstdio>
#include <map>
#include <string>
#include <weft/asyncio.hpp>

#include "corpus_deadline.h"

namespace aio = weft::aio;

aio::Lock registry_lock("registry");
std::map<std::string, int> sessions;

aio::Coro<bool> check_credentials(std::string user) {
  co_await aio::sleep(0.005);  // the auth service's round trip
  co_return !user.empty();
}

aio::Coro<> login(std::string user) {
  auto g = co_await registry_lock.scoped();  // 任务锁：等待者挂起，不阻塞线程
  if (sessions.count(user) == 0 && co_await check_credentials(user))
    sessions[user] = static_cast<int>(sessions.size()) + 1;
}

aio::Coro<> main_coro() {
  co_await login("alice");
  co_await login("bob");
  std::printf("%zu sessions\n", sessions.size());
}

int main() {
  corpus_deadline_ms(2000);
  aio::run(main_coro());
  return 0;
}
