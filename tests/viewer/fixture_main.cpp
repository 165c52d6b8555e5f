// viewer_fixture DIR: writes the synthetic traces of tests/viewer/synthetic.hpp as pages and
// payloads into DIR, for the JavaScript (node --test) and browser tests.
//   basic.html / basic.payload   five threads, condition, event, join, contention, deadlock
//   multiproc.html               two processes
//   empty.html                   no events at all
//   big.html                     200k events (LOD and load in the browser)
#include <filesystem>
#include <fstream>
#include <iostream>

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
  if (argc != 2) {
    std::cerr << "usage: viewer_fixture DIR\n";
    return 2;
  }
  std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  auto basic = viewer::testing::basic_trace();
  page(dir / "basic.html", basic.trace, "basic <synthetic>");
  std::ofstream(dir / "basic.payload") << viewer::encode_payload(basic.trace);

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
