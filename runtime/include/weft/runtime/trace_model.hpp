// weft/runtime/trace_model.hpp: a recorded trace, decoded into memory.
//
// This is what the trace reader produces and what `weft report`, the offline detectors and the
// viewer's writers consume. It holds ids and numbers; strings live once in `sites`, `threads`
// and `objects`. Times are nanoseconds since the start of the recording (the earliest event of
// any process in the trace is near 0).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weft/runtime/event.hpp"

namespace weft::trace {

struct Site {  // a source location, interned
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string function;
};

// A site known only by a code address (trace record 0x45: interposed calls, std:: wrappers
// around weft primitives). Until symbolize_sites() resolves it, its Site's `file` is the label
// "module+0xoffset" and `line` 0.
struct CodeSite {
  std::int32_t site = -1;  // index into Trace::sites
  std::string module;      // absolute path of the ELF object
  std::uint64_t offset = 0;  // address in it, as addr2line expects
};

// An ELF object of a recorded process (trace record 0x46): where it was loaded.
struct Module {
  std::string path;
  std::uint64_t bias = 0;  // an address in it minus `bias` is its address in the file
  std::uint32_t pid = 0;
};

struct Process {
  std::uint32_t pid = 0;
  std::uint32_t parent_pid = 0;  // 0 for the process `weft run` started
  std::string command;           // argv joined by spaces, for display
  // Added by the recorder (issue 3):
  std::uint64_t start_ns = 0;       // trace time of the process' start
  std::uint64_t wall_start_ns = 0;  // CLOCK_REALTIME at its start (ns since the Unix epoch)
  bool exited = false;              // reached exit() or returned from main
  int exit_code = -1;               // when known (set by `weft run` for the process it started)
  int term_signal = 0;              // the signal that killed it, when known
  std::uint64_t dropped = 0;        // events of this process the recorder could not keep
  // Flight-recorder mode (`weft run --keep-last`, 2026-12-06): the window asked for (a size of
  // event blocks or a duration; both 0 otherwise) and the events overwritten to keep it.
  std::uint64_t keep_last_bytes = 0;
  std::uint64_t keep_last_ns = 0;
  std::uint64_t overwritten = 0;
};

struct Thread {
  std::uint32_t index = 0;  // position in Trace::threads; what Event::thread refers to
  std::uint32_t pid = 0;
  std::uint64_t os_tid = 0;  // gettid()
  std::string name;          // UTF-8 (e.g. "子线程-0"); "" if never named
  rt::ObjId object = 0;      // the weft::Thread object, if the thread was started by weft
  std::int32_t start_site = -1;  // its ThreadStart's site: the interposer's start routine
  std::string routine;       // that routine's name, once symbolized (symbolize_sites)
  std::uint64_t overwritten = 0;  // flight-recorder mode: its events the ring overwrote
  // A weft::aio task (2026-12-06, issue 18) is recorded as a lane of its own: `task` is its
  // object (kind aio-task), `parent` the thread whose event loop ran it (its os_tid is the
  // parent's). Plain threads have task 0 and parent kNoParent.
  static constexpr std::uint32_t kNoParent = UINT32_MAX;
  std::uint32_t parent = kNoParent;
  rt::ObjId task = 0;
  bool is_task() const { return task != 0; }
};

struct Object {
  rt::ObjId id = 0;  // unique within the trace (the reader makes ids of several processes unique)
  rt::ObjKind kind = rt::ObjKind::Unknown;
  std::string name;           // display name; "" if unnamed
  std::string address;        // "0x55d8118c10e0" when `name` was its address, before name_objects
  std::int32_t site = -1;     // index into Trace::sites where it was constructed, -1 unknown
  std::uint32_t pid = 0;
};

struct Event {
  std::uint64_t ts_ns = 0;
  std::uint32_t thread = 0;  // index into Trace::threads
  rt::Ev kind = rt::Ev::Create;
  rt::ObjId obj = 0;
  std::uint64_t arg = 0;     // meaning per kind: see weft/runtime/event.hpp
  std::int32_t site = -1;    // index into Trace::sites, -1 unknown
};

struct Finding {
  std::string kind;                    // bug-kind id, e.g. "lock-reentry"
  std::string message;                 // plain words, one line: message_template rendered
  // The message as the detector wrote it, with references to the trace's threads and objects
  // ("{thread:0} takes {object:3} again"); labels.hpp renders it. Text only in traces written
  // before references existed.
  std::string message_template;
  std::vector<std::uint32_t> threads;  // indexes into Trace::threads
  std::vector<rt::ObjId> objects;
  std::vector<std::int32_t> sites;     // indexes into Trace::sites
  std::uint64_t time_ns = 0;
  std::uint32_t count = 1;             // merged duplicates
};

struct Trace {
  std::uint32_t format_version = 0;
  std::vector<Process> processes;
  std::vector<Thread> threads;
  std::vector<Object> objects;
  std::vector<Site> sites;
  std::vector<Event> events;  // sorted by ts_ns (stable for equal times)
  // How many events the trace holds: events.size(), also when it was read without them
  // (ReadOptions::events = false), objects' Create events included.
  std::uint64_t event_count = 0;
  std::vector<Finding> findings;
  std::vector<CodeSite> code_sites;  // added (recperf): which sites are code addresses
  std::vector<Module> modules;       // added (issue 15): ELF objects with code sites
  std::uint64_t dropped = 0;   // events the recorder could not keep (overflow policy)
  // Acquisitions recorded without a clock reading (record 0x44, WEFT_EXACT_TIMES=0): dated from
  // their neighbours, so their hold times are upper bounds.
  std::uint64_t undated_acquisitions = 0;
  // Flight-recorder mode: events overwritten (all processes), and the time from which every
  // thread's events are complete: the latest overwritten event (0 when nothing was overwritten).
  // Threads whose older blocks survived have events before it.
  std::uint64_t overwritten = 0;
  std::uint64_t window_start_ns = 0;
  bool truncated = false;      // the file ended mid-record; events are those before the cut
  std::vector<std::string> warnings;

  std::uint64_t duration_ns() const {
    return events.empty() ? 0 : events.back().ts_ns - events.front().ts_ns;
  }
  const Object* object(rt::ObjId id) const;  // nullptr if unknown
};

}  // namespace weft::trace
