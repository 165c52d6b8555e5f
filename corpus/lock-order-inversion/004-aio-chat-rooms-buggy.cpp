// lock-order-inversion, weft::aio flavour: a chat server's tasks on one event loop. `join` takes
// the room's asyncio Lock, then (after awaiting the history load) the user's, to add the user to
// the room and the room to the user; `rename` takes the user's Lock, then (after awaiting the
// name check) the Lock of each room the user is in, to announce the new name.
// Bug: the two take the same pair of locks in opposite orders. In this run the rename comes
// 5 ms after the join finished, so nothing hangs; had it come while the join awaited its history,
// each task would hold one lock, suspended on the other, and the loop would deadlock (CPython's
// asyncio hangs there; weft::aio's run() throws DeadlockError). weft run reports the cycle from
// the orders alone.
// Fix: one order for every task: rooms before users (rename collects the rooms first, takes
// their locks, then the user's).
#include <cstdio>
#include <string>
#include <vector>
#include <weft/asyncio.hpp>

#include "corpus_deadline.h"

namespace aio = weft::aio;

struct Room;
struct User {
  std::string name;
  std::vector<Room*> rooms;
  aio::Lock lock;
};
struct Room {
  std::vector<User*> members;
  std::vector<std::string> log;
  aio::Lock lock;
};

Room lobby{{}, {}, aio::Lock("room lobby")};
User ada{"ada", {}, aio::Lock("user ada")};

aio::Coro<> join(Room& room, User& user) {
  auto r = co_await room.lock.scoped();
  co_await aio::sleep(0.001);  // the room's history is loaded
  auto u = co_await user.lock.scoped();
  room.members.push_back(&user);
  user.rooms.push_back(&room);
  room.log.push_back(user.name + " joined");
}

aio::Coro<> rename(User& user, std::string name) {
  auto u = co_await user.lock.scoped();
  co_await aio::sleep(0.001);  // the new name is checked
  for (Room* room : user.rooms) {
    auto r = co_await room->lock.scoped();
    room->log.push_back(user.name + " is now " + name);
  }
  user.name = std::move(name);
}

aio::Coro<> main_coro() {
  auto j = aio::create_task(join(lobby, ada), "join");
  co_await aio::sleep(0.005);
  auto r = aio::create_task(rename(ada, "ada.l"), "rename");
  co_await aio::gather(j, r);
}

int main() {
  corpus_deadline_ms(2000);
  aio::run(main_coro());
  for (const auto& line : lobby.log) std::printf("lobby: %s\n", line.c_str());
  return 0;
}
