// trace_scale_bench: time and peak memory of each step after a recording, at 1M, 10M and 100M
// events (issue 19).
//
//   $ build/bin/trace_scale_bench                  # 1M and 10M events
//   $ build/bin/trace_scale_bench --events=100000000 --keep=/tmp/100m.trace
//   $ build/bin/trace_scale_bench --events=100000000 --only=report,html
//
// For each size it writes a trace the way a recorded server does (10 threads through the
// recorder at once, 64 locks of which one is shared and often contended, a condition with its
// waits and notifies), then runs each step as a child process and prints its wall time and peak
// resident memory (wait4's ru_maxrss), after consolidating it as `weft run` does:
//   report       `weft report TRACE`                   (streams the events: EventReader)
//   report-json  `weft report TRACE --format=json`
//   view-text    `weft view TRACE --format=text`      (streams the events, twice)
//   chrome-json  `weft view TRACE --format=chrome-json` to /dev/null (streams the events)
//   perfetto     `weft view TRACE --format=perfetto`  (streams: packets written as events pass)
//   html         `weft view TRACE` (the page)          (streams the events into its columns)
// Every step streams the events, so every step runs at every size (the Perfetto export kept
// ~65 bytes per event before it streamed, and was skipped past 20M events then). The steps that
// write a file (perfetto, html) also print its size. The `weft` binary is found next to this
// program.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <source_location>
#include <string>
#include <thread>
#include <vector>

#include "weft/runtime/recorder.hpp"
#include "weft/runtime/trace_reader.hpp"

namespace {

namespace rt = weft::rt;

// Writes about `events` events from `threads` threads; returns the seconds it took.
double generate(const std::string& path, std::uint64_t events, int threads) {
  auto t0 = std::chrono::steady_clock::now();
  rt::Recorder rec({.path = path, .limit_bytes = 16ull << 30});
  const std::uint64_t kLocks = 64;
  for (rt::ObjId o = 1; o <= kLocks; ++o)
    rec.on_object(o, rt::ObjKind::Mutex, "lock-" + std::to_string(o), std::source_location::current());
  const rt::ObjId cond = kLocks + 1;
  rec.on_object(cond, rt::ObjKind::Condition, "work-ready", std::source_location::current());
  // Per round: Acquired + Release, plus AcquireBegin one time in eight, plus a wait or notify
  // pair one time in 64: ~2.16 events a round.
  const std::uint64_t rounds = events / 2 / static_cast<std::uint64_t>(threads) * 100 / 108;
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&rec, i, rounds, cond] {
      rec.on_thread_name("worker-" + std::to_string(i));
      rec.on_event(rt::Ev::ThreadStart, 1000 + static_cast<rt::ObjId>(i), 0,
                   std::source_location::current());
      std::uint64_t x = 0x9e3779b97f4a7c15ull * static_cast<std::uint64_t>(i + 1);
      for (std::uint64_t k = 0; k < rounds; ++k) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const rt::ObjId lock = (x & 3) == 0 ? 1 : 2 + (x >> 8) % (kLocks - 1);
        if ((x >> 20) % 8 == 0)
          rec.on_event(rt::Ev::AcquireBegin, lock, 0, std::source_location::current());
        rec.on_event(rt::Ev::Acquired, lock, 1, std::source_location::current());
        if ((x >> 24) % 64 == 0) {
          if (i % 2 == 0) {
            rec.on_event(rt::Ev::WaitBegin, cond, lock, std::source_location::current());
            rec.on_event(rt::Ev::WaitEnd, cond, 0, std::source_location::current());
          } else {
            rec.on_event(rt::Ev::Notify, cond, 1, std::source_location::current());
          }
        }
        rec.on_event(rt::Ev::Release, lock, 0, std::source_location::current());
      }
      rec.on_event(rt::Ev::ThreadEnd, 1000 + static_cast<rt::ObjId>(i), 0,
                   std::source_location::current());
    });
  }
  for (auto& t : pool) t.join();
  rec.close();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct StepResult {
  double seconds = 0;
  long peak_kb = 0;
  int status = 0;
};

// Runs `f` in a forked child (which ends with f's status): wall time and the child's peak
// resident memory.
template <class F>
StepResult in_child(F f) {
  std::fflush(stdout);  // or the child's copy of the buffer prints it again
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    int rc = 1;
    try {
      rc = f();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "trace_scale_bench: %s\n", e.what());
    }
    std::_Exit(rc);
  }
  int status = 0;
  struct rusage ru {};
  ::wait4(pid, &status, 0, &ru);
  StepResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.peak_kb = ru.ru_maxrss;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// Runs argv with standard output to /dev/null.
StepResult run(const std::vector<std::string>& args) {
  return in_child([&args] {
    std::FILE* null = std::freopen("/dev/null", "w", stdout);
    (void)null;
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    return 127;
  });
}

std::uint64_t file_size(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::uint64_t> sizes;
  std::string keep, only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--events=", 0) == 0) {
      sizes.push_back(std::strtoull(a.c_str() + 9, nullptr, 10));
    } else if (a.rfind("--keep=", 0) == 0) {
      keep = a.substr(7);
    } else if (a.rfind("--only=", 0) == 0) {
      only = ",";  // appended piece by piece: GCC 12's -Wrestrict misfires on a + chain
      only += a.substr(7);
      only += ',';
    } else {
      std::fprintf(stderr,
                   "usage: trace_scale_bench [--events=N]... [--keep=PATH] "
                   "[--only=STEP,...]\n");
      return 2;
    }
  }
  if (sizes.empty()) sizes = {1000000, 10000000};
  std::string self = std::filesystem::canonical("/proc/self/exe").string();
  std::string weft = std::filesystem::path(self).parent_path() / "weft";
  if (::access(weft.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "trace_scale_bench: %s not found (build the weft target)\n", weft.c_str());
    return 2;
  }
  char dir_tmpl[] = "/tmp/weft-scale-XXXXXX";
  if (::mkdtemp(dir_tmpl) == nullptr) return 2;
  std::string dir = dir_tmpl;

  std::printf("%-12s %-12s %10s %12s %10s\n", "events", "step", "time", "peak RSS", "per event");
  for (std::uint64_t n : sizes) {
    std::string trace = keep.empty() ? dir + "/t.trace" : keep;
    double gen = generate(trace, n, 10);
    // As `weft run` does at the end: the blocks packed, the preallocated rest dropped (in a
    // child process, for its peak memory).
    StepResult cons = in_child([&trace] {
      weft::trace::consolidate_trace(trace);
      return 0;
    });
    std::printf("%-12llu %-12s %9.2fs %12s %10s   (%.1f MB file, %.2f B/event)\n",
                static_cast<unsigned long long>(n), "record", gen, "-", "-",
                static_cast<double>(file_size(trace)) / 1e6,
                static_cast<double>(file_size(trace)) / static_cast<double>(n));
    std::printf("%-12llu %-12s %9.2fs %9.1f MB %7.1f B   (consolidate_trace, as weft run does)\n",
                static_cast<unsigned long long>(n), "consolidate", cons.seconds,
                static_cast<double>(cons.peak_kb) / 1024.0,
                static_cast<double>(cons.peak_kb) * 1024.0 / static_cast<double>(n));
    struct Step {
      const char* name;
      std::vector<std::string> args;
      std::string output;  // the file it writes, "" = none
    };
    std::vector<Step> steps = {
        {"report", {weft, "report", trace}, ""},
        {"report-json", {weft, "report", trace, "--format=json"}, ""},
        {"view-text", {weft, "view", trace, "--format=text"}, ""},
        {"chrome-json", {weft, "view", trace, "--format=chrome-json", "-o", "-"}, ""},
        {"perfetto", {weft, "view", trace, "--format=perfetto", "-o", dir + "/t.pftrace"},
         dir + "/t.pftrace"},
        {"html", {weft, "view", trace, "-o", dir + "/t.html", "--no-source"}, dir + "/t.html"},
    };
    for (const auto& s : steps) {
      std::string key = ",";
      key += s.name;
      key += ',';
      if (!only.empty() && only.find(key) == std::string::npos) continue;
      StepResult r = run(s.args);
      std::printf("%-12llu %-12s %9.2fs %9.1f MB %7.1f B", static_cast<unsigned long long>(n),
                  s.name, r.seconds, static_cast<double>(r.peak_kb) / 1024.0,
                  static_cast<double>(r.peak_kb) * 1024.0 / static_cast<double>(n));
      if (!s.output.empty()) {
        std::printf("   (%.1f MB output)", static_cast<double>(file_size(s.output)) / 1e6);
        std::filesystem::remove(s.output);
      }
      std::printf("%s\n", r.status == 0 || r.status == 1 ? "" : "   (failed)");
      std::fflush(stdout);
    }
    if (keep.empty()) std::filesystem::remove(trace);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
