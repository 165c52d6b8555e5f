// Flight-recorder mode (issue 19): the Recorder with RecorderOptions::ring_bytes / ring_ns keeps
// the most recent events of every thread, every object, thread name and finding, and says what it
// overwrote; the trace stays readable when the process is killed or the file is cut.
#include <catch2/catch.hpp>

#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "weft/runtime/config.hpp"
#include "weft/runtime/recorder.hpp"
#include "weft/runtime/trace_format.hpp"
#include "weft/runtime/trace_reader.hpp"
#include "temp_dirs.hpp"

using namespace weft;

namespace {

std::string temp_path() { return test::temp_dir("ring") + "/t.trace"; }

constexpr rt::ObjId kLock = 1;

// One worker: its name, an object of its own, then `n` lock events whose `arg` counts 0..n-1
// (Acquired and Release alternately), with a second object and a finding in the middle.
// `started` (if given) counts the workers that have recorded their first event.
void work(rt::Recorder& rec, int k, std::uint64_t n, std::atomic<int>* started = nullptr) {
  rec.on_thread_name("worker-" + std::to_string(k));
  rec.on_object(100 + static_cast<rt::ObjId>(k), rt::ObjKind::Mutex, "own-" + std::to_string(k),
                std::source_location::current());
  for (std::uint64_t i = 0; i < n; ++i) {
    if (i == n / 2) {
      rec.on_object(200 + static_cast<rt::ObjId>(k), rt::ObjKind::Condition,
                    "mid-" + std::to_string(k), std::source_location::current());
      rt::FindingRecord f;
      f.kind = "lock-order-inversion";
      f.message = "found halfway by worker " + std::to_string(k);
      f.threads = {rt::current_thread_index()};
      f.objects = {kLock};
      rec.on_finding(f);
    }
    rec.on_event(i % 2 ? rt::Ev::Release : rt::Ev::Acquired, kLock, i,
                 std::source_location::current());
    if (i == 0 && started != nullptr) started->fetch_add(1);
  }
}

// Per thread (by name): the `arg`s of its lock events, in trace order.
std::map<std::string, std::vector<std::uint64_t>> args_by_thread(const trace::Trace& t) {
  std::map<std::string, std::vector<std::uint64_t>> out;
  for (const auto& e : t.events)
    if (e.obj == kLock && (e.kind == rt::Ev::Acquired || e.kind == rt::Ev::Release))
      out[t.threads.at(e.thread).name].push_back(e.arg);
  return out;
}

// What every flight-recorder trace of work() must hold: each worker's kept events are exactly
// the last ones it emitted, kept + overwritten == emitted, and nothing but events was lost.
void check_window(const trace::Trace& t, int workers, std::uint64_t n) {
  auto args = args_by_thread(t);
  std::uint64_t overwritten = 0;
  for (int k = 0; k < workers; ++k) {
    std::string name = "worker-" + std::to_string(k);
    INFO(name);
    const trace::Thread* th = nullptr;
    for (const auto& x : t.threads)
      if (x.name == name) th = &x;
    REQUIRE(th != nullptr);  // its name is kept, even when its first block is long gone
    const auto& a = args[name];
    REQUIRE(!a.empty());
    CHECK(a.size() + th->overwritten == n);
    for (std::size_t i = 0; i < a.size(); ++i) {  // a contiguous run ending at the last event
      if (a[i] != n - a.size() + i) {
        FAIL("event " << i << " of the kept window has arg " << a[i] << ", expected "
                      << n - a.size() + i);
      }
    }
    overwritten += th->overwritten;
    // Objects made before the window and in it, and the finding made halfway: all kept.
    CHECK(t.object(100 + static_cast<rt::ObjId>(k)) != nullptr);
    CHECK(t.object(200 + static_cast<rt::ObjId>(k)) != nullptr);
    bool found = false;
    for (const auto& f : t.findings)
      found |= f.message == "found halfway by worker " + std::to_string(k);
    CHECK(found);
  }
  CHECK(overwritten == t.overwritten);
  CHECK(t.dropped == 0);
}

}  // namespace

TEST_CASE("flight-recorder mode keeps the last window, every object, name and finding across ring wraps") {
  std::string path = temp_path();
  const int workers = 3;
  const std::uint64_t n = 300000;  // ~1.5 MB of events per worker into a 256 KiB ring
  const std::uint64_t ring = 256u << 10;
  std::uint64_t recorder_overwritten = 0;
  {
    rt::Recorder rec({.path = path, .block_bytes = 16u << 10, .ring_bytes = ring});
    std::vector<std::thread> pool;
    for (int k = 0; k < workers; ++k) pool.emplace_back([&rec, k, n] { work(rec, k, n); });
    for (auto& th : pool) th.join();
    recorder_overwritten = rec.overwritten();
  }
  trace::Trace t = trace::read_trace(path);
  CHECK(t.overwritten == recorder_overwritten);
  CHECK(t.overwritten > 2 * n);  // the ring wrapped many times
  check_window(t, workers, n);
  REQUIRE(t.processes.size() == 1);
  CHECK(t.processes[0].keep_last_bytes == ring);
  CHECK(t.processes[0].overwritten == t.overwritten);
  // Bounded: the event blocks stay within the ring, plus one block per thread being written and
  // the keep blocks (a few KiB); consolidation has not run, so this is the live file's area.
  std::uintmax_t size = std::filesystem::file_size(path);
  CHECK(size < ring + 8 * (16u << 10) + (1u << 20));  // the file grows in 1 MiB steps
  // The window start is the latest overwritten event: before every thread's last event.
  CHECK(t.window_start_ns > 0);
  CHECK(t.window_start_ns < t.events.back().ts_ns);
  CHECK_FALSE(t.warnings.empty());
  // The streaming reader agrees, and so does a consolidated copy.
  trace::EventReader reader(path);
  std::uint64_t streamed = reader.for_each([](const trace::Event&) {});
  CHECK(streamed == t.events.size());
  CHECK(reader.trace().overwritten == t.overwritten);
  CHECK(reader.trace().window_start_ns == t.window_start_ns);
  trace::consolidate_trace(path, 0, 0);
  trace::Trace packed = trace::read_trace(path);
  CHECK(packed.events.size() == t.events.size());
  CHECK(packed.overwritten == t.overwritten);
  check_window(packed, workers, n);
}

TEST_CASE("flight-recorder mode by duration keeps at least the window asked for") {
  std::string path = temp_path();
  const std::uint64_t window_ns = 40'000'000;  // 40 ms
  const std::uint64_t n = 60000;  // ~20 blocks of 16 KiB over ~150 ms
  {
    rt::Recorder rec({.path = path, .block_bytes = 16u << 10, .ring_ns = window_ns});
    std::thread([&] {
      rec.on_thread_name("worker-0");
      rec.on_object(100, rt::ObjKind::Mutex, "own-0", std::source_location::current());
      for (std::uint64_t i = 0; i < n; ++i) {
        rec.on_event(i % 2 ? rt::Ev::Release : rt::Ev::Acquired, kLock, i,
                     std::source_location::current());
        if (i % 400 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }).join();
  }
  trace::Trace t = trace::read_trace(path);
  REQUIRE(t.overwritten > 0);
  REQUIRE(t.processes.size() == 1);
  CHECK(t.processes[0].keep_last_ns == window_ns);
  auto args = args_by_thread(t);
  const auto& a = args["worker-0"];
  REQUIRE(!a.empty());
  CHECK(a.back() == n - 1);
  CHECK(a.size() + t.threads.at(0).overwritten == n);
  // The kept events span at least the window: a block is reused only once its last event is
  // older than the window.
  std::uint64_t first = UINT64_MAX, last = 0;
  for (const auto& e : t.events)
    if (e.obj == kLock) first = std::min(first, e.ts_ns), last = std::max(last, e.ts_ns);
  CHECK(last - first >= window_ns);
  CHECK(t.object(100) != nullptr);
}

TEST_CASE("a flight-recorder trace of a killed process, or cut short, still reads") {
  std::string path = temp_path();
  const int workers = 2;
  // Shared with the child: how many workers have recorded. A worker starved by a loaded machine
  // until the kill would have nothing to check (each thread's current block is never reused).
  void* shared = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  REQUIRE(shared != MAP_FAILED);
  auto* started = new (shared) std::atomic<int>(0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Records until killed: the ring wraps over and over.
    auto* rec = new rt::Recorder({.path = path, .block_bytes = 16u << 10, .ring_bytes = 128u << 10});
    std::vector<std::thread> pool;
    for (int k = 0; k < workers; ++k)
      pool.emplace_back([rec, k, started] { work(*rec, k, UINT64_MAX / 2, started); });
    for (auto& th : pool) th.join();
    ::_exit(0);
  }
  // Until every worker recorded and the ring has wrapped a few times (the header's count, read
  // from the file).
  std::uint64_t seen = 0;
  for (int i = 0; i < 2000 && (seen < 200000 || started->load() < workers); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::ifstream in(path, std::ios::binary);
    trace::format::SegmentHeader h{};
    if (in.read(reinterpret_cast<char*>(&h), sizeof h)) seen = h.overwritten;
  }
  ::kill(pid, SIGKILL);
  int st;
  ::waitpid(pid, &st, 0);
  REQUIRE(WIFSIGNALED(st));
  REQUIRE(seen >= 200000);
  REQUIRE(started->load() == workers);
  ::munmap(shared, 4096);
  trace::Trace t = trace::read_trace(path);
  CHECK(t.overwritten >= seen);
  CHECK_FALSE(t.processes.at(0).exited);
  auto args = args_by_thread(t);
  for (int k = 0; k < workers; ++k) {
    std::string name = "worker-" + std::to_string(k);
    INFO(name);
    const auto& a = args[name];
    REQUIRE(!a.empty());
    for (std::size_t i = 1; i < a.size(); ++i) REQUIRE(a[i] == a[i - 1] + 1);  // no gap, no repeat
    CHECK(t.object(100 + static_cast<rt::ObjId>(k)) != nullptr);
  }
  // Cut in the middle of the event area: what is before the cut reads, with a warning.
  trace::format::SegmentHeader h{};
  {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.read(reinterpret_cast<char*>(&h), sizeof h));
  }
  std::filesystem::resize_file(path, trace::format::kSegmentHeaderBytes + h.blocks_bytes / 2);
  trace::Trace cut = trace::read_trace(path);
  CHECK(cut.truncated);
  CHECK(cut.overwritten == t.overwritten);  // the header's count
}

TEST_CASE("the window is a duration or a size, with a unit") {
  std::uint64_t bytes = 0, ns = 0;
  std::string why;
  CHECK(rt::parse_keep_last("60s", bytes, ns, why));
  CHECK((ns == 60'000'000'000 && bytes == 0));
  CHECK(rt::parse_keep_last("5min", bytes, ns, why));
  CHECK(ns == 300'000'000'000);
  CHECK(rt::parse_keep_last("5m", bytes, ns, why));
  CHECK(ns == 300'000'000'000);
  CHECK(rt::parse_keep_last("250ms", bytes, ns, why));
  CHECK(ns == 250'000'000);
  CHECK(rt::parse_keep_last("256M", bytes, ns, why));
  CHECK((bytes == 256u << 20 && ns == 0));
  CHECK(rt::parse_keep_last("1GiB", bytes, ns, why));
  CHECK(bytes == 1u << 30);
  CHECK_FALSE(rt::parse_keep_last("100", bytes, ns, why));
  CHECK(why.find("needs a unit") != std::string::npos);
  CHECK_FALSE(rt::parse_keep_last("10parsecs", bytes, ns, why));
  CHECK(why.find("unknown unit") != std::string::npos);
  CHECK_FALSE(rt::parse_keep_last("0s", bytes, ns, why));
  CHECK_FALSE(rt::parse_keep_last("", bytes, ns, why));
  CHECK_FALSE(rt::parse_keep_last("99999999999999999999G", bytes, ns, why));
}

TEST_CASE("a fork child keeps the flight recorder's window in its own file, from a ring of its own") {
  std::string path = temp_path();
  std::string child_path = path + ".child";
  const std::uint64_t ring = 128u << 10;
  rt::Recorder rec({.path = path, .block_bytes = 16u << 10, .ring_bytes = ring});
  std::thread([&] { work(rec, 0, 100000); }).join();  // the parent's ring has wrapped
  rec.before_fork();
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    rec.after_fork_child(child_path);
    std::thread([&] { work(rec, 1, 100000); }).join();
    rec.close();
    trace::Trace c = trace::read_trace(child_path);
    // Its own ring (the parent's blocks are not in its file), as large as the parent's.
    bool ok = c.overwritten > 0 && c.processes.size() == 1 && c.processes[0].keep_last_bytes == ring &&
              c.object(101) != nullptr && c.object(100) == nullptr;
    ::_exit(ok ? 0 : 3);
  }
  rec.after_fork_parent();
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  rec.close();
  trace::Trace t = trace::read_trace(path);
  check_window(t, 1, 100000);
}
