// The recording switch: sinks, object ids, thread indexes, names of kinds.
#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "weft/runtime/event.hpp"
#include "weft/runtime/memory_sink.hpp"

using namespace weft::rt;

TEST_CASE("no sink: nothing is recorded and ids are still unique") {
  REQUIRE(active_sink() == nullptr);
  ObjId a = new_object(ObjKind::Lock, "a");
  ObjId b = new_object(ObjKind::Lock, "b");
  CHECK(a != 0);
  CHECK(b != 0);
  CHECK(a != b);
  emit(Ev::Acquired, a, 1, std::source_location::current());  // must not crash
}

TEST_CASE("a MemorySink sees objects and events with their call sites") {
  ObjId id;
  std::uint32_t line;
  {
    MemorySink sink;
    REQUIRE(active_sink() == &sink);
    id = new_object(ObjKind::Event, "start");
    line = __LINE__ + 1;
    emit(Ev::Set, id, 0, std::source_location::current());
    auto objs = sink.objects();
    REQUIRE(objs.size() == 1);
    CHECK(objs[0].id == id);
    CHECK(objs[0].kind == ObjKind::Event);
    CHECK(objs[0].name == "start");
    auto evs = sink.events_for(id);
    REQUIRE(evs.size() == 1);
    CHECK(evs[0].kind == Ev::Set);
    CHECK(evs[0].line == line);
    CHECK(std::string(evs[0].file).find("hooks_test.cpp") != std::string::npos);
  }
  CHECK(active_sink() == nullptr);
}

TEST_CASE("sinks nest: the previous one is restored") {
  MemorySink outer;
  {
    MemorySink inner;
    CHECK(active_sink() == &inner);
  }
  CHECK(active_sink() == &outer);
}

TEST_CASE("thread indexes are dense, stable per thread, distinct across threads") {
  std::uint32_t mine = current_thread_index();
  CHECK(mine == current_thread_index());
  std::set<std::uint32_t> seen{mine};
  for (int i = 0; i < 4; ++i) {
    std::uint32_t other = 0;
    std::thread([&] { other = current_thread_index(); }).join();
    CHECK(other != 0);
    CHECK(seen.insert(other).second);
  }
}

TEST_CASE("thread names reach the sink as UTF-8") {
  MemorySink sink;
  name_current_thread("子线程-0");
  auto names = sink.thread_names();
  REQUIRE(names.size() == 1);
  CHECK(names[0].second == "子线程-0");
}

TEST_CASE("every kind has a stable, distinct name") {
  std::set<std::string_view> names;
  for (int k = 1; k < static_cast<int>(Ev::kCount); ++k) {
    auto n = to_string(static_cast<Ev>(k));
    CHECK(n != "unknown");
    CHECK(names.insert(n).second);
  }
  CHECK(to_string(Ev::AcquireBegin) == "acquire-begin");
  CHECK(to_string(ObjKind::RLock) == "rlock");
}
