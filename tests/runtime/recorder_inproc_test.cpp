// The Recorder used directly as a Sink in this process: overflow policy, clock, findings.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>
#include <thread>

#include "weft/runtime/recorder.hpp"
#include "weft/runtime/trace_reader.hpp"

using namespace weft;

namespace {
// Temporary directories, removed when the test program exits.
struct TempDirs {
  std::vector<std::string> dirs;
  ~TempDirs() {
    for (const auto& d : dirs) std::filesystem::remove_all(d);
  }
} g_temp_dirs;

std::string temp_path() {
  char tmpl[] = "/tmp/weft-inproc-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  g_temp_dirs.dirs.push_back(tmpl);
  return std::string(tmpl) + "/t.trace";
}
}  // namespace

TEST_CASE("overflow is never silent: kept + dropped == emitted") {
  std::string path = temp_path();
  const long emitted = 400000;  // ~3 MB of events into a 1 MiB area
  {
    rt::Recorder rec({.path = path, .limit_bytes = 1u << 20, .block_bytes = 16u << 10});
    for (long i = 0; i < emitted; ++i)
      rec.on_event(rt::Ev::Acquired, 7, 1, std::source_location::current());
    CHECK(rec.dropped() > 0);
  }
  trace::Trace t = trace::read_trace(path);
  CHECK(t.dropped > 0);
  CHECK(static_cast<long>(t.events.size() + t.dropped) == emitted);
  CHECK_FALSE(t.warnings.empty());
}

TEST_CASE("both clocks give ordered nanoseconds close to real time") {
  for (bool mono : {false, true}) {
    INFO("monotonic " << mono);
    std::string path = temp_path();
    {
      rt::Recorder rec({.path = path, .monotonic_clock = mono});
      rec.on_event(rt::Ev::Set, 1, 0, std::source_location::current());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      rec.on_event(rt::Ev::Clear, 1, 0, std::source_location::current());
    }
    trace::Trace t = trace::read_trace(path);
    REQUIRE(t.events.size() == 2);
    std::uint64_t gap = t.events[1].ts_ns - t.events[0].ts_ns;
    CHECK(gap >= 19000000);
    CHECK(gap < 200000000);
  }
}

TEST_CASE("a fatal finding is in the file when the process is stopped right after") {
  std::string path = temp_path();
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    rt::Recorder* rec = new rt::Recorder({.path = path});
    rt::FindingRecord f;
    f.kind = "deadlock";
    f.message = "threads #1 and #2 wait for each other";
    f.threads = {rt::current_thread_index(), 999};
    f.objects = {3, 4};
    f.fatal = true;
    rec->on_finding(f);
    ::_exit(86);  // no destructor, no atexit: like a detector stopping the process
  }
  int st;
  ::waitpid(pid, &st, 0);
  REQUIRE(WIFEXITED(st));
  REQUIRE(WEXITSTATUS(st) == 86);
  trace::Trace t = trace::read_trace(path);
  REQUIRE(t.findings.size() == 1);
  CHECK(t.findings[0].kind == "deadlock");
  CHECK(t.findings[0].objects == std::vector<rt::ObjId>{3, 4});
  // The reporting thread is in the trace; thread 999 never recorded anything, so it is not.
  REQUIRE(t.findings[0].threads.size() == 1);
  CHECK(t.threads.at(t.findings[0].threads[0]).pid == static_cast<std::uint32_t>(pid));
}

TEST_CASE("thread names and long strings survive the round trip") {
  std::string path = temp_path();
  std::string long_name(10000, 'n');
  {
    rt::Recorder rec({.path = path});
    std::thread([&] {
      rec.on_thread_name("子线程-0");
      rec.on_object(5, rt::ObjKind::Event, long_name, std::source_location::current());
    }).join();
  }
  trace::Trace t = trace::read_trace(path);
  REQUIRE(t.threads.size() == 1);
  CHECK(t.threads[0].name == "子线程-0");
  REQUIRE(t.objects.size() == 1);
  CHECK(t.objects[0].name == std::string(4096, 'n'));  // cut at the format's limit
}
