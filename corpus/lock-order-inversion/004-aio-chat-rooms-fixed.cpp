// lock-order-inversion, weft::aio flavour, fixed: the chat server of the buggy twin with one lock
// order for every task, rooms before users. `rename` reads the user's rooms, takes their locks,
// then the user's; a join that runs meanwhile waits for a room lock it would have needed first
// anyway, so no task can hold a user's lock while waiting for a room's.
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
  std::vector<Room*> rooms = user.rooms;  // a snapshot: one room lock each, in the rooms' order
  std::vector<aio::Scoped<aio::Lock>> held;
  for (Room* room : rooms) held.push_back(co_await room->lock.scoped());
  auto u = co_await user.lock.scoped();
  co_await aio::sleep(0.001);  // the new name is checked
  for (Room* room : rooms) room->log.push_back(user.name + " is now " + name);
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
