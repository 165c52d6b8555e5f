// memory_bench: what recording costs in memory and trace file, per thread and per million events.
//
//   $ build/bin/memory_bench
//
// Two child programs (this executable re-run with --threads N or --pairs N), each run natively
// and under the LD_PRELOAD interposer recording to a trace (WEFT_TRACE):
//   --threads N  starts N short-lived threads one after the other, each taking a std::mutex ten
//                times (a server that starts a thread per request);
//   --waves N    the same N threads 8 at a time (their blocks interleave in the trace);
//   --pairs N    one thread takes and releases a std::mutex N times (2 events a pair).
// For each it prints the child's peak resident memory (wait4's ru_maxrss), the trace file's
// size and the disk blocks it holds, and the difference from native per thread or per million
// events. The interposer is found at <dir of this program>/../lib/libweft_preload.so.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "realistic_baseline.hpp"

namespace {

std::mutex g_mutex;
long g_total = 0;

int child_main(const char* mode, long n) {
  weft::bench::leave_single_threaded_mode();
  if (std::strcmp(mode, "--waves") == 0) {  // n threads, 8 at a time
    for (long i = 0; i < n; i += 8) {
      std::vector<std::thread> wave;
      for (int w = 0; w < 8; ++w)
        wave.emplace_back([] {
          for (int k = 0; k < 10; ++k) {
            std::lock_guard g(g_mutex);
            ++g_total;
          }
        });
      for (auto& t : wave) t.join();
    }
  } else if (std::strcmp(mode, "--threads") == 0) {
    for (long i = 0; i < n; ++i)
      std::thread([] {
        for (int k = 0; k < 10; ++k) {
          std::lock_guard g(g_mutex);
          ++g_total;
        }
      }).join();
  } else {
    for (long i = 0; i < n; ++i) {
      std::lock_guard g(g_mutex);
      ++g_total;
    }
  }
  return g_total > 0 ? 0 : 1;
}

std::string self_dir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = '\0';
  std::string p(buf);
  return p.substr(0, p.rfind('/'));
}

struct Usage {
  long max_rss_kib = -1;
  long long file_bytes = -1;
  long long disk_bytes = -1;
};

// Runs `self mode n` with `env` added; its peak RSS and the trace's sizes (when `trace` is set).
Usage run_child(const std::string& self, const char* mode, long n,
                const std::vector<std::string>& env, const std::string& trace) {
  Usage u;
  if (!trace.empty()) std::remove(trace.c_str());
  pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& kv : env) ::putenv(const_cast<char*>(kv.c_str()));
    std::string count = std::to_string(n);
    ::execl(self.c_str(), self.c_str(), mode, count.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  rusage ru{};
  if (pid < 0 || ::wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0)
    return u;
  u.max_rss_kib = ru.ru_maxrss;
  struct stat st {};
  if (!trace.empty() && ::stat(trace.c_str(), &st) == 0) {
    u.file_bytes = st.st_size;
    u.disk_bytes = static_cast<long long>(st.st_blocks) * 512;
  }
  if (!trace.empty()) std::remove(trace.c_str());
  return u;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3) return child_main(argv[1], std::atol(argv[2]));
  std::string dir = self_dir();
  std::string self = dir + "/memory_bench";
  std::string lib = dir + "/../lib/libweft_preload.so";
  if (::access(lib.c_str(), R_OK) != 0) {
    std::fprintf(stderr, "memory_bench: no interposer at %s (build weft_preload)\n", lib.c_str());
    return 2;
  }
  std::string trace = std::string(::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") +
                      "/weft_memory_bench." + std::to_string(::getpid()) + ".trace";
  std::vector<std::string> recording = {"LD_PRELOAD=" + lib, "WEFT_TRACE=" + trace};

  for (const char* mode : {"--threads", "--waves"}) {
  std::printf(std::strcmp(mode, "--threads") == 0
                  ? "short-lived threads, one after the other (10 lock+unlock pairs each)\n"
                  : "\nshort-lived threads, 8 at a time (10 lock+unlock pairs each)\n");
  std::printf("%8s %12s %12s %14s %12s %12s %14s\n", "threads", "native KiB", "recorded KiB",
              "KiB/thread", "trace KiB", "on disk KiB", "disk KiB/thr");
  for (long n : {104L, 1000L, 4000L}) {
    Usage native = run_child(self, mode, n, {}, "");
    Usage rec = run_child(self, mode, n, recording, trace);
    if (native.max_rss_kib < 0 || rec.max_rss_kib < 0) {
      std::printf("%8ld  (a child failed)\n", n);
      continue;
    }
    std::printf("%8ld %12ld %12ld %14.2f %12lld %12lld %14.2f\n", n, native.max_rss_kib,
                rec.max_rss_kib,
                static_cast<double>(rec.max_rss_kib - native.max_rss_kib) / static_cast<double>(n),
                rec.file_bytes / 1024, rec.disk_bytes / 1024,
                static_cast<double>(rec.disk_bytes) / 1024.0 / static_cast<double>(n));
  }
  }

  std::printf("\none thread, lock+unlock pairs (2 events each)\n");
  std::printf("%10s %12s %12s %18s %12s %18s\n", "events", "native KiB", "recorded KiB",
              "KiB/M events", "trace KiB", "trace KiB/M ev");
  for (long pairs : {500'000L, 2'000'000L}) {
    Usage native = run_child(self, "--pairs", pairs, {}, "");
    Usage rec = run_child(self, "--pairs", pairs, recording, trace);
    if (native.max_rss_kib < 0 || rec.max_rss_kib < 0) {
      std::printf("%10ld  (a child failed)\n", 2 * pairs);
      continue;
    }
    double millions = 2.0 * static_cast<double>(pairs) / 1e6;
    std::printf("%10ld %12ld %12ld %18.1f %12lld %18.1f\n", 2 * pairs, native.max_rss_kib,
                rec.max_rss_kib,
                static_cast<double>(rec.max_rss_kib - native.max_rss_kib) / millions,
                rec.file_bytes / 1024, static_cast<double>(rec.file_bytes) / 1024.0 / millions);
  }
  return 0;
}
