// ThreadSanitizer's printed reports as findings (runtime/tsan/tsan_stream.cpp): the report stream
// of clang's static runtime, which keeps its report hook to itself.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

#include "weft/runtime/tsan.hpp"

using weft::rt::tsan::parse_text_report;
using weft::rt::tsan::TextReport;

namespace {

// As clang 19's runtime prints it, for sources kept in a folder named tsan/ (which must not be
// mistaken for TSan's own frames), with libc and libstdc++ frames to skip.
const std::string kRace = R"(==================
WARNING: ThreadSanitizer: data race (pid=27793)
  Write of size 4 at 0x55bbb82f5b14 by thread T2:
    #0 bump_unlocked() /home/me/tsan/race.cpp:8:24 (race+0xe7c1e) (BuildId: d79fb7fe)
    #1 main::$_1::operator()() const /home/me/tsan/race.cpp:11:63 (race+0xe7c1e) (BuildId: d79fb7fe)
    #2 std::thread::_State_impl<...>::_M_run() /usr/include/c++/12/bits/std_thread.h:211:13 (race+0xe7c1e)
    #3 <null> <null> (libstdc++.so.6+0xd44a2) (BuildId: 2ff5d6b)

  Previous read of size 4 at 0x55bbb82f5b14 by main thread (mutexes: write M0):
    #0 report() /home/me/tsan/race.cpp:20:5 (race+0xe7d00) (BuildId: d79fb7fe)
    #1 main /home/me/tsan/race.cpp:31:3 (race+0xe7d40) (BuildId: d79fb7fe)

  Location is global 'hits' of size 4 at 0x55bbb82f5b14 (race+0x1525b14)

  Mutex M0 (0x55bbb82f5b40) created at:
    #0 pthread_mutex_lock <null> (race+0x6a1b0) (BuildId: d79fb7fe)
    #1 report() /home/me/tsan/race.cpp:19:3 (race+0xe7cf0) (BuildId: d79fb7fe)

  Thread T2 (tid=27797, running) created by main thread at:
    #0 pthread_create <null> (race+0x67a1b) (BuildId: d79fb7fe)
    #1 main /home/me/tsan/race.cpp:10:15 (race+0xe7d10) (BuildId: d79fb7fe)

SUMMARY: ThreadSanitizer: data race /home/me/tsan/race.cpp:8:24 in bump_unlocked()
==================
)";

}  // namespace

TEST_CASE("a printed data race: kind, both accesses' sites, TSan's wording, the threads' tids") {
  TextReport r;
  REQUIRE(parse_text_report(kRace, r));
  CHECK(r.finding.kind == "data-race");
  REQUIRE(r.finding.sites.size() == 2);
  CHECK(std::string(r.finding.sites[0].file_name()) == "/home/me/tsan/race.cpp");
  CHECK(r.finding.sites[0].line() == 8);
  CHECK(std::string(r.finding.sites[0].function_name()) == "bump_unlocked()");
  CHECK(r.finding.sites[1].line() == 20);
  CHECK(r.finding.message.find("write of 4 bytes at 0x55bbb82f5b14 by TSan thread T2") != std::string::npos);
  CHECK(r.finding.message.find("previous read of 4 bytes") != std::string::npos);
  CHECK(r.finding.message.find("std_thread.h") == std::string::npos);  // a system header's frame
  REQUIRE(r.tids.size() == 2);
  CHECK(r.tids[0] == 27797);
  CHECK(r.tids[1] == static_cast<int>(::getpid()));  // "main thread"
}

TEST_CASE("a printed data race names the recorded threads and mutexes by reference") {
  // The recording knows T2 (kernel tid 27797) as thread 4 and the main thread as 1, and the
  // mutex at 0x55bbb82f5b40 as object 9.
  weft::rt::tsan::g_object_at = [](const void* addr) noexcept -> weft::rt::ObjId {
    return reinterpret_cast<std::uintptr_t>(addr) == 0x55bbb82f5b40 ? 9 : 0;
  };
  TextReport r;
  REQUIRE(parse_text_report(kRace, r, [](int tid) -> std::uint32_t {
    return tid == 27797 ? 4 : tid == static_cast<int>(::getpid()) ? 1 : 0;
  }));
  weft::rt::tsan::g_object_at = nullptr;
  CHECK(r.finding.threads == std::vector<std::uint32_t>{4, 1});  // the accesses' order
  CHECK(r.finding.objects == std::vector<weft::rt::ObjId>{9});
  CHECK(r.finding.message.find("write of 4 bytes at 0x55bbb82f5b14 by {thread:4} (TSan's T2)") !=
        std::string::npos);
  CHECK(r.finding.message.find("previous read of 4 bytes at 0x55bbb82f5b14 by {thread:1} (TSan's main "
                               "thread)") != std::string::npos);
  CHECK(r.finding.message.find("; mutexes: {object:9}") != std::string::npos);
}

TEST_CASE("printed reports of TSan's other kinds map onto weft's ids") {
  TextReport r;
  REQUIRE(parse_text_report("WARNING: ThreadSanitizer: unlock of an unlocked mutex (or by a wrong "
                            "thread) (pid=1)\n    #0 pthread_mutex_unlock <null> (race+0x1)\n"
                            "    #1 release() /src/a.cpp:7:3 (race+0x2)\n",
                            r));
  CHECK(r.finding.kind == "unowned-release");
  REQUIRE(r.finding.sites.size() == 1);
  CHECK(r.finding.sites[0].line() == 7);
  REQUIRE(parse_text_report("WARNING: ThreadSanitizer: lock-order-inversion (potential deadlock) "
                            "(pid=1)\n",
                            r));
  CHECK(r.finding.kind == "lock-order-inversion");
  // The cycle's mutexes, by address, as the recorded locks.
  weft::rt::tsan::g_object_at = [](const void* addr) noexcept -> weft::rt::ObjId {
    auto a = reinterpret_cast<std::uintptr_t>(addr);
    return a == 0x558bb0c56ae8 ? 3 : a == 0x558bb0c56b10 ? 4 : 0;
  };
  REQUIRE(parse_text_report("WARNING: ThreadSanitizer: lock-order-inversion (potential deadlock) "
                            "(pid=1)\n  Cycle in lock order graph: M0 (0x558bb0c56ae8) => M1 "
                            "(0x558bb0c56b10) => M0\n",
                            r));
  weft::rt::tsan::g_object_at = nullptr;
  CHECK(r.finding.objects == std::vector<weft::rt::ObjId>{3, 4});
  REQUIRE(parse_text_report("WARNING: ThreadSanitizer: thread leak (pid=1)\n", r));
  CHECK(r.finding.kind == "api-misuse");
  CHECK(r.finding.message.rfind("ThreadSanitizer: thread-leak", 0) == 0);  // TSan's name kept
  REQUIRE(parse_text_report("WARNING: ThreadSanitizer: destroy of a locked mutex (pid=1)\n", r));
  CHECK(r.finding.kind == "destroy-in-use");
  CHECK_FALSE(parse_text_report("ThreadSanitizer: reported 1 warnings\n", r));
}
