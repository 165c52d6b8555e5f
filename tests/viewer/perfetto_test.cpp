// Perfetto's protobuf format: the wire encoder (weft/viewer/protowire.hpp) against byte strings
// derived by hand from the protobuf wire specification, and write_perfetto on the synthetic
// traces, decoded back here by a minimal reader (no libprotobuf) and compared with derive().
// tests/viewer/e2e_perfetto.sh decodes real recordings with Debian's protoc.
#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <sstream>

#include "synthetic.hpp"
#include "weft/viewer/protowire.hpp"
#include "weft/viewer/writers.hpp"

using namespace weft;
namespace pb = weft::viewer::pb;
using viewer::State;

namespace {

std::string hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    if (!out.empty()) out += ' ';
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::string varint_hex(std::uint64_t v) {
  std::string s;
  pb::put_varint(s, v);
  return hex(s);
}

// ---- a minimal protobuf reader, for the tests only -------------------------------------------
struct Field {
  std::uint32_t num = 0;
  int wire = 0;
  std::uint64_t v = 0;  // varint, fixed64, fixed32
  std::string bytes;    // LEN
};

std::uint64_t read_varint(std::string_view s, std::size_t& i) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    REQUIRE(i < s.size());
    auto b = static_cast<unsigned char>(s[i++]);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  FAIL("varint longer than 10 bytes");
  return 0;
}

std::vector<Field> parse(std::string_view s) {
  std::vector<Field> out;
  std::size_t i = 0;
  while (i < s.size()) {
    Field f;
    std::uint64_t key = read_varint(s, i);
    f.num = static_cast<std::uint32_t>(key >> 3);
    f.wire = static_cast<int>(key & 7);
    switch (f.wire) {
      case 0:
        f.v = read_varint(s, i);
        break;
      case 1:
        REQUIRE(i + 8 <= s.size());
        for (int k = 0; k < 8; ++k)
          f.v |= std::uint64_t(static_cast<unsigned char>(s[i + k])) << (8 * k);
        i += 8;
        break;
      case 2: {
        std::uint64_t n = read_varint(s, i);
        REQUIRE(i + n <= s.size());
        f.bytes = std::string(s.substr(i, n));
        i += n;
        break;
      }
      case 5:
        REQUIRE(i + 4 <= s.size());
        for (int k = 0; k < 4; ++k)
          f.v |= std::uint64_t(static_cast<unsigned char>(s[i + k])) << (8 * k);
        i += 4;
        break;
      default:
        FAIL("wire type " << f.wire);
    }
    out.push_back(std::move(f));
  }
  return out;
}

const Field* get(const std::vector<Field>& m, std::uint32_t num) {
  for (const auto& f : m)
    if (f.num == num) return &f;
  return nullptr;
}

std::string inflate_zlib(const std::string& in) {
  z_stream zs{};
  REQUIRE(inflateInit(&zs) == Z_OK);
  std::string out(in.size() * 50 + 4096, '\0');
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

// The packets of a trace file, bundles of compressed packets expanded in place.
std::vector<std::vector<Field>> packets_of(const std::string& file,
                                           std::size_t* bundles = nullptr) {
  std::vector<std::vector<Field>> out;
  for (const auto& f : parse(file)) {
    REQUIRE(f.num == 1);
    REQUIRE(f.wire == 2);
    auto p = parse(f.bytes);
    if (const Field* z = get(p, 50)) {
      REQUIRE(f.bytes.size() < 512 * 1024);  // the schema's limit for one bundle
      if (bundles) ++*bundles;
      for (auto& inner : packets_of(inflate_zlib(z->bytes))) out.push_back(std::move(inner));
    } else {
      out.push_back(std::move(p));
    }
  }
  return out;
}

// What a Perfetto reader would rebuild: tracks, slices, instants, flows, counters.
struct Slice {
  std::uint64_t t0 = 0, t1 = 0;
  std::string name;
  std::uint64_t track = 0;
  std::uint64_t flow_in = 0, flow_out = 0;  // flow_out: the first of flows_out
  std::vector<std::uint64_t> flows_out;
  std::map<std::string, std::string> notes;  // the BEGIN's and the END's debug annotations
  std::string site;
};
struct Decoded {
  std::map<std::uint64_t, std::string> thread_names;  // track uuid -> thread name
  std::map<std::uint64_t, std::uint64_t> parent;
  std::map<std::uint64_t, std::string> track_names;  // child, counter and global tracks
  std::set<std::uint64_t> counter_tracks;
  std::vector<Slice> slices, instants;
  std::map<std::uint64_t, std::vector<std::pair<std::uint64_t, std::int64_t>>> counters;
  std::vector<std::uint64_t> times;
  std::size_t packets = 0;
};

Decoded decode(const std::string& file) {
  Decoded d;
  auto packets = packets_of(file);
  d.packets = packets.size();
  REQUIRE(!packets.empty());
  // First packet: incremental state cleared, the incremental clock as default.
  const auto& first = packets.front();
  REQUIRE(get(first, 10) != nullptr);
  REQUIRE(get(first, 13)->v == 1);
  REQUIRE(get(parse(get(first, 59)->bytes), 58)->v == 64);
  std::map<std::uint64_t, std::string> names, cats, ann, sites;
  std::map<std::uint64_t, std::vector<Slice>> open;  // per track
  std::map<std::uint64_t, std::size_t> flow_begun;   // flow id -> event position
  std::size_t position = 0;
  std::uint64_t now = 0;
  for (const auto& p : packets) {
    REQUIRE(get(p, 10)->v == 1);  // one sequence
    if (const Field* idata = get(p, 12)) {
      for (const auto& e : parse(idata->bytes)) {
        auto m = parse(e.bytes);
        std::uint64_t iid = get(m, 1)->v;
        std::string value =
            e.num == 4 ? get(m, 2)->bytes + ":" + std::to_string(get(m, 4)->v) : get(m, 2)->bytes;
        auto& table = e.num == 1 ? cats : e.num == 2 ? names : e.num == 3 ? ann : sites;
        REQUIRE(table.count(iid) == 0);  // each entry is sent once
        table[iid] = value;
      }
    }
    if (const Field* td = get(p, 60)) {
      auto m = parse(td->bytes);
      std::uint64_t uuid = get(m, 1)->v;
      if (const Field* par = get(m, 5)) d.parent[uuid] = par->v;
      if (const Field* th = get(m, 4)) d.thread_names[uuid] = get(parse(th->bytes), 5)->bytes;
      if (const Field* n = get(m, 2)) d.track_names[uuid] = n->bytes;
      if (get(m, 8)) d.counter_tracks.insert(uuid);
    }
    const Field* te = get(p, 11);
    if (!te) continue;
    REQUIRE(get(p, 13)->v == 2);  // needs incremental state
    now += get(p, 8)->v;          // deltas on the incremental clock
    d.times.push_back(now);
    auto m = parse(te->bytes);
    std::uint64_t type = get(m, 9)->v, track = get(m, 11)->v;
    Slice s;
    s.t0 = s.t1 = now;
    s.track = track;
    if (const Field* n = get(m, 10)) s.name = names.at(n->v);
    if (const Field* sl = get(m, 34)) s.site = sites.at(sl->v);
    if (const Field* c = get(m, 3)) REQUIRE(cats.count(c->v) == 1);
    ++position;
    for (const auto& f : m) {
      if (f.num == 47) {
        REQUIRE(f.wire == 1);
        if (!s.flow_out) s.flow_out = f.v;
        s.flows_out.push_back(f.v);
        REQUIRE(flow_begun.emplace(f.v, position).second);
      }
      if (f.num == 48) {  // a flow ends after it began (Perfetto drops it otherwise)
        REQUIRE(f.wire == 1);
        s.flow_in = f.v;
        REQUIRE(flow_begun.count(f.v) == 1);
      }
      if (f.num == 4) {
        auto a = parse(f.bytes);
        std::string key = ann.at(get(a, 1)->v);
        if (const Field* sv = get(a, 6))
          s.notes[key] = sv->bytes;
        else if (const Field* bv = get(a, 2))
          s.notes[key] = bv->v ? "true" : "false";
        else
          s.notes[key] = std::to_string(get(a, 3)->v);
      }
    }
    if (const Field* cu = get(m, 31)) {
      REQUIRE(d.counter_tracks.count(cu->v) == 1);
      d.counters[cu->v].push_back({now, static_cast<std::int64_t>(get(m, 12)->v)});
    }
    if (type == 4) {
      REQUIRE(d.counter_tracks.count(track) == 1);
      d.counters[track].push_back({now, static_cast<std::int64_t>(get(m, 30)->v)});
    } else if (type == 1) {
      open[track].push_back(s);
    } else if (type == 2) {
      REQUIRE(!open[track].empty());  // never an end without a begin on its track
      Slice b = open[track].back();
      open[track].pop_back();
      b.t1 = now;
      // As trace_processor does: the END's flows and arguments are the slice's too.
      if (!b.flow_out) b.flow_out = s.flow_out;
      b.flows_out.insert(b.flows_out.end(), s.flows_out.begin(), s.flows_out.end());
      for (const auto& [k, v] : s.notes) b.notes[k] = v;
      d.slices.push_back(b);
    } else {
      REQUIRE(type == 3);
      d.instants.push_back(s);
    }
  }
  for (const auto& [track, v] : open) REQUIRE(v.empty());
  return d;
}

std::string write(const trace::Trace& t, bool compress) {
  std::ostringstream out;
  viewer::PerfettoOptions o;
  o.compress = compress;
  viewer::write_perfetto(t, out, o);
  return out.str();
}

}  // namespace

TEST_CASE("protowire: varints are LEB128, low 7 bits first") {
  CHECK(varint_hex(0) == "00");
  CHECK(varint_hex(1) == "01");
  CHECK(varint_hex(127) == "7f");
  CHECK(varint_hex(128) == "80 01");  // 128 = 0b1_0000000
  CHECK(varint_hex(150) == "96 01");  // 150 = 0b1_0010110
  CHECK(varint_hex(300) == "ac 02");  // 300 = 0b10_0101100
  CHECK(varint_hex(16383) == "ff 7f");
  CHECK(varint_hex(16384) == "80 80 01");
  CHECK(varint_hex(0xffffffffull) == "ff ff ff ff 0f");
  CHECK(varint_hex(UINT64_MAX) == "ff ff ff ff ff ff ff ff ff 01");
  for (std::uint64_t v : std::vector<std::uint64_t>{0, 127, 128, 16384, 1ull << 35, UINT64_MAX}) {
    std::string s;
    pb::put_varint(s, v);
    CHECK(s.size() == pb::varint_size(v));
  }
}

TEST_CASE("protowire: fields, tags and wire types") {
  pb::Writer w;
  w.varint(1, 150);  // tag (1 << 3 | 0) = 08
  CHECK(hex(w.view()) == "08 96 01");
  w.clear();
  w.string(2, "testing");  // tag (2 << 3 | 2) = 12, length 7
  CHECK(hex(w.view()) == "12 07 74 65 73 74 69 6e 67");
  w.clear();
  w.int64(4, -1);  // negative: two's complement, 10 bytes
  CHECK(hex(w.view()) == "20 ff ff ff ff ff ff ff ff ff 01");
  w.clear();
  w.boolean(3, true);
  CHECK(hex(w.view()) == "18 01");
  w.clear();
  w.fixed64(47, 0x0102030405060708ull);  // tag 47 << 3 | 1 = 377 = f9 02, little-endian value
  CHECK(hex(w.view()) == "f9 02 08 07 06 05 04 03 02 01");
  w.clear();
  w.fixed32(5, 1);  // tag 5 << 3 | 5 = 2d
  CHECK(hex(w.view()) == "2d 01 00 00 00");
  w.clear();
  w.varint(60, 1);  // tag 60 << 3 = 480 = e0 03
  CHECK(hex(w.view()) == "e0 03 01");
  w.clear();
  w.bytes(50, std::string("\0\1", 2));  // tag 50 << 3 | 2 = 402 = 92 03
  CHECK(hex(w.view()) == "92 03 02 00 01");
}

TEST_CASE("protowire: nested messages get their length in front") {
  pb::Writer w;
  auto m = w.open(3);  // message { int32 a = 1 } in field 3: 1a 03 08 96 01
  w.varint(1, 150);
  w.close(m);
  CHECK(hex(w.view()) == "1a 03 08 96 01");

  w.clear();  // two levels, and an empty message
  auto outer = w.open(1);
  auto inner = w.open(2);
  w.varint(1, 1);
  w.close(inner);
  auto empty = w.open(3);
  w.close(empty);
  w.close(outer);
  CHECK(hex(w.view()) == "0a 06 12 02 08 01 1a 00");

  w.clear();  // a body of 200 bytes: its length takes 2 bytes (c8 01), the body moves by 2
  auto big = w.open(1);
  w.bytes(2, std::string(197, 'x'));  // 12 c5 01 + 197 bytes = 200 bytes
  w.close(big);
  std::string_view v = w.view();
  REQUIRE(v.size() == 1 + 2 + 200);
  CHECK(hex(v.substr(0, 6)) == "0a c8 01 12 c5 01");
  CHECK(v.substr(6) == std::string(197, 'x'));
}

TEST_CASE("protowire: strings are made valid UTF-8") {
  CHECK(pb::valid_utf8("worker-1") == "worker-1");
  CHECK(pb::valid_utf8("\xe5\x93\xb2\xe5\xad\xa6\xe5\xae\xb6-0") ==
        "\xe5\x93\xb2\xe5\xad\xa6\xe5\xae\xb6-0");
  CHECK(pb::valid_utf8("ab\xff"
                       "c") ==
        "ab\xef\xbf\xbd"
        "c");
  CHECK(pb::valid_utf8("\xe5\x93") == "\xef\xbf\xbd\xef\xbf\xbd");  // cut mid-character
  CHECK(pb::valid_utf8("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");  // overlong '/'
  CHECK(pb::valid_utf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
}

TEST_CASE("perfetto: tracks, slices, flows, counters and findings of the basic trace") {
  auto b = viewer::testing::basic_trace();
  const viewer::Derived der = viewer::derive(b.trace);
  for (bool compress : {false, true}) {
    INFO("compress " << compress);
    const std::string file = write(b.trace, compress);
    const Decoded d = decode(file);
    CHECK(std::is_sorted(d.times.begin(), d.times.end()));

    // One thread track per thread, with its name as it is (not escaped, not dropped).
    std::set<std::string> threads;
    std::map<std::string, std::uint64_t> uuid_of;
    for (const auto& [uuid, name] : d.thread_names) {
      threads.insert(name);
      uuid_of[name] = uuid;
    }
    CHECK(threads == std::set<std::string>{"main", "worker-1", "worker-2", "子线程-0",
                                           "<img src=x onerror=alert(1)>"});
    auto thread_of_track = [&](std::uint64_t track) {
      auto p = d.parent.find(track);
      std::uint64_t t = d.thread_names.count(track) ? track : p->second;
      return d.thread_names.at(t);
    };

    // Every derived interval is one slice, with its times; holds on a child "locks held" track.
    std::multiset<std::tuple<std::string, std::string, std::uint64_t, std::uint64_t>> want, got;
    viewer::Labels labels(b.trace);
    for (const auto& iv : der.intervals) {
      const char* prefix = iv.state == State::Holding   ? "hold "
                           : iv.state == State::Blocked ? "blocked on "
                                                        : "wait ";
      want.insert({labels.thread(iv.thread), prefix + labels.object(iv.obj), iv.t0, iv.t1});
    }
    for (const auto& s : d.slices) {
      got.insert({thread_of_track(s.track), s.name, s.t0, s.t1});
      if (s.name.rfind("hold ", 0) == 0) {
        CHECK(d.thread_names.count(s.track) == 0);
        CHECK(d.track_names.at(s.track).rfind("locks held", 0) == 0);
      } else {
        CHECK(d.thread_names.count(s.track) == 1);
      }
    }
    CHECK(got == want);

    // Sites travel as interned source locations.
    bool site_seen = false;
    for (const auto& s : d.slices)
      if (s.name == "hold lock A" && thread_of_track(s.track) == "worker-1")
        site_seen = s.site == "corpus/deadlock/001-two-locks-buggy.cpp:12";
    CHECK(site_seen);

    // The deadlock: both workers blocked until the end, saying who holds the lock; open holds
    // marked unfinished.
    int unfinished_blocked = 0;
    for (const auto& s : d.slices) {
      if (s.name == "blocked on lock A" && s.t0 == 7600) {
        CHECK(s.notes.at("held_by") == "worker-1");
        CHECK(s.notes.at("unfinished") == "true");
        ++unfinished_blocked;
      }
      if (s.name == "blocked on lock B" && s.t0 == 7500) {
        CHECK(s.notes.at("held_by") == "worker-2");
        ++unfinished_blocked;
      }
      if (s.name == "hold lock A" && s.t0 == 7000) CHECK(s.notes.at("unfinished") == "true");
    }
    CHECK(unfinished_blocked == 2);

    // Flows: each derived arrow is one flow id, begun once and terminated once (decode() checks
    // that it ends after it began); the release -> acquisition arrow joins worker-1's hold of
    // lock A (ending at 6000) to worker-2's (6100). The export begins a flow at its source
    // without knowing whether a target will take it: an id no target terminates (here the end of
    // 子线程-0, which no one joins) is not a flow for Perfetto, which needs both ends.
    std::map<std::uint64_t, int> out, in;
    for (const auto* v : {&d.slices, &d.instants})
      for (const auto& s : *v) {
        for (auto f : s.flows_out) out[f]++;
        if (s.flow_in) in[s.flow_in]++;
      }
    CHECK(in.size() == der.arrows.size());
    for (const auto& [id, n] : out) CHECK(n == 1);
    for (const auto& [id, n] : in) CHECK((n == 1 && out.count(id) == 1));
    CHECK(out.size() == der.arrows.size() + 1);
    std::uint64_t unblock = 0;
    for (const auto& s : d.slices)
      if (s.name == "hold lock A" && s.t1 == 6000 && thread_of_track(s.track) == "worker-1")
        unblock = s.flow_out;
    REQUIRE(unblock != 0);
    bool joined = false;
    for (const auto& s : d.slices)
      if (s.flow_in == unblock)
        joined = s.name == "hold lock A" && s.t0 == 6100 && thread_of_track(s.track) == "worker-2";
    CHECK(joined);
    bool notify = false, woken = false;
    for (const auto& s : d.instants) {
      if (s.name == "notify not_empty" && s.t0 == 3100 && thread_of_track(s.track) == "main")
        notify = true;
      if (s.name == "woken not_empty" && s.t0 == 3300 && thread_of_track(s.track) == "子线程-0")
        woken = true;
    }
    CHECK(notify);
    CHECK(woken);

    // Contention counters: lock A had one thread blocked from 5500 to 6100, then from 7600 on.
    // The counter track begins with the first contention (it is declared then, the events
    // passing once: the value before it is not written).
    std::uint64_t counter_a = 0;
    for (const auto& [uuid, name] : d.track_names)
      if (name == "threads blocked on lock A") counter_a = uuid;
    REQUIRE(d.counter_tracks.count(counter_a) == 1);
    CHECK(d.counters.at(counter_a) == std::vector<std::pair<std::uint64_t, std::int64_t>>{
                                          {5500, 1}, {6100, 0}, {7600, 1}, {der.t_max, 0}});

    // Findings: instants on the global "findings" track, with their message and objects.
    std::vector<std::string> kinds;
    for (const auto& s : d.instants) {
      if (d.track_names.count(s.track) && d.track_names.at(s.track) == "findings") {
        kinds.push_back(s.name);
        CHECK(d.parent.count(s.track) == 0);
        if (s.name == "deadlock") {
          CHECK(s.t0 == 8900);
          CHECK(s.notes.at("message") ==
                "worker-1 and worker-2 wait for each other (lock A, lock B)");
          CHECK(s.notes.at("threads") == "worker-1, worker-2");
          CHECK(s.notes.at("objects") == "lock A, lock B");
          CHECK(s.notes.at("count") == "1");
        }
      }
    }
    CHECK(kinds == std::vector<std::string>{"lock-order-inversion", "deadlock"});
  }
}

TEST_CASE("perfetto: holds that do not nest go to a second lane, compressed = plain") {
  // Hand-over-hand: A [0, 300], B [100, 400] on one thread cannot nest on one track.
  viewer::testing::Builder b;
  auto la = b.object(rt::ObjKind::Lock, "A");
  auto lb = b.object(rt::ObjKind::Lock, "B");
  auto th = b.thread("walker");
  b.t.processes.push_back({100, 0, "./walk"});
  b.ev(0, th, rt::Ev::Acquired, la, 1);
  b.ev(100, th, rt::Ev::Acquired, lb, 1);
  b.ev(300, th, rt::Ev::Release, la, 0);
  b.ev(400, th, rt::Ev::Release, lb, 0);
  const Decoded d = decode(write(b.t, false));
  std::set<std::uint64_t> tracks;
  for (const auto& s : d.slices) tracks.insert(s.track);
  REQUIRE(d.slices.size() == 2);
  CHECK(tracks.size() == 2);
  std::set<std::string> lanes;
  for (auto tr : tracks) lanes.insert(d.track_names.at(tr));
  CHECK(lanes == std::set<std::string>{"locks held", "locks held (2)"});

  // Compression changes the bytes, not the packets.
  auto big = viewer::testing::big_trace(200000);
  std::size_t bundles = 0;
  const std::string plain = write(big, false), packed = write(big, true);
  auto a = packets_of(plain);
  auto c = packets_of(packed, &bundles);
  CHECK(bundles > 1);
  REQUIRE(a.size() == c.size());
  for (std::size_t i = 0; i < a.size(); i += 997) CHECK(a[i].size() == c[i].size());
  CHECK(packed.size() * 3 < plain.size());
}

TEST_CASE("perfetto: an empty trace is a valid file") {
  trace::Trace t;
  const Decoded d = decode(write(t, false));
  CHECK(d.slices.empty());
  CHECK(d.packets == 1);
}

TEST_CASE("perfetto: processes, reused and missing tids, zero-length holds, odd names") {
  viewer::testing::Builder b;
  auto l1 = b.object(rt::ObjKind::Lock, "m\xff");  // a name that is not valid UTF-8
  auto l2 = b.object(rt::ObjKind::Mutex, "", -1, 200);
  auto a = b.thread("parent", 0, 100);
  auto c = b.thread("child", 0, 200);
  auto r = b.thread("child-again", 0, 200);
  b.t.threads[r].os_tid = b.t.threads[c].os_tid;  // a tid reused within the trace
  auto z = b.thread("", 0, 200);
  b.t.threads[z].os_tid = 0;  // unknown tid, no name
  b.t.processes.push_back({100, 0, "./parent"});
  b.t.processes.push_back({200, 100, "./child --flag"});
  b.ev(0, a, rt::Ev::Acquired, l1, 1);
  b.ev(0, a, rt::Ev::Release, l1, 0);  // held for 0 ns
  b.ev(10, c, rt::Ev::Acquired, l2, 1);
  b.ev(20, r, rt::Ev::AcquireBegin, l2, 0);
  b.ev(30, c, rt::Ev::Release, l2, 0);
  b.ev(30, r, rt::Ev::Acquired, l2, 1);  // unblocked at the very time of the release
  b.ev(40, r, rt::Ev::Release, l2, 0);
  b.ev(50, z, rt::Ev::Acquired, l2, 1);
  b.ev(60, z, rt::Ev::Release, l2, 0);
  const std::string file = write(b.t, false);
  const Decoded d = decode(file);

  // Process tracks with their commands; each thread track under its own pid, tids told apart.
  std::map<std::uint64_t, std::string> processes;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> pid_tid;
  for (const auto& p : packets_of(file)) {
    const Field* td = get(p, 60);
    if (!td) continue;
    auto m = parse(td->bytes);
    if (const Field* pr = get(m, 3)) {
      auto pm = parse(pr->bytes);
      processes[get(pm, 1)->v] = get(pm, 6)->bytes;
    }
    if (const Field* th = get(m, 4)) {
      auto tm = parse(th->bytes);
      pid_tid[get(tm, 5)->bytes] = {get(tm, 1)->v, get(tm, 2)->v};
    }
  }
  CHECK(processes ==
        std::map<std::uint64_t, std::string>{{100, "./parent"}, {200, "./child --flag"}});
  REQUIRE(pid_tid.size() == 4);
  CHECK(pid_tid.at("parent") == std::pair<std::uint64_t, std::uint64_t>{100, 5000});
  CHECK(pid_tid.at("child").first == 200);
  CHECK(pid_tid.at("child").second != pid_tid.at("child-again").second);
  CHECK(pid_tid.at("child").second >= 0x40000000u);
  CHECK(pid_tid.at("thread #3").second == 0x40000003u);

  // The zero-length hold is a slice of 0 ns; its name is valid UTF-8.
  bool zero = false;
  for (const auto& s : d.slices)
    if (s.name == "hold m\xef\xbf\xbd") zero = s.t0 == 0 && s.t1 == 0;
  CHECK(zero);
  // The release at 30 and the acquisition at 30 are joined by a flow, source first.
  std::uint64_t id = 0;
  for (const auto& s : d.slices)
    if (s.t1 == 30 && s.name == "hold mutex #2") id = s.flow_out;
  REQUIRE(id != 0);
  bool target = false;
  for (const auto& s : d.slices)
    if (s.flow_in == id)
      target = s.t0 == 30 && d.thread_names.at(d.parent.at(s.track)) == "child-again";
  CHECK(target);
}

TEST_CASE("perfetto: streamed: lanes as holds open, a thread that ends holding, odd order") {
  viewer::testing::Builder b;
  auto la = b.object(rt::ObjKind::Lock, "A");
  auto lb = b.object(rt::ObjKind::Lock, "B");
  auto holder = b.thread("holder");
  auto waiter = b.thread("waiter");
  b.ev(0, holder, rt::Ev::Acquired, la, 1);
  b.ev(10, holder, rt::Ev::Acquired, lb, 1);  // B inside A: its own lane (not known to nest)
  b.ev(20, holder, rt::Ev::Release, lb, 0);
  b.ev(30, waiter, rt::Ev::AcquireBegin, lb, 0);  // begun again at 40: this one is dropped
  b.ev(40, waiter, rt::Ev::AcquireBegin, la, 0);
  b.ev(50, holder, rt::Ev::ThreadEnd, 0, 0);  // ends holding A
  b.ev(45, waiter, rt::Ev::Acquired, lb, 1);  // dated before the last packet
  const Decoded d = decode(write(b.t, false));  // nesting, flows and order are checked there
  CHECK(std::is_sorted(d.times.begin(), d.times.end()));
  std::map<std::string, Slice> by_name;
  for (const auto& s : d.slices) by_name[s.name + "@" + std::to_string(s.t0)] = s;
  REQUIRE(by_name.count("hold A@0"));
  REQUIRE(by_name.count("hold B@10"));
  CHECK(d.track_names.at(by_name["hold A@0"].track) == "locks held");
  CHECK(d.track_names.at(by_name["hold B@10"].track) == "locks held (2)");
  CHECK(by_name["hold B@10"].t1 == 20);
  // The hold that outlived its thread ends with it, unfinished; the thread blocked on it until
  // the end says who held it.
  CHECK(by_name["hold A@0"].t1 == 50);
  CHECK(by_name["hold A@0"].notes.at("unfinished") == "true");
  REQUIRE(by_name.count("blocked on A@40"));
  CHECK(by_name["blocked on A@40"].t1 == 50);
  CHECK(by_name["blocked on A@40"].notes.at("held_by") == "holder");
  // The block begun again ends where the next began.
  REQUIRE(by_name.count("blocked on B@30"));
  CHECK(by_name["blocked on B@30"].t1 == 40);
  // The late acquisition is written at the last packet's time, never before it.
  REQUIRE(by_name.count("hold B@50"));
  CHECK(by_name["hold B@50"].notes.at("unfinished") == "true");
}
