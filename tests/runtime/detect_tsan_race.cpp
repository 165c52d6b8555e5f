// The ThreadSanitizer path (built and run only in the -fsanitize=thread build): a real data race
// reaches the active sink as a `data-race` finding whose sites are the two racing lines.
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "weft/runtime/detectors.hpp"
#include "weft/runtime/event.hpp"

using namespace weft::rt;

namespace {
class Capture final : public Sink {
 public:
  void on_object(ObjId, ObjKind, std::string_view, const std::source_location&) noexcept override {}
  void on_event(Ev, ObjId, std::uint64_t, const std::source_location&) noexcept override {}
  void on_finding(const FindingRecord& f) noexcept override {
    std::lock_guard g(mu);
    findings.push_back(f);
  }
  std::mutex mu;
  std::vector<FindingRecord> findings;
};

int shared_counter = 0;
unsigned write_line_a = 0, write_line_b = 0;

__attribute__((noinline)) void bump_a() {
  write_line_a = __LINE__ + 1;
  shared_counter = shared_counter + 1;
}
__attribute__((noinline)) void bump_b() {
  write_line_b = __LINE__ + 1;
  shared_counter = shared_counter + 2;
}
}  // namespace

int main() {
  Capture cap;
  detectors::Options o;
  o.watchdog = false;
  auto top = detectors::make_detector_sink(&cap, o);
  set_sink(top.get());
  std::thread a(bump_a);
  std::thread b(bump_b);
  a.join();
  b.join();
  set_sink(nullptr);

  std::lock_guard g(cap.mu);
  for (const auto& f : cap.findings) {
    if (f.kind != "data-race") continue;
    bool has_a = false, has_b = false;
    for (const auto& s : f.sites) {
      if (std::strstr(s.file_name(), "detect_tsan_race.cpp") == nullptr) continue;
      has_a |= s.line() == write_line_a;
      has_b |= s.line() == write_line_b;
    }
    std::printf("finding: %s: %s\n", f.kind.c_str(), f.message.c_str());
    if (has_a && has_b) {
      std::printf("ok: data-race with both access sites (lines %u and %u)\n", write_line_a,
                  write_line_b);
      return 0;
    }
  }
  std::printf("FAIL: no data-race finding with both sites (%zu findings)\n", cap.findings.size());
  return 1;
}
