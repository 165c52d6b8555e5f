// The viewer's page at scale: how long `weft view` takes to write the HTML page for a large
// trace, and how many bytes per event the page costs (the budget is 8).
//
//   build/bin/viewer_page_bench                                # the C++ side (Google Benchmark)
//   build/bin/viewer_page_bench --write-page=/tmp/1m.html --events=1000000
//   node bench/viewer_load.js /tmp/1m.html                    # the page: time until interactive
//   build/bin/viewer_page_bench --write-chrome-json=/tmp/1m.json --events=1000000
//                                     # the same trace as Chrome Trace Event JSON (for Perfetto UI)
//   build/bin/viewer_page_bench --write-perfetto=/tmp/1m.perfetto-trace --events=1000000
//   build/bin/viewer_page_bench --compare-exports --events=10000000
//       # export time and size of Perfetto's protobuf format (plain, deflated) vs Chrome JSON:
//       # bytes per event and the ratio, the output counted, not stored
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "../tests/viewer/synthetic.hpp"
#include "weft/viewer/writers.hpp"

namespace {

void BM_WriteHtml(benchmark::State& state) {
  auto t = weft::viewer::testing::big_trace(static_cast<std::size_t>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::ostringstream out;
    weft::viewer::write_html(t, out);
    bytes = out.str().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["events"] = static_cast<double>(t.events.size());
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / t.events.size();
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(t.events.size()));
}
BENCHMARK(BM_WriteHtml)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

void BM_WriteText(benchmark::State& state) {
  auto t = weft::viewer::testing::big_trace(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::ostringstream out;
    weft::viewer::write_text(t, out);
    benchmark::DoNotOptimize(out.str().size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(t.events.size()));
}
BENCHMARK(BM_WriteText)->Arg(1000000)->Unit(benchmark::kMillisecond);

void BM_WritePerfetto(benchmark::State& state) {
  auto t = weft::viewer::testing::big_trace(static_cast<std::size_t>(state.range(0)));
  weft::viewer::PerfettoOptions o;
  o.compress = state.range(1) != 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::ostringstream out;
    weft::viewer::write_perfetto(t, out, o);
    bytes = out.str().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / t.events.size();
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(t.events.size()));
}
BENCHMARK(BM_WritePerfetto)->Args({1000000, 0})->Args({1000000, 1})->Unit(benchmark::kMillisecond);

// An ostream that counts what is written to it and keeps nothing (sizes without disk I/O).
class CountingBuf : public std::streambuf {
 public:
  std::uint64_t count = 0;

 protected:
  std::streamsize xsputn(const char*, std::streamsize n) override {
    count += static_cast<std::uint64_t>(n);
    return n;
  }
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) ++count;
    return traits_type::not_eof(c);
  }
};

// Export time and size of each format for one synthetic trace.
int compare_exports(std::size_t events) {
  auto t0 = std::chrono::steady_clock::now();
  auto t = weft::viewer::testing::big_trace(events);
  double gen = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("synthetic trace: %zu events, %zu threads, %zu locks (generated in %.2f s)\n",
              t.events.size(), t.threads.size(), t.objects.size() - 1, gen);
  struct Row {
    const char* name;
    double seconds;
    std::uint64_t bytes;
  };
  std::vector<Row> rows;
  auto measure = [&](const char* name, auto write) {
    CountingBuf buf;
    std::ostream out(&buf);
    auto s = std::chrono::steady_clock::now();
    write(out);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - s).count();
    rows.push_back({name, secs, buf.count});
  };
  measure("chrome-json", [&](std::ostream& o) { weft::viewer::write_chrome_json(t, o); });
  measure("perfetto --compress=none", [&](std::ostream& o) {
    weft::viewer::PerfettoOptions opt;
    opt.compress = false;
    weft::viewer::write_perfetto(t, o, opt);
  });
  measure("perfetto (deflate, level 3)", [&](std::ostream& o) {  // the default
    weft::viewer::write_perfetto(t, o, {});
  });
  measure("perfetto (deflate, level 6)", [&](std::ostream& o) {
    weft::viewer::PerfettoOptions opt;
    opt.level = 6;
    weft::viewer::write_perfetto(t, o, opt);
  });
  const double n = static_cast<double>(t.events.size());
  std::printf("%-30s %10s %14s %12s %14s\n", "format", "export s", "bytes", "bytes/event",
              "size vs json");
  for (const auto& r : rows)
    std::printf("%-30s %10.2f %14llu %12.2f %13.4fx\n", r.name, r.seconds,
                static_cast<unsigned long long>(r.bytes), static_cast<double>(r.bytes) / n,
                static_cast<double>(r.bytes) / static_cast<double>(rows.front().bytes));
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak resident memory of this process: %.0f MB\n", ru.ru_maxrss / 1024.0);
  return 0;
}

}  // namespace

// Writes the synthetic trace with `write` to `path` and prints its size per event.
template <typename Write>
int write_file(const std::string& path, std::size_t events, Write write) {
  auto t = weft::viewer::testing::big_trace(events);
  std::ofstream out(path, std::ios::binary);
  write(t, out);
  out.flush();
  std::cout << "wrote " << path << ": " << t.events.size() << " events, " << out.tellp()
            << " bytes (" << static_cast<double>(out.tellp()) / t.events.size()
            << " bytes/event)\n";
  return out ? 0 : 1;
}

int main(int argc, char** argv) {
  std::string page, chrome_json, perfetto;
  bool compare = false;
  std::size_t events = 1000000;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--write-page=", 13) == 0) page = argv[i] + 13;
    if (std::strncmp(argv[i], "--write-chrome-json=", 20) == 0) chrome_json = argv[i] + 20;
    if (std::strncmp(argv[i], "--write-perfetto=", 17) == 0) perfetto = argv[i] + 17;
    if (std::strcmp(argv[i], "--compare-exports") == 0) compare = true;
    if (std::strncmp(argv[i], "--events=", 9) == 0) events = std::strtoull(argv[i] + 9, nullptr, 10);
  }
  if (compare) return compare_exports(events);
  if (!perfetto.empty()) {
    return write_file(perfetto, events, [](const auto& t, std::ostream& out) {
      weft::viewer::write_perfetto(t, out);
    });
  }
  if (!page.empty()) {
    return write_file(page, events, [](const auto& t, std::ostream& out) {
      weft::viewer::write_html(t, out, "weft bench: " + std::to_string(t.events.size()) + " events");
    });
  }
  if (!chrome_json.empty()) {
    return write_file(chrome_json, events, [](const auto& t, std::ostream& out) {
      weft::viewer::write_chrome_json(t, out);
    });
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
