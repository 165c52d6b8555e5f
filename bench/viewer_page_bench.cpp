// The viewer's page at scale: how long `weft view` takes to write the HTML page for a large
// trace, and how many bytes per event the page costs (the budget is 8).
//
//   build/bin/viewer_page_bench                                # the C++ side (Google Benchmark)
//   build/bin/viewer_page_bench --write-page=/tmp/1m.html --events=1000000
//   node bench/viewer_load.js /tmp/1m.html                    # the page: time until interactive
//   build/bin/viewer_page_bench --write-chrome-json=/tmp/1m.json --events=1000000
//                                     # the same trace as Chrome Trace Event JSON (for Perfetto UI)
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
  std::string page, chrome_json;
  std::size_t events = 1000000;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--write-page=", 13) == 0) page = argv[i] + 13;
    if (std::strncmp(argv[i], "--write-chrome-json=", 20) == 0) chrome_json = argv[i] + 20;
    if (std::strncmp(argv[i], "--events=", 9) == 0) events = std::strtoull(argv[i] + 9, nullptr, 10);
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
