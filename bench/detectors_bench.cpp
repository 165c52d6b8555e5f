// The online detectors' cost on the lock hot path: one uncontended lock/unlock of a std::mutex,
// the same pair plus the detector sink's Acquired+Release (null downstream), and with two and
// three locks nested (the lock-order edges then come from the per-thread cache). Prints the
// ratios to the std::mutex pair. Run: build/bin/detectors_bench
#include <benchmark/benchmark.h>

#include <cstdio>
#include <mutex>

#include "weft/runtime/detectors.hpp"
#include "weft/runtime/event.hpp"

#include "realistic_baseline.hpp"

using namespace weft::rt;

namespace {

class NullSink final : public Sink {
 public:
  void on_object(ObjId, ObjKind, std::string_view, const std::source_location&) noexcept override {}
  void on_event(Ev, ObjId, std::uint64_t, const std::source_location&) noexcept override {}
};

NullSink g_null;
detectors::Options bench_options() {
  detectors::Options o;
  o.watchdog = false;
  return o;
}

void BM_StdMutex(benchmark::State& state) {
  std::mutex m;
  for (auto _ : state) {
    m.lock();
    m.unlock();
  }
}
BENCHMARK(BM_StdMutex);

void BM_StdMutexPlusDetectors(benchmark::State& state) {
  auto d = detectors::make_detector_sink(&g_null, bench_options());
  std::mutex m;
  ObjId id = new_object(ObjKind::Lock, "m");
  d->on_object(id, ObjKind::Lock, "m", std::source_location::current());
  const auto where = std::source_location::current();
  for (auto _ : state) {
    m.lock();
    d->on_event(Ev::Acquired, id, 1, where);
    d->on_event(Ev::Release, id, 0, where);
    m.unlock();
  }
}
BENCHMARK(BM_StdMutexPlusDetectors);

void BM_NestedThreeWithDetectors(benchmark::State& state) {
  auto d = detectors::make_detector_sink(&g_null, bench_options());
  std::mutex m[3];
  ObjId id[3];
  for (auto& i : id) {
    i = new_object(ObjKind::Lock, "");
    d->on_object(i, ObjKind::Lock, "", std::source_location::current());
  }
  const auto where = std::source_location::current();
  for (auto _ : state) {
    for (int i = 0; i < 3; ++i) {
      m[i].lock();
      d->on_event(Ev::Acquired, id[i], 1, where);
    }
    for (int i = 2; i >= 0; --i) {
      d->on_event(Ev::Release, id[i], 0, where);
      m[i].unlock();
    }
  }
}
BENCHMARK(BM_NestedThreeWithDetectors);

void BM_NestedThreeStdMutex(benchmark::State& state) {
  std::mutex m[3];
  for (auto _ : state) {
    for (auto& x : m) x.lock();
    for (int i = 2; i >= 0; --i) m[i].unlock();
  }
}
BENCHMARK(BM_NestedThreeStdMutex);

// Prints each benchmark's time per iteration relative to its std::mutex baseline.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      double t = r.GetAdjustedRealTime();
      std::string n = r.benchmark_name();
      if (n == "BM_StdMutex") base1_ = t;
      if (n == "BM_NestedThreeStdMutex") base3_ = t;
      if (n == "BM_StdMutexPlusDetectors") one_ = t;
      if (n == "BM_NestedThreeWithDetectors") three_ = t;
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    if (base1_ > 0 && one_ > 0)
      std::printf("ratio: lock/unlock with detectors / std::mutex = %.2fx\n", one_ / base1_);
    if (base3_ > 0 && three_ > 0)
      std::printf("ratio: 3 nested with detectors / 3 nested std::mutex = %.2fx\n",
                  three_ / base3_);
  }

 private:
  double base1_ = 0, base3_ = 0, one_ = 0, three_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  weft::bench::leave_single_threaded_mode();  // realistic native figures: see the header
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
