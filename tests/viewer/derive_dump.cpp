// derive_dump TRACE OUT: the C++ derivation of a trace (viewer/emit/derive.cpp) as OUT.cxx.json,
// and the page's payload of the same trace as OUT.payload (version 3: the events) and
// OUT.derived.payload (the current version, kPayloadVersion: derived here), for derive_agree.js,
// which derives
// the payload with the page's layout/derive.js and compares (tests/viewer/derive_agree.sh).
// Test-only: no part of `weft view`.
//
// OUT.cxx.json: {"intervals": [[thread, object id (0 none), "blocked"|"waiting"|"holding",
//                               t0, t1, open], ...],
//                "threads": [[thread, begin, end], ...],  (threads with events only; a task
//                             lane: one per running stretch)
//                "arrows": [[from thread, to thread, object id, kind, t0, t1], ...]}
//               (kind: 0 unblock, 1 notify, 2 set, 3 start, 4 join: Arrow::Kind)
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>

#include "weft/runtime/trace_reader.hpp"
#include "weft/viewer/writers.hpp"

namespace {

const char* state_name(weft::viewer::State s) {
  switch (s) {
    case weft::viewer::State::Blocked: return "blocked";
    case weft::viewer::State::Waiting: return "waiting";
    case weft::viewer::State::Holding: return "holding";
    case weft::viewer::State::Running: break;
  }
  return "running";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: derive_dump TRACE OUT\n");
    return 2;
  }
  try {
    const weft::trace::Trace t = weft::trace::read_trace(argv[1]);
    const weft::viewer::Derived d = weft::viewer::derive(t);
    const std::string out = argv[2];
    std::ofstream j(out + ".cxx.json");
    j << "{\"intervals\": [";
    const char* sep = "\n";
    for (const auto& iv : d.intervals) {
      j << sep << "[" << iv.thread << ", " << iv.obj << ", \"" << state_name(iv.state) << "\", "
        << iv.t0 << ", " << iv.t1 << ", " << (iv.open ? "true" : "false") << "]";
      sep = ",\n";
    }
    j << "],\n\"threads\": [";
    sep = "\n";
    for (const auto& r : d.runs) {  // a task lane's life: its running stretches
      j << sep << "[" << r.thread << ", " << r.t0 << ", " << r.t1 << "]";
      sep = ",\n";
    }
    for (std::size_t th = 0; th < d.thread_begin.size(); ++th) {
      if (d.thread_begin[th] == UINT64_MAX || (th < d.task_lane.size() && d.task_lane[th])) continue;
      j << sep << "[" << th << ", " << d.thread_begin[th] << ", " << d.thread_end[th] << "]";
      sep = ",\n";
    }
    j << "],\n\"arrows\": [";
    sep = "\n";
    for (const auto& a : d.arrows) {
      j << sep << "[" << a.from_thread << ", " << a.to_thread << ", " << a.obj << ", "
        << static_cast<int>(a.kind) << ", " << a.t0 << ", " << a.t1 << "]";
      sep = ",\n";
    }
    j << "]}\n";
    // Version 3 (the events: the page derives them) and the current version (derived here, as
    // pages are).
    std::ofstream p(out + ".payload");
    p << weft::viewer::encode_payload(t, {}, 3);
    std::ofstream p4(out + ".derived.payload");
    p4 << weft::viewer::encode_payload(t);
    if (!j || !p || !p4) {
      std::fprintf(stderr, "derive_dump: cannot write %s.*\n", out.c_str());
      return 1;
    }
    std::printf("%s: %zu events, %zu intervals, %zu arrows\n", argv[1], t.events.size(),
                d.intervals.size(), d.arrows.size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "derive_dump: %s\n", e.what());
    return 1;
  }
  return 0;
}
