// The viewer's page at scale: how long `weft view` takes to write the HTML page for a large
// trace, and how many bytes per event the page costs (the budget is 8).
//
//   build/bin/viewer_page_bench                                # the C++ side (Google Benchmark)
//   build/bin/viewer_page_bench --write-page=/tmp/1m.html --events=1000000
//   node bench/viewer_load.js /tmp/1m.html                    # the page: time until interactive
#include <benchmark/benchmark.h>

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

}  // namespace

int main(int argc, char** argv) {
  std::string page;
  std::size_t events = 1000000;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--write-page=", 13) == 0) page = argv[i] + 13;
    if (std::strncmp(argv[i], "--events=", 9) == 0) events = std::strtoull(argv[i] + 9, nullptr, 10);
  }
  if (!page.empty()) {
    auto t = weft::viewer::testing::big_trace(events);
    std::ofstream out(page, std::ios::binary);
    weft::viewer::write_html(t, out, "weft bench: " + std::to_string(t.events.size()) + " events");
    out.flush();
    std::cout << "wrote " << page << ": " << t.events.size() << " events, " << out.tellp()
              << " bytes (" << static_cast<double>(out.tellp()) / t.events.size()
              << " bytes/event)\n";
    return out ? 0 : 1;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
