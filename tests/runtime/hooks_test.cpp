// The recording switch: sinks, object ids, thread indexes, names of kinds.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>
#include <thread>

#include "weft/runtime/config.hpp"
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

TEST_CASE("the vocabulary keeps the trace format's values and meanings (runtime/vocabulary.json)") {
  // Values are on disk and in the page's payload (docs/trace-format.md): never renumbered.
  STATIC_REQUIRE(static_cast<int>(Ev::Create) == 1);
  STATIC_REQUIRE(static_cast<int>(Ev::WaitBegin) == 7);
  STATIC_REQUIRE(static_cast<int>(Ev::ThreadStart) == 15);
  STATIC_REQUIRE(static_cast<int>(Ev::DestroyBegin) == 25);
  STATIC_REQUIRE(static_cast<int>(Ev::Misuse) == 26);
  STATIC_REQUIRE(static_cast<int>(Ev::TaskResume) == 27);
  STATIC_REQUIRE(static_cast<int>(Ev::TaskSuspend) == 28);
  STATIC_REQUIRE(static_cast<int>(Ev::kCount) == 29);
  STATIC_REQUIRE(static_cast<int>(ObjKind::RecursiveMutex) == 13);
  STATIC_REQUIRE(static_cast<int>(ObjKind::SpinLock) == 19);
  STATIC_REQUIRE(static_cast<int>(ObjKind::AioTask) == 20);
  STATIC_REQUIRE(static_cast<int>(ObjKind::AioQueue) == 25);
  STATIC_REQUIRE(static_cast<int>(ObjKind::AioBarrier) == 26);
  STATIC_REQUIRE(static_cast<int>(ObjKind::Sleep) == 27);
  STATIC_REQUIRE(static_cast<int>(ObjKind::kCount) == 28);
  STATIC_REQUIRE(static_cast<int>(WaitResult::Failed) == 4);
  STATIC_REQUIRE(static_cast<int>(AcquireFail::Error) == 3);
  STATIC_REQUIRE(static_cast<int>(MisuseCode::DestroyBusy) == 10);
  // Which args are object ids (readers remap them like `obj`).
  std::set<Ev> object_args;
  for (int k = 1; k < static_cast<int>(Ev::kCount); ++k)
    if (arg_is_object(static_cast<Ev>(k))) object_args.insert(static_cast<Ev>(k));
  CHECK(object_args == std::set<Ev>{Ev::WaitBegin, Ev::ThreadStart, Ev::TaskSubmit, Ev::TaskStart,
                                     Ev::TaskSuspend});
  CHECK(arg_kind(Ev::WaitEnd) == ArgKind::WaitResult);
  CHECK(arg_kind(Ev::AcquireFailed) == ArgKind::AcquireFail);
  CHECK(arg_kind(Ev::Misuse) == ArgKind::MisuseCode);
  CHECK(arg_kind(Ev::Acquired) == ArgKind::Number);
  std::set<ObjKind> reentrant;
  for (int k = 0; k < static_cast<int>(ObjKind::kCount); ++k)
    if (is_reentrant(static_cast<ObjKind>(k))) reentrant.insert(static_cast<ObjKind>(k));
  CHECK(reentrant == std::set<ObjKind>{ObjKind::RLock, ObjKind::RecursiveMutex});
  CHECK(to_string(ObjKind::SpinLock) == "spinlock");
  CHECK(to_string(Ev::Misuse) == "misuse");
  CHECK(to_string(WaitResult::Timeout) == "timeout");
  CHECK(to_string(AcquireFail::WouldBlock) == "would-block");
  CHECK(misuse_kind(MisuseCode::UnlockNotOwner) == "unowned-release");
  CHECK(misuse_kind(MisuseCode::UseUninitialised) == "use-after-destroy");
  CHECK(misuse_kind(MisuseCode::DestroyBusy) == "destroy-in-use");
  CHECK(misuse_kind(MisuseCode::SemOverflow) == "api-misuse");
  CHECK(to_string(MisuseCode::BarrierCountZero) == "barrier initialised with count 0");
  CHECK(bug_kind::kLockOrderInversion == "lock-order-inversion");
}

TEST_CASE("the configuration reads every variable weft run sets, malformed numbers keep defaults") {
  const char* names[] = {"WEFT_TRACE", "WEFT_TRACE_ROOT", "WEFT_TRACE_STARTED",
                         "WEFT_TRACE_LIMIT_MB", "WEFT_TRACE_BLOCK_KB", "WEFT_CLOCK",
                         "WEFT_EXACT_TIMES", "WEFT_TSC_NS_PER_TICK", "WEFT_DETECT",
                         "WEFT_ON_DEADLOCK", "WEFT_CHAOS", "WEFT_SELF", "WEFT_PRELOAD_SELFTEST"};
  for (const char* n : names) ::unsetenv(n);
  Config d = Config::from_environment();
  CHECK(d.trace.empty());
  CHECK_FALSE(d.trace_root_named);
  CHECK_FALSE(d.trace_started);
  CHECK(d.limit_bytes == std::uint64_t{1024} << 20);
  CHECK(d.block_bytes == 32u << 10);
  CHECK_FALSE(d.monotonic_clock);
  CHECK(d.exact_times);
  CHECK(d.tsc_ns_per_tick == 0);
  CHECK(d.detect);
  CHECK(d.stop_on_deadlock);
  CHECK(d.chaos_seed == 0);

  ::setenv("WEFT_TRACE", "/tmp/x.trace", 1);
  ::setenv("WEFT_TRACE_ROOT", "4242", 1);
  ::setenv("WEFT_TRACE_STARTED", "1", 1);
  ::setenv("WEFT_TRACE_LIMIT_MB", "8", 1);
  ::setenv("WEFT_TRACE_BLOCK_KB", "4", 1);
  ::setenv("WEFT_CLOCK", "monotonic", 1);
  ::setenv("WEFT_EXACT_TIMES", "0", 1);
  ::setenv("WEFT_TSC_NS_PER_TICK", "0.25", 1);
  ::setenv("WEFT_DETECT", "0", 1);
  ::setenv("WEFT_ON_DEADLOCK", "continue", 1);
  ::setenv("WEFT_CHAOS", "17", 1);
  ::setenv("WEFT_SELF", "/usr/bin/weft", 1);
  Config c = Config::from_environment();
  CHECK(c.trace == "/tmp/x.trace");
  CHECK(c.trace_root_named);
  CHECK(c.trace_root_pid == 4242);
  CHECK(c.trace_started);
  CHECK(c.limit_bytes == std::uint64_t{8} << 20);
  CHECK(c.block_bytes == 4u << 10);
  CHECK(c.monotonic_clock);
  CHECK_FALSE(c.exact_times);
  CHECK(c.tsc_ns_per_tick == 0.25);
  CHECK_FALSE(c.detect);
  CHECK_FALSE(c.stop_on_deadlock);
  CHECK(c.chaos_seed == 17);
  CHECK(c.self == "/usr/bin/weft");

  ::setenv("WEFT_TRACE_LIMIT_MB", "8M", 1);        // not a number: the default
  ::setenv("WEFT_TSC_NS_PER_TICK", "1e9", 1);      // out of range: calibrate instead
  ::setenv("WEFT_CHAOS", "yes", 1);
  Config bad = Config::from_environment();
  CHECK(bad.limit_bytes == std::uint64_t{1024} << 20);
  CHECK(bad.tsc_ns_per_tick == 0);
  CHECK(bad.chaos_seed == 0);
  for (const char* n : names) ::unsetenv(n);
}
