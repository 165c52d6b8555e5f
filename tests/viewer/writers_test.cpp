// The viewer's C++ writers on synthetic traces (tests/viewer/synthetic.hpp): the derived
// intervals and arrows, the terminal timeline, the Chrome Trace Event JSON and the HTML page.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "synthetic.hpp"
#include "weft/viewer/writers.hpp"

using namespace weft;
using viewer::State;
using viewer::testing::Basic;
using viewer::testing::basic_trace;
using viewer::testing::Builder;

namespace {

const viewer::Interval* find_interval(const viewer::Derived& d, std::uint32_t th, State s,
                                      rt::ObjId obj, std::uint64_t t0) {
  for (const auto& iv : d.intervals)
    if (iv.thread == th && iv.state == s && iv.obj == obj && iv.t0 == t0) return &iv;
  return nullptr;
}

bool has_arrow(const viewer::Derived& d, viewer::Arrow::Kind k, std::uint32_t from,
               std::uint32_t to, std::uint64_t t0, std::uint64_t t1) {
  for (const auto& a : d.arrows)
    if (a.kind == k && a.from_thread == from && a.to_thread == to && a.t0 == t0 && a.t1 == t1)
      return true;
  return false;
}

std::string inflate_raw(const std::string& in) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, -15) == Z_OK);
  std::string out(in.size() * 20 + 1024, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  REQUIRE(rc == Z_STREAM_END);
  return out;
}

std::string unbase64(const std::string& s) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '+'             ? 62
            : c == '/'             ? 63
                                   : -1;
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("derive: blocked, holding and waiting intervals follow the event conventions") {
  Basic b = basic_trace();
  auto d = viewer::derive(b.trace);
  // worker-2 blocked on lock A from 5500 until it got it at 6100.
  auto* blocked = find_interval(d, b.w2, State::Blocked, b.lock_a, 5500);
  REQUIRE(blocked);
  CHECK(blocked->t1 == 6100);
  CHECK_FALSE(blocked->open);
  // The hold that followed is marked contended (entered after blocking).
  auto* hold = find_interval(d, b.w2, State::Holding, b.lock_a, 6100);
  REQUIRE(hold);
  CHECK(hold->t1 == 6500);
  CHECK(hold->contended);
  // A Condition wait releases its lock: the consumer's first hold ends at the release (2110).
  auto* q1 = find_interval(d, b.consumer, State::Holding, b.queue_lock, 2000);
  REQUIRE(q1);
  CHECK(q1->t1 == 2110);
  auto* wait = find_interval(d, b.consumer, State::Waiting, b.cond, 2100);
  REQUIRE(wait);
  CHECK(wait->t1 == 3300);
  // The deadlock: both workers blocked until the end, each holding what the other wants.
  auto* d1 = find_interval(d, b.w1, State::Blocked, b.lock_b, 7500);
  auto* d2 = find_interval(d, b.w2, State::Blocked, b.lock_a, 7600);
  REQUIRE(d1);
  REQUIRE(d2);
  CHECK(d1->open);
  CHECK(d2->open);
  CHECK(d1->t1 == 9000);
  auto* h1 = find_interval(d, b.w1, State::Holding, b.lock_a, 7000);
  REQUIRE(h1);
  CHECK(h1->open);
  // main joins worker-1 and never returns.
  auto* join = find_interval(d, b.main, State::Waiting, b.t_w1, 8000);
  REQUIRE(join);
  CHECK(join->open);
}

TEST_CASE("derive: a deadlock reported after the last event keeps its threads blocked until then") {
  Basic b = basic_trace();
  // The watchdog reports the deadlock (last event at 9000) at 50000: still blocked then.
  b.trace.findings.back().time_ns = 50000;
  auto d = viewer::derive(b.trace);
  CHECK(d.t_max == 50000);
  auto* d1 = find_interval(d, b.w1, State::Blocked, b.lock_b, 7500);
  REQUIRE(d1);
  CHECK(d1->open);
  CHECK(d1->t1 == 50000);
  // A time from another clock (far beyond the trace) does not stretch the axis.
  b.trace.findings.back().time_ns = 1'000'000'000'000ull;
  CHECK(viewer::derive(b.trace).t_max == 9000);
}

TEST_CASE("derive: arrows for unblock, notify, set, start and join") {
  Basic b = basic_trace();
  auto d = viewer::derive(b.trace);
  using A = viewer::Arrow;
  CHECK(has_arrow(d, A::Unblock, b.w1, b.w2, 6000, 6100));
  CHECK(has_arrow(d, A::Notify, b.main, b.consumer, 3100, 3300));
  CHECK(has_arrow(d, A::Set, b.main, b.xss, 4000, 4100));
  CHECK(has_arrow(d, A::Join, b.xss, b.main, 4200, 4400));
  CHECK(has_arrow(d, A::Start, b.main, b.w1, 100, 1000));
  CHECK(has_arrow(d, A::Start, b.main, b.consumer, 300, 1500));
  // The deadlock's acquisitions never complete: no arrow ends after 7000.
  for (const auto& a : d.arrows) CHECK(a.t1 < 7000);
}

TEST_CASE("derive: an RLock held recursively is one hold, an unowned release closes nothing") {
  Builder b;
  auto th = b.thread("t");
  auto other = b.thread("u");
  auto r = b.object(rt::ObjKind::RLock, "r");
  auto l = b.object(rt::ObjKind::Lock, "l");
  b.ev(10, th, rt::Ev::Acquired, r, 1);
  b.ev(20, th, rt::Ev::Acquired, r, 2);
  b.ev(30, th, rt::Ev::Release, r, 1);
  b.ev(40, th, rt::Ev::Release, r, 0);
  b.ev(50, other, rt::Ev::Release, l, 0);  // unowned-release
  b.ev(60, th, rt::Ev::Acquired, l, 1);
  b.ev(70, other, rt::Ev::Release, l, 0);  // released by a thread that does not hold it
  b.ev(80, th, rt::Ev::Release, l, 0);
  auto d = viewer::derive(b.t);
  std::vector<const viewer::Interval*> holds;
  for (const auto& iv : d.intervals)
    if (iv.state == State::Holding) holds.push_back(&iv);
  REQUIRE(holds.size() == 2);
  CHECK(holds[0]->obj == r);
  CHECK(holds[0]->t0 == 10);
  CHECK(holds[0]->t1 == 40);
  CHECK(holds[1]->obj == l);
  CHECK(holds[1]->t1 == 80);
}

TEST_CASE("text: one row per thread, terminal width, who blocks on whom, findings with sites") {
  Basic b = basic_trace();
  std::ostringstream out;
  viewer::write_text(b.trace, out, {.width = 80, .unicode = true});
  const std::string s = out.str();
  INFO(s);
  for (const auto& th : b.trace.threads) CHECK(s.find(th.name.substr(0, 12)) != std::string::npos);
  CHECK(s.find("worker-2 is blocked acquiring lock 'lock A', held by worker-1") != std::string::npos);
  CHECK(s.find("worker-1 is blocked acquiring lock 'lock B', held by worker-2") != std::string::npos);
  CHECK(s.find("[deadlock]") != std::string::npos);
  CHECK(s.find("corpus/deadlock/001-two-locks-buggy.cpp:12 (worker_one)") != std::string::npos);
  CHECK(s.find("findings: 2") != std::string::npos);
  // Every timeline row is exactly 80 display columns (all glyphs are one column wide; the
  // CJK name counts two per character).
  std::istringstream lines(s);
  std::string line;
  int rows = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line.back() != '|') continue;
    ++rows;
    int cols = 0;
    for (std::size_t i = 0; i < line.size();) {
      unsigned char c = static_cast<unsigned char>(line[i]);
      std::size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      bool cjk = len == 3 && c >= 0xe4 && c <= 0xe9;  // CJK unified ideographs
      cols += cjk ? 2 : 1;
      i += len;
    }
    CHECK(cols == 80);
  }
  CHECK(rows == static_cast<int>(b.trace.threads.size()));
  // worker-2's row shows it blocked (the dark shade) at the end of the trace.
  auto pos = s.find("worker-2");
  auto eol = s.find('\n', pos);
  std::string row = s.substr(pos, eol - pos);
  CHECK(row.rfind("\u2593|") != std::string::npos);

  std::ostringstream ascii;
  viewer::write_text(b.trace, ascii, {.width = 60, .unicode = false});
  CHECK(ascii.str().find("\u2588") == std::string::npos);
  CHECK(ascii.str().find("\u2593") == std::string::npos);
  CHECK(ascii.str().find("X|") != std::string::npos);
}

TEST_CASE("text: the lock table has the page's numbers (web/layout/derive.js lockStats)") {
  Basic b = basic_trace();
  std::ostringstream out;
  viewer::write_text(b.trace, out, {.width = 100, .unicode = true});
  const std::string s = out.str();
  INFO(s);
  // The same figures as tests/viewer/js/locks.test.js: sorted by time blocked; acquisitions,
  // contended holds, blocks, blocked total and max, hold max and total.
  auto a = s.find("  lock A  ");
  auto bb = s.find("  lock B  ");
  auto q = s.find("  queue lock");
  REQUIRE(a != std::string::npos);
  REQUIRE(bb != std::string::npos);
  REQUIRE(q != std::string::npos);
  CHECK(a < bb);
  CHECK(bb < q);
  auto row = [&](std::size_t pos) { return s.substr(pos, s.find('\n', pos) - pos); };
  auto words = [](const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> w;
    for (std::string x; in >> x;) w.push_back(x);
    return w;
  };
  CHECK(words(row(a)) == std::vector<std::string>{"lock", "A", "3", "1", "2", "2.0", "us", "1.4",
                                                  "us", "2.0", "us", "3.4", "us"});
  CHECK(words(row(bb)) == std::vector<std::string>{"lock", "B", "1", "0", "1", "1.5", "us", "1.5",
                                                   "us", "1.9", "us", "1.9", "us"});
  CHECK(words(row(q)) == std::vector<std::string>{"queue", "lock", "3", "0", "0", "0", "ns", "0",
                                                  "ns", "200", "ns", "500", "ns"});
}

TEST_CASE("source: the lines around the sites, missing, unreadable or odd files give none") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("weft-src-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string file = (dir / "prog.cpp").string();
  {
    std::ofstream f(file);
    for (int i = 1; i <= 20; ++i)
      f << "line " << i << (i == 7 ? std::string(500, 'x') : "") << "\r\n";
  }
  Builder b;
  auto th = b.thread("t");
  auto s_find = b.site(file, 10, "f");                           // the finding's site
  auto s_ev = b.site(file, 12, "g");                             // overlaps: one block 8..14
  auto s_far = b.site(file, 19, "h");                            // a second block 17..20
  auto s_missing = b.site((dir / "gone.cpp").string(), 3, "m");  // no such file
  auto s_dir = b.site(dir.string(), 1, "d");                     // not a regular file
  auto s_past = b.site(file, 400, "p");                          // past the end of the file
  auto s_zero = b.site(file, 0, "z");                            // no line
  auto l = b.object(rt::ObjKind::Mutex, "m", s_far);
  b.ev(10, th, rt::Ev::Acquired, l, 1, s_ev);
  b.ev(20, th, rt::Ev::Release, l, 0, s_missing);
  b.ev(30, th, rt::Ev::Acquired, l, 1, s_dir);
  b.ev(40, th, rt::Ev::Release, l, 0, s_past);
  b.ev(50, th, rt::Ev::Acquired, l, 1, s_zero);
  b.finding("deadlock", "x", 50, {th}, {l}, {s_find});

  auto sn = viewer::read_source_snippets(b.t);
  REQUIRE(sn.size() == 2);
  CHECK(sn[0].file == file);
  CHECK(sn[0].first_line == 8);
  CHECK(sn[0].lines == std::vector<std::string>{"line 8", "line 9", "line 10", "line 11", "line 12",
                                                "line 13", "line 14"});
  CHECK(sn[1].first_line == 17);
  CHECK(sn[1].lines.size() == 4);  // 17..20, the file ends there
  CHECK(sn[1].lines.back() == "line 20");

  // A long line is cut (with an ellipsis); the cap keeps the findings' sites first.
  b.t.findings[0].sites = {b.site(file, 7, "long")};
  viewer::SourceOptions small;
  small.context = 0;
  small.max_bytes = 245;  // the long line (241) fits, then nothing else (8 each)
  sn = viewer::read_source_snippets(b.t, small);
  REQUIRE(sn.size() == 1);
  CHECK(sn[0].first_line == 7);
  CHECK(sn[0].lines[0].size() == 240 + 3);
  CHECK(sn[0].lines[0].substr(240) == "\xe2\x80\xa6");

  // The page carries the snippets in its payload; without the files there are none, no error.
  std::string raw =
      inflate_raw(unbase64(viewer::encode_payload(b.t, viewer::read_source_snippets(b.t))));
  CHECK(raw[4] == viewer::kPayloadVersion);
  CHECK(raw.find("line 13") != std::string::npos);
  fs::remove_all(dir);
  CHECK(viewer::read_source_snippets(b.t).empty());
  std::ostringstream page;
  viewer::write_html(b.t, page, "t", viewer::read_source_snippets(b.t));
  CHECK(page.str().find("window.weft") != std::string::npos);
  raw = inflate_raw(unbase64(viewer::encode_payload(b.t, {})));
  CHECK(raw.find("line 13") == std::string::npos);
  CHECK(raw.back() == '\0');  // no snippets: the section is its count, 0
}

TEST_CASE("chrome-json: names, async holds, paired flows, findings as instants") {
  Basic b = basic_trace();
  std::ostringstream out;
  viewer::write_chrome_json(b.trace, out);
  auto j = nlohmann::json::parse(out.str());
  const auto& evs = j.at("traceEvents");
  std::map<std::uint64_t, std::string> names;
  std::map<std::string, int> begins, ends;
  std::map<std::string, std::pair<int, int>> flows;
  std::vector<nlohmann::json> instants;
  bool blocked_ok = false;
  std::map<std::uint64_t, std::string> held_by;  // thread -> held_by of its unfinished blocked slice
  for (const auto& e : evs) {
    std::string ph = e.at("ph");
    if (ph == "M" && e.at("name") == "thread_name")
      names[e.at("tid").get<std::uint64_t>()] = e.at("args").at("name");
    if (ph == "b") begins[e.at("id")]++;
    if (ph == "e") ends[e.at("id")]++;
    if (e.contains("bind_id")) {
      auto& f = flows[e.at("bind_id")];
      if (e.value("flow_out", false)) f.first++;
      if (e.value("flow_in", false)) f.second++;
    }
    if (ph == "i") instants.push_back(e);
    // worker-2's first blocked slice: 5500 ns .. 6100 ns = ts 5.5 us, dur 0.6 us.
    if (ph == "X" && e.at("tid") == b.w2 && e.at("cat") == "weft.blocked" &&
        std::abs(e.at("ts").get<double>() - 5.5) < 1e-9)
      blocked_ok = std::abs(e.at("dur").get<double>() - 0.6) < 1e-9;
    if (ph == "X" && e.at("cat") == "weft.blocked" && e.at("args").value("unfinished", false))
      held_by[e.at("tid").get<std::uint64_t>()] = e.at("args").value("held_by", "");
  }
  // The deadlock: each worker's last blocked slice names the other as the holder.
  CHECK(held_by[b.w1] == "worker-2");
  CHECK(held_by[b.w2] == "worker-1");
  CHECK(blocked_ok);
  for (const auto& th : b.trace.threads) CHECK(names[th.index] == th.name);
  CHECK_FALSE(begins.empty());
  CHECK(begins == ends);  // every async hold is closed, ids unique per hold
  for (const auto& [id, n] : begins) CHECK(n == 1);
  REQUIRE(flows.size() == viewer::derive(b.trace).arrows.size());
  for (const auto& [id, f] : flows) {
    CHECK(f.first == 1);
    CHECK(f.second == 1);
  }
  REQUIRE(instants.size() == 2);
  CHECK(instants[1].at("name") == "deadlock");
  CHECK(instants[1].at("s") == "g");
  CHECK(instants[1].at("args").at("sites").at(0) ==
        "corpus/deadlock/001-two-locks-buggy.cpp:12 (worker_one)");
}

TEST_CASE("chrome-json: invalid UTF-8 in a name does not break the JSON") {
  Builder b;
  b.thread(std::string("bad\xff\xfename"));
  b.ev(1, 0, rt::Ev::ThreadStart, 0, 0);
  std::ostringstream out;
  viewer::write_chrome_json(b.t, out);
  CHECK_NOTHROW(nlohmann::json::parse(out.str()));
}

TEST_CASE("html: self-contained page, no network, names never reach the markup") {
  Basic b = basic_trace();
  std::ostringstream out;
  viewer::write_html(b.trace, out, "<b>title</b>");
  const std::string page = out.str();
  CHECK(page.find("Content-Security-Policy") != std::string::npos);
  CHECK(page.find("default-src 'none'") != std::string::npos);
  CHECK(page.find("&lt;b&gt;title&lt;/b&gt;") != std::string::npos);
  CHECK(page.find("<b>title</b>") == std::string::npos);
  CHECK(page.find("onerror=alert") == std::string::npos);  // only inside the compressed payload
  CHECK(page.find("<script src") == std::string::npos);
  CHECK(page.find("<link") == std::string::npos);
  CHECK(page.find("{{") == std::string::npos);  // every marker substituted
  CHECK(page.find("window.weft") != std::string::npos);
}

TEST_CASE("payload: deflate-compressed binary with the names, under 8 bytes per event") {
  Basic b = basic_trace();
  std::string raw = inflate_raw(unbase64(viewer::encode_payload(b.trace)));
  CHECK(raw.substr(0, 4) == "WEFT");
  CHECK(raw.find("子线程-0") != std::string::npos);
  CHECK(raw.find("<img src=x onerror=alert(1)>") != std::string::npos);

  auto big = viewer::testing::big_trace(200000);
  std::ostringstream page;
  viewer::write_html(big, page);
  const double per_event = static_cast<double>(page.str().size()) / big.events.size();
  INFO("page bytes per event: " << per_event);
  CHECK(per_event < 8.0);
}

TEST_CASE("labels: unnamed main thread, unnamed threads by tid, thread objects by thread name") {
  Builder b;
  auto tobj = b.object(rt::ObjKind::Thread, "");
  auto m = b.object(rt::ObjKind::Mutex, "");
  b.thread("", 0, 100);
  b.thread("", tobj, 100);
  b.t.threads[0].os_tid = 100;  // tid == pid: the process's main thread
  b.t.threads[1].os_tid = 123;
  viewer::Labels l(b.t);
  CHECK(l.thread(0) == "main");
  CHECK(l.thread(1) == "thread 123");
  CHECK(l.thread(7) == "thread #7");
  CHECK(l.object(tobj) == "thread 123");  // the thread's own label, not "thread thread 123"
  CHECK(l.object(m) == "mutex #" + std::to_string(m));
  CHECK(l.object(999) == "object #999");
  b.t.threads[1].name = "worker";
  CHECK(viewer::Labels(b.t).object(tobj) == "thread worker");
}

TEST_CASE("window: the events of [from, to], and what was held, blocked or waiting at from") {
  using rt::Ev;
  using rt::ObjKind;
  Builder b;
  const auto a = b.thread("a"), c = b.thread("c"), w = b.thread("w");
  const auto lock = b.object(ObjKind::Lock, "L");
  const auto rlock = b.object(ObjKind::RLock, "R");
  const auto cond = b.object(ObjKind::Condition, "C");
  b.ev(10, a, Ev::Acquired, lock);
  b.ev(12, a, Ev::Acquired, rlock, 1);
  b.ev(14, a, Ev::Acquired, rlock, 2);  // depth 2 at the window's start
  b.ev(15, c, Ev::Acquired, rlock, 1);  // taken and let go before the window: not carried
  b.ev(16, c, Ev::Release, rlock, 0);
  b.ev(20, c, Ev::AcquireBegin, lock);
  b.ev(22, w, Ev::WaitBegin, cond, lock);
  b.ev(50, a, Ev::Release, lock);
  b.ev(50, c, Ev::Acquired, lock);
  b.ev(52, w, Ev::WaitEnd, cond, 0);
  b.ev(60, c, Ev::Release, lock);  // after the window
  std::vector<trace::Event> got;
  viewer::EventPass pass = viewer::window(b.t, viewer::events_of(b.t), 30, 55);
  const std::uint64_t n = pass([&](const trace::Event& e) { got.push_back(e); });
  CHECK(n == got.size());
  REQUIRE(got.size() == 7);
  // At 30: a's two holds (the recursive one at depth 2), c blocked, w waiting.
  CHECK((got[0].ts_ns == 30 && got[0].thread == a && got[0].kind == Ev::Acquired && got[0].obj == lock));
  CHECK((got[1].ts_ns == 30 && got[1].obj == rlock && got[1].kind == Ev::Acquired && got[1].arg == 2));
  CHECK((got[2].ts_ns == 30 && got[2].thread == c && got[2].kind == Ev::AcquireBegin));
  CHECK((got[3].ts_ns == 30 && got[3].thread == w && got[3].kind == Ev::WaitBegin && got[3].arg == lock));
  CHECK((got[4].ts_ns == 50 && got[4].kind == Ev::Release));
  CHECK((got[6].ts_ns == 52 && got[6].kind == Ev::WaitEnd));
  // Drawn, the window shows a holding L over [30, 50], c blocked on it over [30, 50].
  trace::Trace windowed = b.t;
  windowed.events = got;
  const auto d = viewer::derive(windowed);
  const auto* hold = find_interval(d, a, State::Holding, lock, 30);
  REQUIRE(hold != nullptr);
  CHECK(hold->t1 == 50);
  const auto* blocked = find_interval(d, c, State::Blocked, lock, 30);
  REQUIRE(blocked != nullptr);
  CHECK(blocked->t1 == 50);
  // A window from 0 is the whole trace; one past the last event carries the state at the end.
  CHECK(viewer::window(b.t, viewer::events_of(b.t), 0, UINT64_MAX)([](const trace::Event&) {}) ==
        b.t.events.size());
  std::vector<trace::Event> late;
  viewer::window(b.t, viewer::events_of(b.t), 100, 200)(
      [&](const trace::Event& e) { late.push_back(e); });
  REQUIRE(late.size() == 1);  // a still holds R at depth 2
  CHECK((late[0].obj == rlock && late[0].ts_ns == 100));
}
