// weft::Lock vs std::mutex (and weft::RLock vs std::recursive_mutex): uncontended
// acquire/release, and two threads contending for one lock. Prints Google Benchmark's table,
// then a summary with the weft/std ratio of each pair (1.00 = same cost; below 1 = weft faster):
// CPU time per lock+unlock for the single-threaded pairs, wall-clock time for the contended one.
//
//   build/bin/primitives_bench                       # the whole set, ~10 s
//   build/bin/primitives_bench --benchmark_repetitions=5
//
// Nothing is recording here (no sink installed): this is the cost every weft program pays.
// A parked extra thread keeps the process multi-threaded for the whole run: glibc skips the
// atomic instructions of pthread_mutex_* while a process has a single thread, which would
// compare std::mutex in a situation where no program needs a lock.
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <cstdio>
#include <thread>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "weft/threading.hpp"

namespace {

template <class M>
void Uncontended(benchmark::State& state) {
  static M m;
  long counter = 0;
  for (auto _ : state) {
    m.lock();
    ++counter;
    m.unlock();
  }
  benchmark::DoNotOptimize(counter);
}

// Python-style spelling: acquire()/release() with their default arguments.
void WeftLockAcquireRelease(benchmark::State& state) {
  static weft::Lock m;
  long counter = 0;
  for (auto _ : state) {
    m.acquire();
    ++counter;
    m.release();
  }
  benchmark::DoNotOptimize(counter);
}

template <class M>
void Contended(benchmark::State& state) {
  static M m;
  static long shared = 0;
  for (auto _ : state) {
    m.lock();
    ++shared;
    m.unlock();
  }
  benchmark::DoNotOptimize(shared);
}

BENCHMARK_TEMPLATE(Uncontended, std::mutex)->Name("uncontended/std::mutex");
BENCHMARK_TEMPLATE(Uncontended, weft::Lock)->Name("uncontended/weft::Lock");
BENCHMARK(WeftLockAcquireRelease)->Name("uncontended/weft::Lock.acquire");
BENCHMARK_TEMPLATE(Uncontended, std::recursive_mutex)->Name("uncontended/std::recursive_mutex");
BENCHMARK_TEMPLATE(Uncontended, weft::RLock)->Name("uncontended/weft::RLock");
BENCHMARK_TEMPLATE(Contended, std::mutex)->Name("contended-2/std::mutex")->Threads(2)->UseRealTime();
BENCHMARK_TEMPLATE(Contended, weft::Lock)->Name("contended-2/weft::Lock")->Threads(2)->UseRealTime();

// Keeps each run's time per iteration (ns) while printing the usual console table.
class Collector : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.run_type != Run::RT_Iteration) continue;
      // One thread: CPU time (robust on a busy machine); two threads: wall-clock time.
      double ns = r.threads > 1 ? r.GetAdjustedRealTime() : r.GetAdjustedCPUTime();
      switch (r.time_unit) {
        case benchmark::kMicrosecond: ns *= 1e3; break;
        case benchmark::kMillisecond: ns *= 1e6; break;
        case benchmark::kSecond: ns *= 1e9; break;
        default: break;
      }
      std::string name = r.benchmark_name();
      auto slash = name.find("/threads:");
      if (slash != std::string::npos) name = name.substr(0, slash);
      slash = name.find("/real_time");
      if (slash != std::string::npos) name = name.substr(0, slash);
      auto& v = ns_[name];
      v.push_back(ns);
    }
    ConsoleReporter::ReportRuns(runs);
  }
  double best(const std::string& name) const {
    auto it = ns_.find(name);
    if (it == ns_.end() || it->second.empty()) return 0;
    double b = it->second[0];
    for (double x : it->second) b = std::min(b, x);
    return b;
  }

 private:
  std::map<std::string, std::vector<double>> ns_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  std::mutex park_mu;
  std::condition_variable park_cv;
  bool done = false;
  // This parked thread also makes every native figure realistic (realistic_baseline.hpp): the
  // process is multi-threaded from the first benchmark on.
  std::thread parked([&] {
    std::unique_lock g(park_mu);
    park_cv.wait(g, [&] { return done; });
  });
  Collector rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  struct Pair {
    const char* what;
    const char* weft;
    const char* std;
  };
  const Pair pairs[] = {
      {"uncontended lock/unlock", "uncontended/weft::Lock", "uncontended/std::mutex"},
      {"uncontended acquire/release", "uncontended/weft::Lock.acquire", "uncontended/std::mutex"},
      {"uncontended recursive", "uncontended/weft::RLock", "uncontended/std::recursive_mutex"},
      {"2 threads contended", "contended-2/weft::Lock", "contended-2/std::mutex"},
  };
  std::printf("\n%-30s %12s %12s %8s\n", "summary (best run)", "weft ns/op", "std ns/op",
              "weft/std");
  for (const auto& p : pairs) {
    double w = rep.best(p.weft), s = rep.best(p.std);
    if (w <= 0 || s <= 0) continue;  // filtered out by --benchmark_filter
    std::printf("%-30s %12.2f %12.2f %8.2f\n", p.what, w, s, w / s);
  }
  {
    std::lock_guard g(park_mu);
    done = true;
  }
  park_cv.notify_one();
  parked.join();
  benchmark::Shutdown();
  return 0;
}
