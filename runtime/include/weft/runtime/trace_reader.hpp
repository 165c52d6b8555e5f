// weft/runtime/trace_reader.hpp: reads a trace file written by the recorder.
//
//   try {
//     weft::trace::Trace t = weft::trace::read_trace("app.trace");
//     for (const auto& w : t.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
//   } catch (const weft::trace::TraceError& e) {
//     std::fprintf(stderr, "%s\n", e.what());  // names the byte offset; exit 2
//   }
//
// A truncated file yields the events that precede the cut (Trace::truncated, a warning); a
// corrupted one throws TraceError naming the offset. The reader never crashes, never hangs and
// never allocates without bound on hostile sizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "weft/runtime/trace_model.hpp"

namespace weft::trace {

class TraceError : public std::runtime_error {
 public:
  TraceError(const std::string& what, std::uint64_t offset)
      : std::runtime_error(what), offset_(offset) {}
  std::uint64_t offset() const noexcept { return offset_; }  // byte offset of the problem

 private:
  std::uint64_t offset_;
};

// Reads and decodes a whole trace (all processes it holds). Throws TraceError on a missing,
// unreadable or corrupted file.
//
// Child processes of a recording that `weft run` has not yet merged are sibling files named
// `<path>.<pid>.<n>.part`; read_trace() reads them too.
Trace read_trace(const std::string& path);

// What to read. Without events (`weft run`'s summary after the program ended) every record is
// still checked, and processes, threads, objects, sites, findings, warnings and
// Trace::event_count are as a full read gives them; Trace::events stays empty, and threads have
// no start_site. Memory then grows with the objects and findings, not with the events.
struct ReadOptions {
  bool events = true;
};
Trace read_trace(const std::string& path, const ReadOptions& options);

// Reads a trace's events one at a time without holding them, for traces of any length.
//
//   weft::trace::EventReader r("app.trace");  // throws TraceError as read_trace() does
//   for (const auto& f : r.trace().findings) ...;
//   r.for_each([&](const weft::trace::Event& e) { ... });  // in Trace::events' order
//
// trace() is what read_trace(path, {.events = false}) gives: everything but the events. for_each()
// then decodes the events from the files, a block of each thread at a time, merged by time: the
// same events in the same order as a full read's Trace::events. It holds one block (32 KiB by
// default, WEFT_TRACE_BLOCK_KB) for each thread that has started and not ended at the point
// reached and, for a trace recorded with WEFT_EXACT_TIMES=0, the release times of each lock (its
// undated acquisitions are dated from them). Every record was checked when trace() was read; a
// file that changes afterwards throws TraceError.
class EventReader {
 public:
  explicit EventReader(const std::string& path);
  ~EventReader();
  EventReader(EventReader&&) noexcept;
  EventReader& operator=(EventReader&&) noexcept;
  Trace& trace();
  const Trace& trace() const;
  // Calls `visit` with each event, in order; returns how many. Each call reads the files again.
  std::uint64_t for_each(const std::function<void(const Event&)>& visit);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Decodes a trace held in memory (one file's bytes; no sibling parts). Throws TraceError.
Trace read_trace_bytes(const void* data, std::size_t size);

// Resolves the code sites of `t` (Trace::code_sites) to function and file:line with
// addr2line (binutils, else llvm-addr2line-19 / llvm-addr2line), one run per ELF object. For each
// address the innermost inlined frame outside system headers and weft's own headers is kept
// (the user's line behind std::lock_guard or std::mutex::lock); without debug information only
// the function name is known, and a missing tool or object leaves the site as it was. Finding
// messages written online name such sites by their label ("taken at prog+0x13e5"); each label
// of a resolved site is replaced there by "file.cpp:line". Returns
// the number of sites resolved to a line. Runs programs: call it from tools (report, view), not
// from code that reads untrusted traces in bulk.
std::size_t symbolize_sites(Trace& t);

// For a recorded process naming its own code sites (the live message of a fatal finding): each
// (ELF object, offset) as "file.cpp:line", or "" when it cannot be resolved. Runs addr2line
// without LD_PRELOAD and WEFT_* in its environment, so the tool is not recorded itself.
std::vector<std::string> symbolize_code_labels(
    const std::vector<std::pair<std::string, std::uint64_t>>& addrs);
// Names the objects that live in a module's data (globals, statics, their members) by the
// module's symbols (nm): an object the interposer named by its address ("0x55d8118c10e0")
// becomes "balance_mutex", or "accounts+40" for one 40 bytes into `accounts`; Object::address
// keeps the address. Findings are rendered again. Returns the number of objects named. Run by
// symbolize_sites.
std::size_t name_objects(Trace& t);
// The same for a live process: the variable at `address` of this process, or "". `size` is the
// object's size in bytes (0 when unknown), which tells the member path where to stop.
std::string live_object_name(const void* address, std::uint64_t size);
// Completes a symbol's name with the member path down to an object inside it ("[3].mu"): set by
// the `weft` binary when it has a debug-information reader (LLVM). Without one, or when it returns
// "", a member is named by its offset ("accounts+168"). In a recorded process, the live name asks
// `$WEFT_SELF __variable` (set by `weft run`) for the same path.
using MemberResolver = std::string (*)(const std::string& module, std::uint64_t var_start,
                                       std::uint64_t address, std::uint64_t object_size);
void set_member_resolver(MemberResolver resolver);
// The size of the object an interposed primitive of `kind` occupies (pthread_mutex_t for a
// mutex, ...), or 0.
std::uint64_t interposed_object_size(rt::ObjKind kind);
// The same, for the functions the addresses are in ("" when unknown or in a system library).
std::vector<std::string> symbolize_code_functions(
    const std::vector<std::pair<std::string, std::uint64_t>>& addrs);
// Replaces each whole occurrence of a code site's `label` ("prog+0x13e5") in `text`.
void replace_code_label(std::string& text, const std::string& label, const std::string& with);

// Sets every finding's message from its template with the trace's labels (labels.hpp). The
// readers call it; call it again after renaming threads or objects.
void render_messages(Trace& t);

// The `<path>.<pid>.<n>.part` files that belong to the trace `path`, sorted.
std::vector<std::string> trace_part_files(const std::string& path);

// Rewrites `path` as one self-contained file: its segments and those of its part files, packed
// (unused block space removed), then deletes the parts. Parts of processes that are still
// running are left alone. Records `exit` (from waitpid) in the first segment when exit_kind != 0
// (1: exit code, 2: killed by signal). Throws TraceError when `path` is unreadable or corrupted.
// With `summary`, it also receives what read_trace(path, {.events = false}) of the consolidated
// file returns, from the same reading of the files (`weft run`'s summary: one pass over a large
// trace instead of two).
void consolidate_trace(const std::string& path, std::uint32_t exit_kind = 0, int exit_value = 0,
                       Trace* summary = nullptr);

}  // namespace weft::trace
