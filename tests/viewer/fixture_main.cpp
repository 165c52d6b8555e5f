// viewer_fixture DIR: writes the synthetic traces of tests/viewer/synthetic.hpp as pages and
// payloads into DIR, for the JavaScript (node --test) and browser tests.
//   basic.html / basic.payload   five threads, condition, event, join, contention, deadlock
//   basic.v3.payload             the same as payload version 3 (the events, derived by the page)
//   big.payload, big.v3.payload  20k synthetic events, payload versions 4 and 3
//   overlap.payload, .v3.payload a semaphore's overlapping holds, versions 4 and 3
//   tasks.payload, .v3.payload   weft::aio task lanes, versions 5 and 3 (and tasks.html)
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

  {
    // weft::aio task lanes (js/tasks.test.js): tasks A and B on main's loop, listed after a
    // worker thread; A waits on a Condition B notifies, then sets an Event the worker waits on;
    // B sleeps (suspended on nothing) between its two stretches.
    viewer::testing::Builder k;
    const auto main_th = k.thread("main");
    const auto worker = k.thread("worker");
    const auto ta = k.object(rt::ObjKind::AioTask, "A");
    const auto tb = k.object(rt::ObjKind::AioTask, "B");
    const auto cond = k.object(rt::ObjKind::AioCondition, "cond");
    const auto lk = k.object(rt::ObjKind::AioLock, "lk");
    const auto done = k.object(rt::ObjKind::AioEvent, "done");
    const auto lane_a = k.thread("A");
    const auto lane_b = k.thread("B");
    for (auto [lane, task] : {std::pair{lane_a, ta}, std::pair{lane_b, tb}}) {
      k.t.threads[lane].parent = main_th;
      k.t.threads[lane].task = task;
      k.t.threads[lane].os_tid = k.t.threads[main_th].os_tid;
    }
    const auto notified = static_cast<std::uint64_t>(rt::WaitResult::Notified);
    k.ev(1, main_th, rt::Ev::Notify, 0);
    k.ev(5, worker, rt::Ev::WaitBegin, done, 0);
    k.ev(10, lane_a, rt::Ev::TaskResume, ta);
    k.ev(11, lane_a, rt::Ev::AcquireBegin, lk);
    k.ev(11, lane_a, rt::Ev::Acquired, lk, 1);
    k.ev(12, lane_a, rt::Ev::WaitBegin, cond, lk);
    k.ev(12, lane_a, rt::Ev::Release, lk);
    k.ev(13, lane_a, rt::Ev::TaskSuspend, ta, cond);
    k.ev(20, lane_b, rt::Ev::TaskResume, tb);
    k.ev(21, lane_b, rt::Ev::AcquireBegin, lk);
    k.ev(21, lane_b, rt::Ev::Acquired, lk, 1);
    k.ev(22, lane_b, rt::Ev::Notify, cond, 1);
    k.ev(23, lane_b, rt::Ev::Release, lk);
    k.ev(24, lane_b, rt::Ev::TaskSuspend, tb, 0);  // a timer
    k.ev(30, lane_a, rt::Ev::TaskResume, ta);
    k.ev(31, lane_a, rt::Ev::WaitEnd, cond, notified);
    k.ev(31, lane_a, rt::Ev::AcquireBegin, lk);
    k.ev(31, lane_a, rt::Ev::Acquired, lk, 1);
    k.ev(32, lane_a, rt::Ev::Release, lk);
    k.ev(33, lane_a, rt::Ev::Set, done, 1);
    k.ev(34, lane_a, rt::Ev::TaskEnd, ta);
    k.ev(35, worker, rt::Ev::WaitEnd, done, notified);
    k.ev(40, lane_b, rt::Ev::TaskResume, tb);
    k.ev(41, lane_b, rt::Ev::TaskEnd, tb);
    k.ev(45, main_th, rt::Ev::Notify, 0);
    std::ofstream(dir / "tasks.payload") << viewer::encode_payload(k.t);
    std::ofstream(dir / "tasks.v3.payload") << viewer::encode_payload(k.t, {}, 3);
    page(dir / "tasks.html", k.t, "aio tasks <synthetic>");
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
