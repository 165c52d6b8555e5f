// The recorder end to end: programs recorded through WEFT_TRACE (tests/runtime/programs/
// rec_prog.cpp), read back with weft::trace::read_trace.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "weft/runtime/trace_format.hpp"
#include "weft/runtime/labels.hpp"
#include "weft/runtime/trace_reader.hpp"
#include "weft/runtime/trace_stats.hpp"
#include "temp_dirs.hpp"

extern char** environ;

using namespace weft;
using trace::Trace;

namespace {

std::string temp_dir() { return test::temp_dir("rec"); }

// Runs rec_prog ARGS with WEFT_TRACE=trace (and no inherited recording state); returns the
// wait status. With `out_fd` >= 0 stdout goes there and the pid is returned instead.
int spawn(const std::string& trace, std::vector<std::string> args, pid_t* pid_out = nullptr,
          int out_fd = -1, const std::vector<std::string>& extra_env = {}) {
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    std::string_view v = *e;
    if (v.starts_with("WEFT_")) continue;
    env_s.emplace_back(*e);
  }
  env_s.push_back("WEFT_TRACE=" + trace);
  env_s.insert(env_s.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> env;
  for (auto& s : env_s) env.push_back(s.data());
  env.push_back(nullptr);
  args.insert(args.begin(), WEFT_REC_PROG);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (out_fd >= 0) posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  pid_t pid;
  int rc = ::posix_spawn(&pid, WEFT_REC_PROG, &fa, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE(rc == 0);
  if (pid_out) {
    *pid_out = pid;
    return 0;
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  return st;
}

const trace::Object* find_object(const Trace& t, const std::string& name) {
  for (const auto& o : t.objects)
    if (o.name == name) return &o;
  return nullptr;
}

std::vector<trace::Event> events_of(const Trace& t, rt::ObjId id) {
  std::vector<trace::Event> out;
  for (const auto& e : t.events)
    if (e.obj == id) out.push_back(e);
  return out;
}

long count_kind(const Trace& t, rt::ObjId id, rt::Ev kind) {
  return std::count_if(t.events.begin(), t.events.end(),
                       [&](const trace::Event& e) { return e.obj == id && e.kind == kind; });
}

std::vector<std::uint8_t> slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}


}  // namespace

TEST_CASE("a recorded program: objects, UTF-8 thread names, events with sites, findings") {
  std::string dir = temp_dir(), path = dir + "/t.trace";
  int st = spawn(path, {"basic"});
  REQUIRE(WIFEXITED(st));
  REQUIRE(WEXITSTATUS(st) == 0);
  Trace t = trace::read_trace(path);
  CHECK(t.format_version == 1);
  CHECK_FALSE(t.truncated);
  CHECK(t.dropped == 0);
  REQUIRE(t.processes.size() == 1);
  CHECK(t.processes[0].exited);
  CHECK(t.processes[0].command.find("rec_prog basic") != std::string::npos);
  REQUIRE(t.threads.size() == 2);
  bool named = std::any_of(t.threads.begin(), t.threads.end(),
                           [](const trace::Thread& th) { return th.name == "子线程-0"; });
  CHECK(named);

  // The object created by a static initialiser is there: recording starts before main's TU.
  const auto* stat = find_object(t, "static-lock");
  REQUIRE(stat != nullptr);
  CHECK(count_kind(t, stat->id, rt::Ev::Acquired) == 3);

  const auto* a = find_object(t, "account-a");
  const auto* cond = find_object(t, "ready");
  REQUIRE(a != nullptr);
  REQUIRE(cond != nullptr);
  CHECK(a->kind == rt::ObjKind::Lock);
  CHECK(cond->kind == rt::ObjKind::Condition);
  REQUIRE(a->site >= 0);
  CHECK(t.sites[a->site].file.find("rec_prog.cpp") != std::string::npos);
  CHECK(t.sites[a->site].function.find("basic") != std::string::npos);

  std::vector<rt::Ev> kinds;
  for (const auto& e : events_of(t, a->id)) kinds.push_back(e.kind);
  std::vector<rt::Ev> want = {rt::Ev::Create,  rt::Ev::AcquireBegin, rt::Ev::Acquired,
                              rt::Ev::Release, rt::Ev::Acquired,     rt::Ev::Release};
  CHECK(kinds == want);
  auto cond_events = events_of(t, cond->id);
  REQUIRE(cond_events.size() == 4);  // Create WaitBegin WaitEnd Destroy
  CHECK(cond_events[1].kind == rt::Ev::WaitBegin);
  CHECK(cond_events[1].arg == a->id);  // the lock the wait releases
  CHECK(cond_events[3].kind == rt::Ev::Destroy);
  for (std::size_t i = 1; i < t.events.size(); ++i) CHECK(t.events[i - 1].ts_ns <= t.events[i].ts_ns);

  REQUIRE(t.findings.size() == 1);
  const auto& f = t.findings[0];
  CHECK(f.kind == "lock-reentry");
  CHECK(f.count == 2);
  CHECK(f.objects == std::vector<rt::ObjId>{a->id});
  REQUIRE(f.sites.size() == 1);
  CHECK(t.sites[f.sites[0]].file.find("rec_prog.cpp") != std::string::npos);
  REQUIRE(f.threads.size() == 1);
  CHECK(f.threads[0] < t.threads.size());

  auto stats = trace::compute_stats(t);
  auto it = std::find_if(stats.begin(), stats.end(), [&](auto& s) { return s.object == a->id; });
  REQUIRE(it != stats.end());
  CHECK(it->acquisitions == 2);
  CHECK(it->contentions == 1);
  CHECK(it->hold_total_ns > 0);
  CHECK(stats.front().contentions >= stats.back().contentions);
}

TEST_CASE("32 threads recording at once: every event is kept, exactly") {
  std::string dir = temp_dir(), path = dir + "/t.trace";
  const long n = 20000;
  int st = spawn(path, {"threads", "32", std::to_string(n)});
  REQUIRE(WIFEXITED(st));
  Trace t = trace::read_trace(path);
  CHECK(t.dropped == 0);
  CHECK(t.threads.size() == 33);
  int locks = 0;
  for (const auto& o : t.objects) {
    if (o.name.rfind("lock-", 0) != 0) continue;
    ++locks;
    CHECK(count_kind(t, o.id, rt::Ev::Acquired) == n);
    CHECK(count_kind(t, o.id, rt::Ev::Release) == n);
  }
  CHECK(locks == 32);
  std::set<std::string> names;
  for (const auto& th : t.threads) names.insert(th.name);
  CHECK(names.count("worker-0") == 1);
  CHECK(names.count("worker-31") == 1);
}

TEST_CASE("SIGKILL keeps every event announced before the kill") {
  std::string dir = temp_dir(), path = dir + "/t.trace";
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid;
  spawn(path, {"announce"}, &pid, fds[1]);
  ::close(fds[1]);
  FILE* in = ::fdopen(fds[0], "r");
  std::map<int, long> announced;
  long total = 0;
  int id;
  long count;
  while (total < 400000 && std::fscanf(in, "%d %ld", &id, &count) == 2) {
    total += count - announced[id];
    announced[id] = count;
  }
  ::kill(pid, SIGKILL);
  int st;
  ::waitpid(pid, &st, 0);
  std::fclose(in);
  REQUIRE(WIFSIGNALED(st));
  REQUIRE(total >= 400000);
  Trace t = trace::read_trace(path);
  CHECK_FALSE(t.processes.at(0).exited);
  // Lock events per recording thread (announced counts are per thread, in emission order).
  std::map<std::uint32_t, long> per_thread;
  for (const auto& e : t.events)
    if (e.kind == rt::Ev::Acquired || e.kind == rt::Ev::Release) per_thread[e.thread]++;
  // A thread may be killed before its first announcement (under load): it records, unannounced.
  REQUIRE(per_thread.size() >= announced.size());
  long kept_total = 0;
  for (auto& [th, c] : per_thread) kept_total += c;
  INFO("announced " << total << ", kept " << kept_total);
  CHECK(static_cast<double>(kept_total) >= 0.99 * static_cast<double>(total));
  // Stronger, by design: each record is committed before the program announces it, so every
  // thread keeps at least its announced count: the k-th largest kept count covers the k-th
  // largest announced one.
  std::vector<long> kept, said;
  for (auto& [th, c] : per_thread) kept.push_back(c);
  for (auto& [id, c] : announced) said.push_back(c);
  std::sort(kept.rbegin(), kept.rend());
  std::sort(said.rbegin(), said.rend());
  for (std::size_t i = 0; i < said.size(); ++i) CHECK(kept[i] >= said[i]);
  CHECK(kept_total >= total);
}

TEST_CASE("a crashing program leaves a readable trace") {
  for (const char* mode : {"segv", "abort", "kill", "throw", "_exit"}) {
    INFO(mode);
    std::string dir = temp_dir(), path = dir + "/t.trace";
    int st = spawn(path, {mode});
    if (std::string(mode) == "_exit") {
      REQUIRE(WIFEXITED(st));
      CHECK(WEXITSTATUS(st) == 3);
    } else {
      // Killed by the signal; under ThreadSanitizer a SEGV is caught and becomes exit code 66.
      REQUIRE((WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0)));
    }
    Trace t = trace::read_trace(path);
    const auto* l = find_object(t, "doomed");
    REQUIRE(l != nullptr);
    CHECK(count_kind(t, l->id, rt::Ev::Acquired) == 1000);
    CHECK(count_kind(t, l->id, rt::Ev::Release) == 1000);
    CHECK_FALSE(t.processes.at(0).exited);
  }
}

namespace {
// Everything a trace read without its events holds, compared field by field.
void check_same_summary(const Trace& a, const Trace& b) {
  CHECK(a.event_count == b.event_count);
  CHECK(a.event_count > 0);
  CHECK(a.dropped == b.dropped);
  CHECK(a.undated_acquisitions == b.undated_acquisitions);
  CHECK(a.overwritten == b.overwritten);
  CHECK(a.truncated == b.truncated);
  CHECK(a.warnings == b.warnings);
  REQUIRE(a.processes.size() == b.processes.size());
  for (std::size_t i = 0; i < a.processes.size(); ++i) {
    const auto &p = a.processes[i], &q = b.processes[i];
    CHECK(std::tie(p.pid, p.parent_pid, p.command, p.start_ns, p.exited, p.exit_code,
                   p.term_signal, p.dropped) ==
          std::tie(q.pid, q.parent_pid, q.command, q.start_ns, q.exited, q.exit_code,
                   q.term_signal, q.dropped));
  }
  REQUIRE(a.threads.size() == b.threads.size());
  for (std::size_t i = 0; i < a.threads.size(); ++i) {
    const auto &x = a.threads[i], &y = b.threads[i];
    CHECK(std::tie(x.index, x.pid, x.os_tid, x.name, x.start_site) ==
          std::tie(y.index, y.pid, y.os_tid, y.name, y.start_site));
  }
  REQUIRE(a.objects.size() == b.objects.size());
  for (std::size_t i = 0; i < a.objects.size(); ++i) {
    const auto &x = a.objects[i], &y = b.objects[i];
    CHECK(std::tie(x.id, x.kind, x.name, x.site, x.pid) == std::tie(y.id, y.kind, y.name, y.site, y.pid));
  }
  CHECK(a.sites.size() == b.sites.size());
  REQUIRE(a.findings.size() == b.findings.size());
  for (std::size_t i = 0; i < a.findings.size(); ++i)
    CHECK(std::tie(a.findings[i].kind, a.findings[i].message, a.findings[i].time_ns) ==
          std::tie(b.findings[i].kind, b.findings[i].message, b.findings[i].time_ns));
}
}  // namespace

// A fork child's use of an object its parent created is its own copy's (its own memory from the
// fork on): an object of the child's with the parent's name and kind, not the parent's object.
TEST_CASE("fork: the child records its own part, and a copy of each inherited object it uses") {
  std::string dir = temp_dir(), path = dir + "/t.trace";
  int st = spawn(path, {"fork"});
  REQUIRE(WIFEXITED(st));
  REQUIRE(WEXITSTATUS(st) == 0);
  auto check = [](const Trace& t) {
    REQUIRE(t.processes.size() == 2);
    const auto& parent = t.processes[0];
    const auto& child = t.processes[1];
    CHECK(child.parent_pid == parent.pid);
    CHECK(parent.parent_pid == 0);
    const trace::Object* shared = nullptr;  // the parent's 'before-fork', and the child's copy
    const trace::Object* copy = nullptr;
    for (const auto& o : t.objects)
      if (o.name == "before-fork") (o.pid == parent.pid ? shared : copy) = &o;
    const auto* mine = find_object(t, "child-only");
    REQUIRE(shared != nullptr);
    REQUIRE(copy != nullptr);
    REQUIRE(mine != nullptr);
    CHECK(mine->pid == child.pid);
    CHECK(copy->pid == child.pid);
    CHECK(copy->kind == shared->kind);
    CHECK(copy->site == shared->site);
    CHECK(count_kind(t, shared->id, rt::Ev::Acquired) == 2 + 1);
    CHECK(count_kind(t, copy->id, rt::Ev::Acquired) == 5);
    CHECK(count_kind(t, copy->id, rt::Ev::Create) == 1);
    for (const auto& e : t.events)  // every event on the copy is the child's
      if (e.obj == copy->id) CHECK(t.threads[e.thread].pid == child.pid);
    // Two objects of one name in two processes: their labels say whose each is.
    trace::Labels labels(t);
    std::string in_parent = " (pid " + std::to_string(parent.pid) + ")";
    std::string in_child = " (pid " + std::to_string(child.pid) + ")";
    CHECK(labels.object(shared->id) == "lock 'before-fork'" + in_parent);
    CHECK(labels.object(copy->id) == "lock 'before-fork'" + in_child);
    CHECK(labels.object_short(copy->id) == "before-fork" + in_child);
    CHECK(labels.object(mine->id) == "lock 'child-only'");
    CHECK(count_kind(t, mine->id, rt::Ev::Acquired) == 7);
    std::set<rt::ObjId> ids;
    for (const auto& o : t.objects) ids.insert(o.id);
    CHECK(ids.size() == t.objects.size());  // unique across processes
    std::set<std::uint32_t> pids;
    for (const auto& th : t.threads) pids.insert(th.pid);
    CHECK(pids == std::set<std::uint32_t>{parent.pid, child.pid});
  };
  REQUIRE(trace::trace_part_files(path).size() == 1);
  check(trace::read_trace(path));  // parts read as siblings
  Trace summary;  // what weft run prints: read while consolidating
  trace::consolidate_trace(path, 1, 0, &summary);
  CHECK(trace::trace_part_files(path).empty());
  Trace t = trace::read_trace(path);  // one self-contained file
  check(t);
  CHECK(t.processes[0].exit_code == 0);
  // The summary is what reading the consolidated file without its events gives.
  Trace again = trace::read_trace(path, {.events = false});
  check_same_summary(summary, again);
}

TEST_CASE("exec, posix_spawn and system(): every instrumented image records its part") {
  for (const char* mode : {"exec", "spawn", "system"}) {
    INFO(mode);
    std::string dir = temp_dir(), path = dir + "/t.trace";
    int st = spawn(path, {mode});
    REQUIRE(WIFEXITED(st));
    REQUIRE(WEXITSTATUS(st) == 0);
    Trace summary;
    trace::consolidate_trace(path, 0, 0, &summary);
    Trace t = trace::read_trace(path);
    check_same_summary(summary, trace::read_trace(path, {.events = false}));
    // The child image ran `basic`: its objects and finding are in the trace.
    CHECK(find_object(t, "account-a") != nullptr);
    CHECK(t.findings.size() == 1);
    bool exec = std::string(mode) == "exec";
    CHECK(t.processes.size() == (exec ? 1u : 2u));  // exec keeps the pid
    int statics = 0;
    for (const auto& o : t.objects) statics += o.name == "static-lock";
    CHECK(statics == 2);  // one per process image
  }
}

TEST_CASE("the root image hands its TSC calibration to the images it starts") {
  // rec_prog child-env prints WEFT_TSC_NS_PER_TICK as its children will see it ("-": unset).
  auto child_env = [](const std::vector<std::string>& extra) {
    std::string dir = temp_dir(), path = dir + "/t.trace", out = dir + "/out";
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    int st = spawn(path, {"child-env"}, nullptr, fd, extra);
    ::close(fd);
    REQUIRE(WIFEXITED(st));
    REQUIRE(WEXITSTATUS(st) == 0);
    auto bytes = slurp(out);
    // Whether the image dated its own events with the TSC (its segment header says).
    auto trace = slurp(path);
    REQUIRE(trace.size() >= sizeof(trace::format::SegmentHeader));
    trace::format::SegmentHeader h;
    std::memcpy(&h, trace.data(), sizeof h);
    return std::pair(std::string(bytes.begin(), bytes.end()), h.clock == trace::format::kClockTsc);
  };
  auto [tsc, used_tsc] = child_env({});
  INFO("WEFT_TSC_NS_PER_TICK: " << tsc);
  CHECK((tsc != "-\n") == used_tsc);
  if (used_tsc) {  // the value is the calibration, to 17 digits
    double x = std::strtod(tsc.c_str(), nullptr);
    CHECK(x > 1e-3);
    CHECK(x < 1e3);
    CHECK(child_env({"WEFT_TSC_NS_PER_TICK=" + tsc.substr(0, tsc.size() - 1)}).first == tsc);
  }
  CHECK(child_env({"WEFT_CLOCK=monotonic"}) == std::pair(std::string("-\n"), false));  // no TSC, nothing to hand down
}

TEST_CASE("damaged traces: cuts keep what precedes them, corruption names the offset") {
  std::string dir = temp_dir(), path = dir + "/t.trace";
  REQUIRE(WIFEXITED(spawn(path, {"threads", "2", "500"})));
  trace::consolidate_trace(path);
  auto good = slurp(path);
  Trace full = trace::read_trace_bytes(good.data(), good.size());
  REQUIRE(full.events.size() > 2000);

  SECTION("every cut after the header: truncated, a warning, a prefix of the events") {
    std::size_t last = 0;
    for (std::size_t cut = 4096; cut < good.size(); cut += 97) {
      Trace t = trace::read_trace_bytes(good.data(), cut);
      CHECK(t.truncated);
      CHECK_FALSE(t.warnings.empty());
      CHECK(t.events.size() <= full.events.size());
      CHECK(t.events.size() >= last);  // more bytes never yield fewer events
      last = t.events.size();
    }
    CHECK(last > full.events.size() * 9 / 10);
  }
  SECTION("a cut inside the header is an error naming the offset") {
    try {
      trace::read_trace_bytes(good.data(), 100);
      FAIL("no error");
    } catch (const trace::TraceError& e) {
      CHECK(e.offset() == 100);
    }
  }
  SECTION("a bad block magic") {
    auto bad = good;
    bad[4096] ^= 0xff;
    try {
      trace::read_trace_bytes(bad.data(), bad.size());
      FAIL("no error");
    } catch (const trace::TraceError& e) {
      CHECK(e.offset() == 4096);
      CHECK(std::string(e.what()).find("4096") != std::string::npos);
    }
  }
  SECTION("an unknown record type") {
    auto bad = good;
    bad[4096 + 48] = 0x7f;  // the first record of the first block
    CHECK_THROWS_AS(trace::read_trace_bytes(bad.data(), bad.size()), trace::TraceError);
    try {
      trace::read_trace_bytes(bad.data(), bad.size());
    } catch (const trace::TraceError& e) {
      CHECK(e.offset() == 4096 + 48);
    }
  }
  SECTION("hostile sizes are refused, not allocated") {
    auto bad = good;
    std::uint32_t huge = 0xfffffff0u;
    std::memcpy(bad.data() + 4096 + 4, &huge, 4);  // block capacity
    CHECK_THROWS_AS(trace::read_trace_bytes(bad.data(), bad.size()), trace::TraceError);
    bad = good;
    std::uint64_t big = ~0ull >> 1;
    std::memcpy(bad.data() + 16, &big, 8);  // blocks_bytes: the file is "truncated"
    Trace t = trace::read_trace_bytes(bad.data(), bad.size());
    CHECK(t.truncated);
  }
  SECTION("not a trace, empty, missing") {
    std::vector<std::uint8_t> junk(5000, 'x');
    CHECK_THROWS_AS(trace::read_trace_bytes(junk.data(), junk.size()), trace::TraceError);
    CHECK_THROWS_AS(trace::read_trace_bytes(junk.data(), 0), trace::TraceError);
    CHECK_THROWS_AS(trace::read_trace(dir + "/missing.trace"), trace::TraceError);
  }
  SECTION("random byte flips never crash the reader") {
    std::uint32_t seed = 12345;
    for (int round = 0; round < 300; ++round) {
      auto bad = good;
      for (int k = 0; k < 4; ++k) {
        seed = seed * 1664525u + 1013904223u;
        bad[seed % bad.size()] = static_cast<std::uint8_t>(seed >> 24);
      }
      try {
        trace::read_trace_bytes(bad.data(), bad.size());
      } catch (const trace::TraceError&) {
      }
    }
  }
}
