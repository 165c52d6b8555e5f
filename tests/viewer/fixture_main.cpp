// viewer_fixture DIR: writes the synthetic traces of tests/viewer/synthetic.hpp as pages and
// payloads into DIR, for the JavaScript (node --test) and browser tests.
//   basic.html / basic.payload   five threads, condition, event, join, contention, deadlock
//   basic.v3.payload             the same as payload version 3 (the events, derived by the page)
//   big.payload, big.v3.payload  20k synthetic events, payload versions 4 and 3
//   overlap.payload, .v3.payload a semaphore's overlapping holds, versions 4 and 3
//   multiproc.html               two processes
//   empty.html                   no events at all
//   big.html                     200k events (LOD and load in the browser)
// viewer_fixture DIR --large=N writes only large.html, N events (10M for browser/large.test.js).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "synthetic.hpp"
#include "weft/viewer/writers.hpp"

using namespace weft;

namespace {
void page(const std::filesystem::path& p, const trace::Trace& t, const std::string& title) {
  std::ofstream out(p, std::ios::binary);
  viewer::write_html(t, out, title);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[2]).starts_with("--large=")) {
    // viewer_fixture DIR --large=N: only DIR/large.html, N synthetic events (browser/large.test.js)
    std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    const auto n = std::stoull(std::string(argv[2] + 8));
    page(dir / "large.tmp", viewer::testing::big_trace(n), "large: " + std::to_string(n) + " events");
    std::filesystem::rename(dir / "large.tmp", dir / "large.html");
    std::cout << "wrote " << (dir / "large.html").string() << "\n";
    return 0;
  }
  if (argc != 2) {
    std::cerr << "usage: viewer_fixture DIR [--large=EVENTS]\n";
    return 2;
  }
  std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  auto basic = viewer::testing::basic_trace();
  page(dir / "basic.html", basic.trace, "basic <synthetic>");
  std::ofstream(dir / "basic.payload") << viewer::encode_payload(basic.trace);
  std::ofstream(dir / "basic.v3.payload") << viewer::encode_payload(basic.trace, {}, 3);
  // Big enough for nested and re-entrant holds, contention, every arrow: version 4 against the
  // page's own derivation of version 3 (js/decode.test.js).
  auto big = viewer::testing::big_trace(20000);
  std::ofstream(dir / "big.payload") << viewer::encode_payload(big);
  std::ofstream(dir / "big.v3.payload") << viewer::encode_payload(big, {}, 3);

  {
    // Holds of one lock that overlap (a semaphore, or threads whose clocks disagree): contention
    // is then found without the sorted holds' shortcut, in C++ and in the page alike.
    viewer::testing::Builder o;
    std::uint32_t th[4];
    for (int i = 0; i < 4; ++i) {
      std::string name = "t";  // appended piecewise: GCC 12's -Wrestrict misfires on a + chain
      name += std::to_string(i);
      th[i] = o.thread(name);
    }
    auto s = o.object(rt::ObjKind::Semaphore, "slots");
    auto l = o.object(rt::ObjKind::Lock, "plain");
    o.ev(0, th[0], rt::Ev::Acquired, s, 0);
    o.ev(10, th[3], rt::Ev::AcquireBegin, l, 0);
    o.ev(10, th[3], rt::Ev::Acquired, l, 0);
    o.ev(50, th[1], rt::Ev::Acquired, s, 0);
    o.ev(60, th[3], rt::Ev::Release, l, 0);
    o.ev(100, th[0], rt::Ev::Release, s, 0);
    o.ev(120, th[2], rt::Ev::AcquireBegin, s, 0);
    o.ev(150, th[1], rt::Ev::Release, s, 0);
    o.ev(150, th[2], rt::Ev::Acquired, s, 0);
    o.ev(160, th[0], rt::Ev::Acquired, s, 0);
    o.ev(170, th[0], rt::Ev::Release, s, 0);
    o.ev(175, th[3], rt::Ev::AcquireBegin, s, 0);
    o.ev(200, th[2], rt::Ev::Release, s, 0);
    o.ev(200, th[3], rt::Ev::Acquired, s, 0);
    o.ev(230, th[1], rt::Ev::AcquireBegin, s, 0);
    o.ev(240, th[3], rt::Ev::Release, s, 0);
    o.ev(240, th[1], rt::Ev::Acquired, s, 0);
    o.ev(250, th[1], rt::Ev::Release, s, 0);
    std::ofstream(dir / "overlap.payload") << viewer::encode_payload(o.t);
    std::ofstream(dir / "overlap.v3.payload") << viewer::encode_payload(o.t, {}, 3);
  }

  viewer::testing::Builder b;
  auto a = b.thread("server main", 0, 100);
  auto c = b.thread("client main", 0, 200);
  auto l = b.object(rt::ObjKind::Mutex, "shared mutex", -1, 100);
  b.t.processes.push_back({100, 0, "./server"});
  b.t.processes.push_back({200, 100, "./client --port 1"});
  b.ev(0, a, rt::Ev::Acquired, l, 1);
  b.ev(500, c, rt::Ev::ThreadStart, 0, 0);
  b.ev(1000, a, rt::Ev::Release, l, 0);
  b.ev(1500, c, rt::Ev::ThreadEnd, 0, 0);
  page(dir / "multiproc.html", b.t, "two processes");

  page(dir / "empty.html", trace::Trace{}, "empty");
  page(dir / "big.html", viewer::testing::big_trace(200000), "big");
  std::cout << "wrote fixtures to " << dir.string() << "\n";
  return 0;
}
