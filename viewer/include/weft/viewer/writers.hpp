// weft/viewer/writers.hpp: the renderings of a decoded trace behind `weft view`.
//
//   weft::trace::Trace t = weft::trace::read_trace("app.trace");
//   std::ofstream out("timeline.html");
//   weft::viewer::write_html(t, out);          // self-contained page, works from file://
//   weft::viewer::write_chrome_json(t, json);  // Chrome Trace Event Format, opens in Perfetto UI
//   weft::viewer::write_perfetto(t, pftrace);  // Perfetto's protobuf format (binary stream)
//   weft::viewer::write_text(t, std::cout, {.width = 100});  // terminal timeline + findings
//
// The writers only read the Trace; they never throw on odd contents (unknown object ids, events
// out of order, unmatched releases): what cannot be paired is shown as it is or skipped.
// They throw only what the output stream throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

#include "weft/runtime/labels.hpp"
#include "weft/runtime/trace_model.hpp"

namespace weft::viewer {

// A few consecutive lines of a source file, embedded in the page so that it can show the code
// around a site (file:line) without the file. Lines are numbered from 1.
struct SourceSnippet {
  std::string file;  // as the trace's sites spell it
  std::uint32_t first_line = 1;
  std::vector<std::string> lines;
};

struct SourceOptions {
  std::uint32_t context = 2;           // lines kept before and after each site's line
  std::size_t max_bytes = 512 * 1024;  // total text embedded; sites past it get no snippet
  std::size_t max_line_bytes = 240;    // longer lines are cut (at a UTF-8 boundary) with "…"
};

// Reads the source around every site the findings, the events and the objects refer to, in that
// order of priority: for each site whose file exists (relative paths from the current directory)
// the lines [line - context, line + context]; overlapping ranges of a file merge into one block.
// A file that is missing, unreadable, not a regular file or over 16 MiB is skipped; never throws
// except std::bad_alloc.
std::vector<SourceSnippet> read_source_snippets(const trace::Trace& t,
                                                const SourceOptions& opts = {});

// Writes the HTML timeline page: the page's scripts and styles inline, the trace embedded as
// deflate-compressed binary in base64, a Content-Security-Policy that forbids any network access.
// `title` is shown in the page's title bar (rendered as text; "" = "weft timeline"). `snippets`
// (read_source_snippets) are embedded with the trace; the details panel shows them.
void write_html(const trace::Trace& t, std::ostream& out, const std::string& title = "",
                const std::vector<SourceSnippet>& snippets = {});

// Writes Chrome Trace Event Format JSON ({"traceEvents":[...]}): thread/process names as
// metadata, blocked/waiting intervals as complete slices, lock holds as async slices, arrows as
// flow events (bind_id/flow_in/flow_out), findings as global instant events.
void write_chrome_json(const trace::Trace& t, std::ostream& out);

struct PerfettoOptions {
  // Bundle the packets into TracePackets whose `compressed_packets` field holds them deflated
  // (zlib format, ~256 KiB of packets each); Perfetto's UI and trace_processor inflate them.
  bool compress = true;
  // zlib level, 1 (fastest) .. 9 (smallest). 3: twice as fast as zlib's default 6 for 12% more
  // bytes (bench/viewer_page_bench --compare-exports).
  int level = 3;
};

// Writes Perfetto's protobuf trace format (a `Trace` of `TracePacket`s, for ui.perfetto.dev):
// process and thread tracks, blocked/waiting slices on the thread tracks, lock holds on the
// "locks held" child tracks of each thread (one lane per lock held at once), flows (release ->
// acquisition on the hold slices; notify/set -> wake-up, start, join between instants), a
// counter track per contended lock (threads blocked on it), findings as instants on a global
// "findings" track. Interned names and sites, timestamps as deltas on an incremental clock.
// Written as the events pass (see the EventPass overload). See docs/viewer.md.
void write_perfetto(const trace::Trace& t, std::ostream& out, const PerfettoOptions& opts = {});

struct TextOptions {
  int width = 100;      // total columns, names included (clamped to at least 40)
  bool unicode = true;  // block characters; false = ASCII only
};

// Writes a terminal timeline: a header, one row per thread (its state in each time column), a
// legend, then the findings with their sites.
void write_text(const trace::Trace& t, std::ostream& out, const TextOptions& opts = {});

// The page's embedded trace payload (exposed for tests): the binary encoding documented in
// viewer/README.md, raw-deflate compressed, then base64.
// Version 4 (what pages carry) holds the intervals and arrows the page draws, derived here; version 3
// holds the events instead, from which the page derives them itself (tests compare the two).
// Version 5 = 4 + each thread's parent and task (task lanes of weft::aio).
constexpr int kPayloadVersion = 5;
std::string encode_payload(const trace::Trace& t, const std::vector<SourceSnippet>& snippets = {},
                           int version = kPayloadVersion);

// Per-thread intervals derived from the events (used by the text and Chrome writers).
enum class State : std::uint8_t { Running, Blocked, Waiting, Holding };
struct Interval {
  std::uint64_t t0 = 0, t1 = 0;
  std::uint32_t thread = 0;
  State state = State::Running;
  rt::ObjId obj = 0;        // the lock acquired/held, the object waited on
  std::int32_t site = -1;   // where the interval began
  bool open = false;        // never ended in the trace (t1 = end of trace)
  bool contended = false;   // Holding: entered after blocking
};
// A task lane suspended on no object (obj 0): awaiting a timer (aio::sleep) or a thread
// (to_thread, run_in_executor). The name of such an interval in the Chrome and Perfetto exports.
inline constexpr const char* kTimerSuspension = "suspended (timer or thread)";
struct Arrow {
  std::uint64_t t0 = 0, t1 = 0;
  std::uint32_t from_thread = 0, to_thread = 0;
  rt::ObjId obj = 0;
  enum Kind : std::uint8_t { Unblock, Notify, Set, Start, Join } kind = Unblock;
};
struct Derived {
  std::vector<Interval> intervals;  // sorted by t0
  std::vector<Arrow> arrows;
  std::vector<std::uint64_t> thread_begin, thread_end;  // per thread: first/last activity
  std::uint64_t t_min = 0, t_max = 0;
  // Task lanes (weft::aio; threads with task-resume events) run only in stretches, from each
  // task-resume to the next task-suspend or task-end: those (state Running), sorted by t0.
  // Between them a task lane is Waiting (suspended) unless a wait, acquisition or join is open.
  std::vector<Interval> runs;
  std::vector<bool> task_lane;  // per thread
};

// Display names shared by the writers: the trace layer's (weft/runtime/labels.hpp), which the
// live messages and the report use too; the page's JavaScript follows the same rules. Here
// object() is the short form of lane titles and object_with_kind() the form findings use.
class Labels : public trace::Labels {
 public:
  using trace::Labels::Labels;
  std::string object(rt::ObjId id) const { return object_short(id); }  // "lock A", "mutex #7"
  std::string object_with_kind(rt::ObjId id) const { return trace::Labels::object(id); }
};

// Derives intervals and arrows from the events, following the conventions in
// weft/runtime/event.hpp. Pure; linear in the number of events (plus sorting).
// The end of the trace's time axis: its last event, or a later finding's time (a deadlock
// reported after the last event: what was blocked then stayed blocked until it). Never throws.
std::uint64_t extended_end(const trace::Trace& t, std::uint64_t t_min, std::uint64_t t_max);

Derived derive(const trace::Trace& t);

// derive() one event at a time, for traces streamed from their file (trace::EventReader):
// each interval is passed to on_interval as soon as it ends and each arrow to on_arrow as soon
// as it is known; finish() passes on those still open. Memory: what is open, not the events.
//
//   viewer::Deriver dv(reader.trace());
//   dv.on_interval = [&](const viewer::Interval& iv) { ... };
//   reader.for_each([&](const trace::Event& e) { dv.add(e); });
//   dv.finish(viewer::extended_end(reader.trace(), dv.t_min, dv.t_max));
class Deriver {
 public:
  explicit Deriver(const trace::Trace& t);  // its objects and threads; its events are not read
  ~Deriver();
  Deriver(const Deriver&) = delete;
  Deriver& operator=(const Deriver&) = delete;
  void add(const trace::Event& e);  // in Trace::events' order
  void finish(std::uint64_t end_of_axis);

  std::function<void(const Interval&)> on_interval;
  std::function<void(const Arrow&)> on_arrow;
  // Each interval as it begins (t1 = t0, open = true; a hold's `contended` is final), after the
  // on_interval and on_arrow calls of the same event (an acquisition ends the blocked interval,
  // gives its arrow, then begins the hold): for writers that mark begins and ends as they happen
  // (write_perfetto). A blocked, waiting or joining interval begun again before it ended is
  // dropped without an on_interval call, as derive() drops it.
  std::function<void(const Interval&)> on_begin;
  // A task lane's running stretch (state Running), as it ends (Derived::runs).
  std::function<void(const Interval&)> on_run;
  std::vector<bool> task_lane;  // per thread: has task-resume events
  // Per thread: first and last activity (complete after finish()); the events' time range.
  std::vector<std::uint64_t> thread_begin, thread_end;
  std::uint64_t t_min = 0, t_max = 0;
  std::uint64_t events() const { return events_; }

  struct Open;

 private:
  struct Impl;
  void grow(std::size_t nt);
  void interval(std::uint32_t th, viewer::State st, const Open& o, std::uint64_t t1, bool contended,
                bool open);
  void begin(std::uint32_t th, viewer::State st, const Open& o, bool contended);
  void arrow(const Arrow& a);
  void end_run(std::uint32_t th, std::uint64_t t1);
  std::unique_ptr<Impl> s_;
  std::uint64_t events_ = 0;
};

// Each call passes the trace's events, in Trace::events' order, to `visit` and returns how
// many: over a read trace's vector (events_of), or over its file again (trace::EventReader).
using EventPass =
    std::function<std::uint64_t(const std::function<void(const trace::Event&)>& visit)>;
EventPass events_of(const trace::Trace& t);

// write_text and write_chrome_json over streamed events: `t` gives everything but the events
// (trace::EventReader::trace()), `events` the events. The text passes over them twice (the time
// axis, then the rows), the JSON once; memory holds what is open, not the events.
void write_text(const trace::Trace& t, const EventPass& events, std::ostream& out,
                const TextOptions& opts = {});
void write_chrome_json(const trace::Trace& t, const EventPass& events, std::ostream& out);
// The page the same way: the events are read once into the payload's columns (a few bytes
// each), never into the model. The snippets' sites are gathered in one pass of their own.
void write_html(const trace::Trace& t, const EventPass& events, std::ostream& out,
                const std::string& title, const std::vector<SourceSnippet>& snippets);
std::string encode_payload(const trace::Trace& t, const EventPass& events,
                           const std::vector<SourceSnippet>& snippets,
                           int version = kPayloadVersion);
std::vector<SourceSnippet> read_source_snippets(const trace::Trace& t, const EventPass& events,
                                                const SourceOptions& opts = {});

// derive() over streamed events: the intervals and arrows are kept, the events are not.
// write_perfetto() over streamed events: one pass (a Deriver), each slice begun and ended as the
// events pass; memory holds what is open (per thread, object, lane, interned string), not the
// events nor the intervals.
Derived derive(const trace::Trace& t, const EventPass& events);
void write_perfetto(const trace::Trace& t, const EventPass& events, std::ostream& out,
                    const PerfettoOptions& opts = {});

// The events of [from, to] (ns of trace time), preceded by what was going on at `from`: each lock
// a thread then held (its Acquired, with the depth of a recursive lock), each thread blocked,
// waiting or joining (its AcquireBegin, WaitBegin or JoinBegin), all dated `from`. Drawn, the
// window looks as the whole trace does between those times (`weft view --from/--to`).
EventPass window(const trace::Trace& t, EventPass events, std::uint64_t from, std::uint64_t to);

}  // namespace weft::viewer
