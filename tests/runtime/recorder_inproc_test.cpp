// The Recorder used directly as a Sink in this process: overflow policy, clock, findings.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>
#include <thread>

#include "weft/runtime/recorder.hpp"
#include "weft/runtime/trace_format.hpp"
#include "weft/runtime/trace_reader.hpp"
#include "weft/runtime/tsan.hpp"
#include "temp_dirs.hpp"

using namespace weft;

namespace {
std::string temp_path() { return test::temp_dir("inproc") + "/t.trace"; }
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

namespace {
// The events of `t` on object `obj`, in trace order.
std::vector<trace::Event> events_of(const trace::Trace& t, rt::ObjId obj) {
  std::vector<trace::Event> out;
  for (const auto& e : t.events)
    if (e.obj == obj) out.push_back(e);
  return out;
}
}  // namespace

TEST_CASE("an acquisition that did not block is dated from its neighbours, keeping exclusion") {
  using std::chrono::milliseconds;
  const auto here = std::source_location::current();
  for (bool exact : {false, true}) {
    INFO("exact_times " << exact);
    std::string path = temp_path();
    {
      rt::Recorder rec({.path = path, .exact_times = exact});
      std::atomic<int> step{0};
      // Thread B records something, then takes lock 1 only after thread A released it.
      std::thread b([&] {
        rec.on_event(rt::Ev::Set, 20, 0, here);
        step.store(1);
        while (step.load() != 2) std::this_thread::yield();
        rec.on_event(rt::Ev::Acquired, 1, 1, here);  // did not block: no AcquireBegin
        rec.on_event(rt::Ev::Release, 1, 0, here);
      });
      while (step.load() != 1) std::this_thread::yield();
      rec.on_event(rt::Ev::Set, 10, 0, here);
      std::this_thread::sleep_for(milliseconds(5));
      rec.on_event(rt::Ev::Acquired, 1, 1, here);
      std::this_thread::sleep_for(milliseconds(5));
      rec.on_event(rt::Ev::Release, 1, 0, here);
      // A contended acquisition: AcquireBegin, then Acquired 5 ms later.
      rec.on_event(rt::Ev::AcquireBegin, 2, 0, here);
      std::this_thread::sleep_for(milliseconds(5));
      rec.on_event(rt::Ev::Acquired, 2, 1, here);
      rec.on_event(rt::Ev::Release, 2, 0, here);
      std::this_thread::sleep_for(milliseconds(5));
      step.store(2);
      b.join();
    }
    trace::Trace t = trace::read_trace(path);
    auto lock1 = events_of(t, 1);
    REQUIRE(lock1.size() == 4);
    // Mutual exclusion holds in the merged timeline: A acquired, A released, B acquired, B released.
    CHECK(lock1[0].kind == rt::Ev::Acquired);
    CHECK(lock1[1].kind == rt::Ev::Release);
    CHECK(lock1[2].kind == rt::Ev::Acquired);
    CHECK(lock1[3].kind == rt::Ev::Release);
    CHECK(lock1[0].thread == lock1[1].thread);
    CHECK(lock1[2].thread == lock1[3].thread);
    CHECK(lock1[0].thread != lock1[2].thread);
    CHECK(lock1[2].ts_ns >= lock1[1].ts_ns);
    CHECK(lock1[2].ts_ns <= lock1[3].ts_ns);
    auto set_a = events_of(t, 10);
    REQUIRE(set_a.size() == 1);
    std::uint64_t since_set = lock1[0].ts_ns - set_a[0].ts_ns;
    if (exact) {
      CHECK(since_set >= 4000000);  // its own clock reading, 5 ms after the Set
    } else {
      CHECK(since_set < 1000000);   // dated at its thread's previous record
      // ...and B's acquisition, whose own previous record is older, just after A's release.
      CHECK(lock1[2].ts_ns - lock1[1].ts_ns < 1000000);
    }
    // A contended acquisition always has its own time.
    auto lock2 = events_of(t, 2);
    REQUIRE(lock2.size() == 3);
    CHECK(lock2[1].kind == rt::Ev::Acquired);
    CHECK(lock2[1].ts_ns - lock2[0].ts_ns >= 4000000);
  }
}

TEST_CASE("ThreadSanitizer's races are one finding per pair of access sites, either way round") {
  std::string path = temp_path();
  {
    rt::Recorder rec({.path = path});
    auto a = rt::tsan::make_site("/src/race.cpp", 8, "bump()");
    auto b = rt::tsan::make_site("/src/race.cpp", 20, "report()");
    auto c = rt::tsan::make_site("/src/race.cpp", 31, "main");
    auto race = [&](const char* message, std::source_location x, std::source_location y) {
      rt::FindingRecord f;
      f.kind = "data-race";
      f.message = message;
      f.threads = {rt::current_thread_index()};
      f.sites = {x, y};
      rec.on_finding(f);
    };
    race("ThreadSanitizer: data-race; write of 4 bytes at 0x10 by TSan thread T2", a, b);
    race("ThreadSanitizer: data-race; read of 4 bytes at 0x14 by TSan thread T3", b, a);
    race("ThreadSanitizer: data-race; write of 4 bytes at 0x10 by TSan thread T4", a, c);
  }
  trace::Trace t = trace::read_trace(path);
  REQUIRE(t.findings.size() == 2);
  CHECK(t.findings[0].count == 2);
  CHECK(t.findings[0].message.find("at 0x10 by TSan thread T2") != std::string::npos);  // the first
  CHECK(t.findings[1].count == 1);
}

TEST_CASE("a lock-reentry confirmed by the watchdog is one finding with the confirmed wording") {
  std::string path = temp_path();
  {
    rt::Recorder rec({.path = path});
    auto taken = std::source_location::current();
    auto again = std::source_location::current();
    auto relock = [&](const char* message, bool fatal, std::source_location second) {
      rt::FindingRecord f;
      f.kind = "lock-reentry";
      f.message = message;
      f.threads = {rt::current_thread_index()};
      f.objects = {7};
      f.sites = {taken, second};
      f.fatal = fatal;
      rec.on_finding(f);
    };
    relock("re-lock; another thread may unlock it", false, again);
    relock("re-lock; still blocked: self-deadlock", true, again);
    relock("re-lock elsewhere; another thread may unlock it", false, taken);  // another site
  }
  trace::Trace t = trace::read_trace(path);
  REQUIRE(t.findings.size() == 2);
  CHECK(t.findings[0].message == "re-lock; still blocked: self-deadlock");
  CHECK(t.findings[0].count == 1);  // a confirmation, not a repeat
  CHECK(t.findings[1].message == "re-lock elsewhere; another thread may unlock it");
}

TEST_CASE("a read without events gives the full read's summary: counts, threads, objects, findings") {
  const auto here = std::source_location::current();
  std::string path = temp_path();
  {
    rt::Recorder rec({.path = path, .exact_times = false});  // undated acquisitions too
    rec.on_object(1, rt::ObjKind::Mutex, "m1", here);
    rec.on_object(2, rt::ObjKind::Condition, "c1", here);
    rec.on_thread_name("main-thread");
    auto work = [&](int n) {
      for (int i = 0; i < n; ++i) {
        rec.on_event(rt::Ev::Acquired, 1, 1, here);
        rec.on_event(rt::Ev::Release, 1, 0, here);
      }
    };
    std::thread a([&] {
      rec.on_thread_name("worker-a");
      work(300);
    });
    a.join();
    // A thread that writes nothing but a finding naming another thread: the watchdog's shape,
    // which neither read lists as a thread.
    std::thread w([&] {
      rt::FindingRecord f;
      f.kind = "lock-reentry";
      f.message = "re-lock of {object:1}";
      f.threads = {1};
      f.objects = {1};
      f.sites = {here};
      rec.on_finding(f);
    });
    w.join();
    work(200);
  }
  trace::Trace full = trace::read_trace(path);
  trace::Trace brief = trace::read_trace(path, {.events = false});
  CHECK(brief.events.empty());
  REQUIRE(full.events.size() == 2 + 2 * 500);
  CHECK(full.event_count == full.events.size());
  CHECK(brief.event_count == full.events.size());
  CHECK(brief.undated_acquisitions == full.undated_acquisitions);
  CHECK(full.undated_acquisitions > 0);
  REQUIRE(brief.threads.size() == full.threads.size());
  CHECK(full.threads.size() == 2);
  for (std::size_t i = 0; i < full.threads.size(); ++i) {
    CHECK(brief.threads[i].name == full.threads[i].name);
    CHECK(brief.threads[i].os_tid == full.threads[i].os_tid);
  }
  REQUIRE(brief.objects.size() == full.objects.size());
  for (std::size_t i = 0; i < full.objects.size(); ++i) CHECK(brief.objects[i].name == full.objects[i].name);
  REQUIRE(brief.findings.size() == 1);
  REQUIRE(full.findings.size() == 1);
  CHECK(brief.findings[0].message == full.findings[0].message);
  CHECK(brief.warnings == full.warnings);
  CHECK(brief.processes.size() == full.processes.size());
}

TEST_CASE("short-lived threads give back the unused rest of their block as they end") {
  std::string path = temp_path();
  const int threads = 400;
  const std::uint32_t block = 32u << 10;
  {
    rt::Recorder rec({.path = path, .limit_bytes = 64u << 20, .block_bytes = block});
    for (int i = 0; i < threads; ++i) {
      std::thread([&rec, i] {
        rec.on_event(rt::Ev::ThreadStart, 100 + i, 0, std::source_location::current());
        for (int k = 0; k < 5; ++k) {
          rec.on_event(rt::Ev::Acquired, 7, 1, std::source_location::current());
          rec.on_event(rt::Ev::Release, 7, 0, std::source_location::current());
        }
        rec.on_event(rt::Ev::ThreadEnd, 100 + i, 0, std::source_location::current());
        // A late event (a thread_local destructor's) after the end is still kept.
        rec.on_event(rt::Ev::Set, 9, 0, std::source_location::current());
      }).join();
    }
  }
  trace::Trace t = trace::read_trace(path);
  CHECK(t.warnings.empty());
  CHECK(t.dropped == 0);
  CHECK(t.events.size() == static_cast<std::size_t>(threads) * 13);
  // Each thread ends in the last block: the file (grown 1 MiB at a time) holds a small fraction
  // of one block per thread (without giving back, 400 x 32 KiB = 12.8 MiB of blocks).
  auto size = std::filesystem::file_size(path);
  INFO("file bytes " << size);
  CHECK(size < static_cast<std::uintmax_t>(threads) * block / 8);
}

TEST_CASE("threads ending side by side leave their unused rests to the threads after them") {
  std::string path = temp_path();
  const int rounds = 50, width = 8;
  const std::uint32_t block = 32u << 10;
  {
    rt::Recorder rec({.path = path, .limit_bytes = 64u << 20, .block_bytes = block});
    for (int r = 0; r < rounds; ++r) {
      std::barrier all_have_blocks(width);
      std::vector<std::thread> ts;
      for (int i = 0; i < width; ++i)
        ts.emplace_back([&rec, &all_have_blocks, r, i] {
          rec.on_event(rt::Ev::ThreadStart, 1000 + r * 8 + i, 0, std::source_location::current());
          all_have_blocks.arrive_and_wait();  // every block allocated before any thread ends
          for (int k = 0; k < 5; ++k)
            rec.on_event(rt::Ev::Acquired, 7, 1, std::source_location::current());
          rec.on_event(rt::Ev::ThreadEnd, 1000 + r * 8 + i, 0, std::source_location::current());
        });
      for (auto& t : ts) t.join();
    }
  }
  trace::Trace t = trace::read_trace(path);
  CHECK(t.warnings.empty());
  CHECK(t.dropped == 0);
  CHECK(t.events.size() == static_cast<std::size_t>(rounds * width * 7));
  // Without reuse only the last block of each round shrinks: 50 x 7 x 32 KiB = 11 MiB.
  auto size = std::filesystem::file_size(path);
  INFO("file bytes " << size);
  CHECK(size < static_cast<std::uintmax_t>(rounds) * width * block / 8);
}

TEST_CASE("a last block whose capacity outruns blocks_bytes reads whole (a death mid give-back)") {
  std::string path = temp_path();
  {
    rt::Recorder rec({.path = path, .block_bytes = 32u << 10});
    for (int k = 0; k < 20; ++k)
      rec.on_event(rt::Ev::Acquired, 7, 1, std::source_location::current());
  }
  std::size_t before = trace::read_trace(path).events.size();
  REQUIRE(before == 20);
  // The give-back's first store only: blocks_bytes ends at the records, capacity still 32 KiB.
  std::FILE* f = std::fopen(path.c_str(), "r+b");
  REQUIRE(f != nullptr);
  weft::trace::format::BlockHeader bh{};
  REQUIRE(std::fseek(f, weft::trace::format::kSegmentHeaderBytes, SEEK_SET) == 0);
  REQUIRE(std::fread(&bh, sizeof bh, 1, f) == 1);
  REQUIRE(bh.capacity == (32u << 10));
  std::uint64_t blocks = weft::trace::format::kBlockHeaderBytes + ((bh.used + 7u) & ~7u);
  REQUIRE(std::fseek(f, offsetof(weft::trace::format::SegmentHeader, blocks_bytes), SEEK_SET) == 0);
  REQUIRE(std::fwrite(&blocks, sizeof blocks, 1, f) == 1);
  std::fclose(f);
  trace::Trace t = trace::read_trace(path);
  CHECK(t.events.size() == before);
  CHECK(t.warnings.empty());
}

TEST_CASE("part files: exactly <trace>.<pid>.<k>.part, listed in order") {
  std::string path = temp_path();  // <dir>/t.trace
  std::string dir = path.substr(0, path.rfind('/'));
  for (const char* name : {"t.trace.12.1.part", "t.trace.12.0.part", "t.trace.7.0.part",
                           "t.trace.12.part", "t.trace.x.0.part", "t.trace.12.0.partial",
                           "u.trace.12.0.part", "t.trace..0.part"}) {
    std::FILE* f = std::fopen((dir + "/" + name).c_str(), "w");
    REQUIRE(f != nullptr);
    std::fclose(f);
  }
  std::vector<std::string> want = {dir + "/t.trace.12.0.part", dir + "/t.trace.12.1.part",
                                   dir + "/t.trace.7.0.part"};
  CHECK(trace::trace_part_files(path) == want);
}

TEST_CASE("a fork's child does not take the parent's free blocks") {
  std::string path = temp_path();
  rt::Recorder rec({.path = path, .limit_bytes = 64u << 20, .block_bytes = 32u << 10});
  // Two threads at once: the first to end leaves a free block (the other's block follows it).
  std::barrier both(2);
  std::atomic<int> ended{0};
  auto body = [&](int i) {
    rec.on_event(rt::Ev::ThreadStart, 50 + i, 0, std::source_location::current());
    both.arrive_and_wait();
    if (i == 1) while (ended.load() == 0) std::this_thread::yield();  // thread 0 ends first
    rec.on_event(rt::Ev::ThreadEnd, 50 + i, 0, std::source_location::current());
    ended.fetch_add(1);
  };
  std::thread a(body, 0), b(body, 1);
  a.join();
  b.join();
  std::string child_path = path + ".child";
  rec.before_fork();
  pid_t pid = ::fork();
  if (pid != 0) rec.after_fork_parent();
  if (pid == 0) {
    rec.after_fork_child(child_path);
    std::thread([&] {  // a new thread needs a block: it must come from the child's own file
      for (int k = 0; k < 10; ++k)
        rec.on_event(rt::Ev::Acquired, 7, 1, std::source_location::current());
    }).join();
    rec.close();
    ::_exit(trace::read_trace(child_path).events.size() == 10 ? 0 : 3);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

namespace {
// Every event of a full read, in its order, against what EventReader::for_each streams.
void check_streams_as_full_read(const std::string& path) {
  trace::Trace full = trace::read_trace(path);
  trace::EventReader reader(path);
  std::vector<trace::Event> streamed;
  std::uint64_t n = reader.for_each([&](const trace::Event& e) { streamed.push_back(e); });
  CHECK(n == streamed.size());
  CHECK(reader.trace().events.empty());
  CHECK(reader.trace().event_count == full.event_count);
  REQUIRE(streamed.size() == full.events.size());
  std::size_t differ = 0, first = 0;
  for (std::size_t i = 0; i < streamed.size(); ++i) {
    const auto& a = streamed[i];
    const auto& b = full.events[i];
    if (a.ts_ns != b.ts_ns || a.thread != b.thread || a.kind != b.kind || a.obj != b.obj ||
        a.arg != b.arg || a.site != b.site) {
      if (differ++ == 0) first = i;
    }
  }
  INFO("first difference at event " << first);
  CHECK(differ == 0);
  REQUIRE(reader.trace().threads.size() == full.threads.size());
  for (std::size_t i = 0; i < full.threads.size(); ++i)
    CHECK(reader.trace().threads[i].start_site == full.threads[i].start_site);
  // A second pass reads the files again and gives the same count.
  CHECK(reader.for_each([](const trace::Event&) {}) == n);
}
}  // namespace

TEST_CASE("the event reader streams a full read's events in its order, holding none") {
  std::string path = temp_path();
  const bool exact = GENERATE(true, false);  // false: undated acquisitions, dated while streaming
  INFO("exact_times " << exact);
  {
    rt::Recorder rec({.path = path, .limit_bytes = 64u << 20, .block_bytes = 16u << 10,
                      .exact_times = exact});
    rec.on_object(1, rt::ObjKind::Mutex, "shared", std::source_location::current());
    rec.on_event(rt::Ev::ThreadStart, 100, 0, std::source_location::current());
    {
      // Two undated acquisitions in a row, the first after another thread's release of its lock:
      // dated, the second (lock 3, never released) comes before the first (lock 2).
      rec.on_event(rt::Ev::AcquireBegin, 4, 0, std::source_location::current());
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      std::thread([&rec] {
        rec.on_event(rt::Ev::Release, 2, 0, std::source_location::current());
      }).join();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      rec.on_event(rt::Ev::Acquired, 2, 1, std::source_location::current());
      rec.on_event(rt::Ev::Acquired, 3, 1, std::source_location::current());
      rec.on_event(rt::Ev::Notify, 4, 1, std::source_location::current());
    }
    // Four threads on one lock and one each, several blocks apiece, objects made along the way:
    // their blocks interleave in the file, many events share a time with another thread's, and
    // the first thread to end gives back the rest of its block, which a later block of another
    // thread reuses: that thread's blocks are then out of file order.
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&rec, i] {
        rec.on_event(rt::Ev::ThreadStart, 200 + i, 0, std::source_location::current());
        rec.on_object(10 + i, rt::ObjKind::Lock, "own", std::source_location::current());
        for (int k = 0; k < 6000; ++k) {
          rt::ObjId o = k % 3 == 0 ? 1 : 10 + i;
          if (k % 7 == 0) rec.on_event(rt::Ev::AcquireBegin, o, 0, std::source_location::current());
          rec.on_event(rt::Ev::Acquired, o, 1, std::source_location::current());
          rec.on_event(rt::Ev::Release, o, 0, std::source_location::current());
        }
        rec.on_event(rt::Ev::ThreadEnd, 200 + i, 0, std::source_location::current());
      });
    }
    for (auto& t : threads) t.join();
    // A fork child records to a part file of its own: a second segment, merged by time.
    rec.before_fork();
    pid_t pid = ::fork();
    if (pid != 0) rec.after_fork_parent();
    if (pid == 0) {
      rec.after_fork_child(path + "." + std::to_string(::getpid()) + ".1.part");
      for (int k = 0; k < 500; ++k) {
        rec.on_event(rt::Ev::Acquired, 1, 1, std::source_location::current());  // the parent's
        rec.on_event(rt::Ev::Release, 1, 0, std::source_location::current());
      }
      rec.close();
      ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    for (int k = 0; k < 500; ++k) {
      rec.on_event(rt::Ev::Acquired, 1, 1, std::source_location::current());
      rec.on_event(rt::Ev::Release, 1, 0, std::source_location::current());
    }
  }
  REQUIRE(trace::trace_part_files(path).size() == 1);
  {
    trace::Trace full = trace::read_trace(path);
    CHECK(full.processes.size() == 2);
    CHECK(full.events.size() > 4 * 12000);
    if (!exact) CHECK(full.undated_acquisitions > 0);
  }
  check_streams_as_full_read(path);

  SECTION("merged into one file") {
    trace::consolidate_trace(path);
    REQUIRE(trace::trace_part_files(path).empty());
    check_streams_as_full_read(path);
  }
  SECTION("cut in the middle of a block") {
    trace::consolidate_trace(path);
    std::filesystem::resize_file(path, std::filesystem::file_size(path) * 2 / 3 + 5);
    CHECK(trace::read_trace(path).truncated);
    check_streams_as_full_read(path);
  }
  SECTION("a file that changes after the summary was read is an error, not a crash") {
    trace::consolidate_trace(path);
    trace::EventReader reader(path);
    std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
    CHECK_THROWS_AS(reader.for_each([](const trace::Event&) {}), trace::TraceError);
  }
}
